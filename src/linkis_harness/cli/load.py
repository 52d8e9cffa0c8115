"""`linkis-harness load`: its options, handed to `load.runner.run_load` as one `LoadOptions`."""

from __future__ import annotations

from pathlib import Path

import click

from linkis_harness.cli.options import (
    Target,
    report_dir_option,
    sim_speed_option,
    streams,
    target_options,
    workloads_option,
)
from linkis_harness.load.plan import (
    CLIENT_MODELS,
    SHAPES,
    LoadOptions,
    write_workload_file,
)

__all__ = ["load"]

_DEFAULT = LoadOptions()


@click.command()
@target_options
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=_DEFAULT.users,
    show_default=True,
    help="Concurrent lifecycle users (closed model).",
)
@click.option(
    "--spawn-rate",
    # 0 used to become the default silently; now it is refused like any other bad value.
    type=click.FloatRange(min=0, min_open=True),
    default=_DEFAULT.spawn_rate,
    show_default=True,
    help="Users started per second.",
)
@click.option(
    "--run-time",
    default=_DEFAULT.run_time,
    show_default=True,
    help="How long to run, e.g. 30s, 5m.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=_DEFAULT.workers,
    show_default=True,
    help="Local Locust worker processes (0: one process).",
)
@click.option(
    "--sla",
    "slas",
    multiple=True,
    metavar="EXPR",
    help="SLA such as 'p95(job_total)<30s' (repeatable).",
)
@report_dir_option("Write Locust HTML/CSV, JSON summary and a PNG chart here.")
@click.option(
    "--sla-abort",
    is_flag=True,
    help="Stop the run as soon as an SLA is breached (jobs are still cleaned up).",
)
@click.option(
    "--submit-rate",
    metavar="RATE",
    help="Open model: job arrivals such as 5/s or 120/m; --users is then the pool size.",
)
@click.option(
    "--shape",
    type=click.Choice(SHAPES),
    help="Vary users over the run time up to --users (closed model).",
)
@click.option(
    "--kill-fraction",
    type=click.FloatRange(0.0, 1.0),
    default=_DEFAULT.kill_fraction,
    show_default=True,
    help="Fraction of jobs killed once seen Running.",
)
@click.option(
    "--client-model",
    type=click.Choice(CLIENT_MODELS),
    default=_DEFAULT.client_model,
    show_default=True,
    help="java: poll status+progress every 500 ms; cli: every 2 s like linkis-cli.",
)
@workloads_option(
    "Directory of workload YAML files for the mix (default: the shipped ones)."
)
@click.option(
    "--master", is_flag=True, help="Run only the Locust master (workers elsewhere)."
)
@click.option(
    "--worker", is_flag=True, help="Run only a Locust worker for --master-host."
)
@click.option("--master-host", metavar="HOST", help="Where the --master runs.")
@click.option(
    "--master-port",
    type=click.IntRange(1, 65535),
    default=_DEFAULT.master_port,
    show_default=True,
    help="The master's port (with --master / --worker).",
)
@click.option(
    "--expect-workers",
    type=click.IntRange(min=1),
    help="Workers the --master waits for (default: --workers, or 1).",
)
@sim_speed_option("Embedded simulator only: divide every job duration by this.")
@click.option(
    "--sim-max-running",
    type=click.IntRange(min=0),
    default=_DEFAULT.sim_max_running,
    show_default=True,
    metavar="J",
    help="Embedded simulator only: engine slots per group (serve --max-running; 0: unlimited).",
)
@click.option(
    "--find-capacity",
    is_flag=True,
    help="Search the highest arrival rate (jobs/min) that holds every --sla: step up x2 "
    "until a breach, then bisect. --submit-rate is the starting rate (default 6/m).",
)
@click.option(
    "--resolution",
    metavar="SHARE",
    default=_DEFAULT.resolution,
    show_default=True,
    help="--find-capacity: bisect until the held and breached rates are this close.",
)
@click.option(
    "--max-rate",
    metavar="RATE",
    help="--find-capacity: never offer more than this (e.g. 600/m; default 6000/m).",
)
@click.option(
    "--max-time",
    metavar="DURATION",
    default=_DEFAULT.max_time,
    show_default=True,
    help="--find-capacity: stop the search after this long with the best answer so far.",
)
@click.option(
    "--step-time",
    metavar="DURATION",
    default=_DEFAULT.step_time,
    show_default=True,
    help="--find-capacity: the longest one step runs (it ends earlier once steady).",
)
@click.option(
    "--web",
    is_flag=True,
    help="Serve Locust's web UI (charts, statistics, stop button) on 127.0.0.1 during the "
    "run; the run starts at once; reports and exit code as headless.",
)
@click.option(
    "--web-port",
    type=click.IntRange(1, 65535),
    default=_DEFAULT.web_port,
    show_default=True,
    help="Port of the --web UI.",
)
@click.option(
    "--write-workloads",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the workload mix (--workloads, or the shipped ones) as the JSON file the "
    "locustfile reads (LINKIS_LOAD_WORKLOADS) and exit: for Locust run by hand or on "
    "Kubernetes.",
)
@click.option(
    "--accept-underdelivery",
    is_flag=True,
    help="Accept a run that did not deliver the asked --submit-rate (open model) or --users "
    "(closed model): reported, but not a failure (default: it fails, exit 1).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="DIR/summary.json",
    help="Compare with an earlier run's summary.json: every entry side by side; exit 1 "
    "when a percentile regressed past --max-regression.",
)
@click.option(
    "--max-regression",
    metavar="SHARE",
    default=_DEFAULT.max_regression,
    show_default=True,
    help="--baseline: how much a p50/p95/p99 may grow (changes under 50 ms never count).",
)
@click.option(
    "--baseline-any-target",
    is_flag=True,
    help="--baseline: compare even when the baseline was measured against another target.",
)
@click.pass_context
def load(
    ctx: click.Context,
    /,
    *,
    target: Target,
    report_dir: Path | None,
    users: int,
    spawn_rate: float,
    run_time: str,
    workers: int,
    slas: tuple[str, ...],
    sla_abort: bool,
    submit_rate: str | None,
    shape: str | None,
    kill_fraction: float,
    client_model: str,
    workloads: Path | None,
    master: bool,
    worker: bool,
    master_host: str | None,
    master_port: int,
    expect_workers: int | None,
    sim_speed: float,
    sim_max_running: int,
    find_capacity: bool,
    resolution: str,
    max_rate: str | None,
    max_time: str,
    step_time: str,
    web: bool,
    web_port: int,
    write_workloads: Path | None,
    accept_underdelivery: bool,
    baseline: Path | None,
    max_regression: str,
    baseline_any_target: bool,
) -> None:
    """Run the Locust lifecycle load test (default target: the embedded simulator)."""
    from linkis_harness.load.runner import run_load

    io = streams(ctx)
    if write_workloads is not None:
        count = write_workload_file(workloads, write_workloads)
        io.out.write(f"wrote {count} workload(s) to {write_workloads}\n")
        ctx.obj["code"] = 0
        return

    options = LoadOptions(
        users=users,
        spawn_rate=spawn_rate,
        run_time=run_time,
        workers=workers,
        slas=slas,
        sla_abort=sla_abort,
        submit_rate=submit_rate,
        shape=shape,
        kill_fraction=kill_fraction,
        client_model=client_model,
        master=master,
        worker=worker,
        master_host=master_host,
        master_port=master_port,
        expect_workers=expect_workers,
        sim_speed=sim_speed,
        workloads=workloads,
        sim_max_running=sim_max_running,
        find_capacity=find_capacity,
        resolution=resolution,
        max_rate=max_rate,
        max_time=max_time,
        step_time=step_time,
        web=web,
        web_port=web_port,
        accept_underdelivery=accept_underdelivery,
        baseline=baseline,
        max_regression=max_regression,
        baseline_any_target=baseline_any_target,
        linkis_version=target.linkis_version,
    )
    ctx.obj["code"] = run_load(
        target.settings,
        options,
        policy=target.policy,
        report_dir=report_dir,
        out=io.out,
        err=io.err,
    )
