"""`linkis-harness rules`: its options, handed to `rules.runner.run_rules`."""

from __future__ import annotations

from pathlib import Path

import click

from linkis_harness.cli.options import (
    Target,
    gateway_properties_option,
    junit_xml_option,
    now_option,
    proxy_rules_option,
    report_dir_option,
    streams,
    target_options,
    token_rules_option,
    token_table_option,
)
from linkis_harness.resources import data_dir

__all__ = ["rules"]


@click.command()
@target_options
@proxy_rules_option(
    "proxy.properties the gateway should enforce "
    "(with --target give at least one rule file; default: the shipped samples on the "
    "embedded simulator)."
)
@token_rules_option()
@token_table_option()
@gateway_properties_option()
@now_option("Judge token expiry at this time (ISO date or date-time; default: now).")
@click.option(
    "--lint-only", is_flag=True, help="Only lint the rule files (no target needed)."
)
@click.option(
    "--proxy-mode",
    type=click.Choice(("login", "headers")),
    default="login",
    show_default=True,
    help="login: /user/proxy?proxyUser=&validationCode= (real Linkis); headers: the documented Proxy-User + Validation-Code headers.",
)
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Show tokens in full (default: a short fingerprint).",
)
@junit_xml_option("Write a JUnit XML report here (one test case per row).")
@report_dir_option("Write rules-junit.xml and rules.json here.")
@click.pass_context
def rules(
    ctx: click.Context,
    /,
    *,
    target: Target,
    proxy_rules: Path | None,
    token_rules: Path | None,
    token_table: Path | None,
    gateway_properties: Path | None,
    now: str | None,
    lint_only: bool,
    proxy_mode: str,
    show_secrets: bool,
    junit_xml: Path | None,
    report_dir: Path | None,
) -> None:
    """Lint proxy/token rule files and prove the gateway enforces them."""
    from linkis_harness.rules.runner import run_rules

    given = (proxy_rules, token_rules, token_table, gateway_properties)
    if all(path is None for path in given):
        if target.settings.target is not None:
            raise click.UsageError(
                "give at least one of --proxy-rules, --token-rules, --token-table, "
                "--gateway-properties with --target",
                ctx,
            )
        samples = data_dir("fixtures") / "rules"
        proxy_rules = samples / "proxy.properties"
        token_rules = samples / "tokens.properties"
        token_table = samples / "tokens.csv"
    io = streams(ctx)
    ctx.obj["code"] = run_rules(
        target.settings,
        policy=target.policy,
        proxy_rules=proxy_rules,
        token_rules=token_rules,
        token_table=token_table,
        gateway_properties=gateway_properties,
        now=now,
        linkis_version=target.linkis_version,
        lint_only=lint_only,
        proxy_mode="headers" if proxy_mode == "headers" else "login",
        show_secrets=show_secrets,
        junit_xml=junit_xml,
        report_dir=report_dir,
        out=io.out,
        err=io.err,
    )
