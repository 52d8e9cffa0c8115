"""`linkis-harness check`: its options, handed to `check.runner.run_check`."""

from __future__ import annotations

from pathlib import Path

import click

from linkis_harness.cli.options import (
    Target,
    gateway_properties_option,
    junit_xml_option,
    proxy_rules_option,
    report_dir_option,
    sim_speed_option,
    streams,
    target_options,
    token_rules_option,
    token_table_option,
    workloads_option,
)

__all__ = ["check"]

PROFILES = ("smoke", "standard", "deep")


@click.command()
@target_options
@proxy_rules_option("proxy.properties the gateway should enforce.")
@token_rules_option()
@token_table_option()
@gateway_properties_option()
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="standard",
    show_default=True,
    help="How much to run.",
)
@junit_xml_option()
@report_dir_option("Write JUnit, JSON results and the schemathesis cassette here.")
@click.option(
    "--seed", type=int, help="Hypothesis/schemathesis seed for a reproducible run."
)
@workloads_option("Directory of workload YAML files (default: the shipped ones).")
@click.option(
    "-m",
    "--marker",
    "markers",
    help="Only run these check families (pytest -m expression), e.g. 'log or kill'.",
)
@click.option("--quiet", is_flag=True, help="Only the final table.")
@click.option(
    "--quirks",
    type=click.Path(dir_okay=False, path_type=Path),
    multiple=True,
    help="Known-quirks YAML: accepted deviations reported as accepted (repeatable).",
)
@sim_speed_option("Embedded simulator only: divide job durations by this.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on Linkis' own accepted defects (uncaught exceptions the ledger documents).",
)
@click.option(
    "--require-complete",
    is_flag=True,
    envvar="LINKIS_REQUIRE_COMPLETE",
    help="Exit 1 when a check did not run (skipped for want of a peer user, rule files, "
    "--max-jobs, --read-only, ...) [LINKIS_REQUIRE_COMPLETE].",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="DIR/results.json",
    help="Compare with an earlier run's results.json: new, fixed and unchanged violations; "
    "exit 1 only on new ones.",
)
@click.option(
    "--baseline-any-target",
    is_flag=True,
    help="--baseline: compare even when the baseline was measured against another target.",
)
@click.pass_context
def check(
    ctx: click.Context,
    /,
    *,
    target: Target,
    proxy_rules: Path | None,
    token_rules: Path | None,
    token_table: Path | None,
    gateway_properties: Path | None,
    profile: str,
    junit_xml: Path | None,
    report_dir: Path | None,
    seed: int | None,
    workloads: Path | None,
    markers: str | None,
    quiet: bool,
    quirks: tuple[Path, ...],
    sim_speed: float,
    strict: bool,
    require_complete: bool,
    baseline: Path | None,
    baseline_any_target: bool,
) -> None:
    """Run the contract suite against a Linkis deployment (default: the embedded simulator)."""
    from linkis_harness.check.runner import run_check

    io = streams(ctx)
    ctx.obj["code"] = run_check(
        target.settings,
        policy=target.policy,
        linkis_version=target.linkis_version,
        proxy_rules=proxy_rules,
        token_rules=token_rules,
        token_table=token_table,
        gateway_properties=gateway_properties,
        profile=profile,
        junit_xml=junit_xml,
        report_dir=report_dir,
        seed=seed,
        workloads=workloads,
        markers=markers,
        strict=strict,
        baseline=baseline,
        baseline_any_target=baseline_any_target,
        quiet=quiet,
        quirks=quirks,
        sim_speed=sim_speed,
        require_complete=require_complete,
        out=io.out,
        err=io.err,
    )
