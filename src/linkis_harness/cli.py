"""The `linkis-harness` command: check | load | rules | serve | execid.

`main()` is the console entry point and the only caller of `sys.exit`; tests call
`run(argv, stdout, stderr)`, which returns the exit code (0 held, 1 findings, 2 not run).
Each subcommand parses its options here and hands them to its runner module.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from linkis_harness import config
from linkis_harness.errors import ExitCode, HarnessError
from linkis_harness.resources import data_dir
from linkis_harness.safety import SafetyPolicy

__all__ = ["main", "run"]

_PROFILES = ("smoke", "standard", "deep")


class _Streams:
    """The output streams of one `run()` call (click's own echo is bypassed for testability)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err


def _auth_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the target and credential options shared by check, load and rules."""
    opts = [
        click.option(
            "--target",
            envvar="LINKIS_TARGET",
            metavar="URL",
            help="Gateway root, e.g. http://gateway:9001 (default: embedded simulator).",
        ),
        click.option("--user", envvar="LINKIS_USER", help="Login user [LINKIS_USER]."),
        click.option(
            "--password",
            envvar="LINKIS_PASSWORD",
            help="Login password [LINKIS_PASSWORD].",
        ),
        click.option(
            "--token-code",
            envvar="LINKIS_TOKEN_CODE",
            help="Token-Code header [LINKIS_TOKEN_CODE].",
        ),
        click.option(
            "--token-user",
            envvar="LINKIS_TOKEN_USER",
            help="Token-User header [LINKIS_TOKEN_USER].",
        ),
        click.option(
            "--timeout",
            type=float,
            default=None,
            help="Per-request timeout in seconds (default 10).",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            default=None,
            help="Skip TLS certificate verification.",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def _peer_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--peer-password",
        envvar="LINKIS_PEER_PASSWORD",
        help="Password of the peer user [LINKIS_PEER_PASSWORD].",
    )(func)
    return click.option(
        "--peer-user",
        envvar="LINKIS_PEER_USER",
        help="A second, non-admin account for cross-user checks [LINKIS_PEER_USER].",
    )(func)


def _safety_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the production-safety options shared by check, load and rules (issue 7)."""
    opts = [
        click.option(
            "--rate-limit",
            type=float,
            envvar="LINKIS_RATE_LIMIT",
            help="At most this many requests per second to the target [LINKIS_RATE_LIMIT].",
        ),
        click.option(
            "--max-jobs",
            type=click.IntRange(min=0),
            envvar="LINKIS_MAX_JOBS",
            help="At most this many jobs submitted by the run [LINKIS_MAX_JOBS].",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Print what would be sent (secrets hidden) and send nothing.",
        ),
        click.option(
            "--read-only",
            is_flag=True,
            envvar="LINKIS_READ_ONLY",
            help="Only what submits or changes no job (auth, rules, read endpoints).",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def _policy(kwargs: dict[str, Any]) -> SafetyPolicy:
    return SafetyPolicy(
        rate_limit=kwargs.pop("rate_limit", None),
        max_jobs=kwargs.pop("max_jobs", None),
        dry_run=bool(kwargs.pop("dry_run", False)),
        read_only=bool(kwargs.pop("read_only", False)),
    )


_SETTING_KEYS = (
    "target",
    "user",
    "password",
    "token_code",
    "token_user",
    "peer_user",
    "peer_password",
    "timeout",
    "insecure",
)


def _settings(kwargs: dict[str, Any]) -> config.Settings:
    overrides = {k: kwargs.pop(k, None) for k in _SETTING_KEYS}
    # click already merged the LINKIS_* variables into the options; the environment is still
    # passed for ${VAR} expansion in values.
    return config.load(overrides, os.environ)


def _invoke(
    ctx: click.Context,
    runner: Callable[..., int],
    kwargs: dict[str, Any],
    settings: config.Settings,
) -> None:
    """Call a runner (check, load, rules) with the settings, the safety policy and the streams."""
    kwargs["policy"] = _policy(kwargs)
    streams: _Streams = ctx.obj["streams"]
    ctx.obj["code"] = runner(settings, out=streams.out, err=streams.err, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", is_flag=True, help="Show tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Contract, load and proxy-rule tests for the Apache Linkis REST API."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


@cli.command()
@_auth_options
@_safety_options
@_peer_options
@click.option(
    "--proxy-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="proxy.properties the gateway should enforce.",
)
@click.option(
    "--token-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Token rules file (TOKEN=user1,user2).",
)
@click.option(
    "--profile",
    type=click.Choice(_PROFILES),
    default="standard",
    show_default=True,
    help="How much to run.",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JUnit XML report here.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write JUnit, JSON results and the schemathesis cassette here.",
)
@click.option(
    "--seed", type=int, help="Hypothesis/schemathesis seed for a reproducible run."
)
@click.option(
    "--workloads",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of workload YAML files (default: the shipped ones).",
)
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
@click.option(
    "--sim-speed",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Embedded simulator only: divide job durations by this (default 1).",
)
@click.option(
    "--linkis-version",
    envvar="LINKIS_VERSION",
    metavar="VERSION",
    help="Linkis version of the target (1.4, 1.1, 0.11, ...); default: detected from its "
    "answers [LINKIS_VERSION].",
)
@click.pass_context
def check(ctx: click.Context, /, **kwargs: Any) -> None:
    """Run the contract suite against a Linkis deployment (default: the embedded simulator)."""
    from linkis_harness.check.runner import run_check

    _invoke(ctx, run_check, kwargs, _settings(kwargs))


@cli.command()
@_auth_options
@_safety_options
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Concurrent lifecycle users (closed model).",
)
@click.option(
    "--spawn-rate",
    type=float,
    default=5.0,
    show_default=True,
    help="Users started per second.",
)
@click.option(
    "--run-time",
    default="30s",
    show_default=True,
    help="How long to run, e.g. 30s, 5m.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
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
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write Locust HTML/CSV, JSON summary and a PNG chart here.",
)
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
    type=click.Choice(["ramp", "step", "spike"]),
    help="Vary users over the run time up to --users (closed model).",
)
@click.option(
    "--kill-fraction",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Fraction of jobs killed once seen Running.",
)
@click.option(
    "--client-model",
    type=click.Choice(["java", "cli"]),
    default="java",
    show_default=True,
    help="java: poll status+progress every 500 ms; cli: every 2 s like linkis-cli.",
)
@click.option(
    "--workloads",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of workload YAML files for the mix (default: the shipped ones).",
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
    default=5557,
    show_default=True,
    help="The master's port (with --master / --worker).",
)
@click.option(
    "--expect-workers",
    type=click.IntRange(min=1),
    help="Workers the --master waits for (default: --workers, or 1).",
)
@click.option(
    "--sim-speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Embedded simulator only: divide every job duration by this.",
)
@click.pass_context
def load(ctx: click.Context, /, **kwargs: Any) -> None:
    """Run the Locust lifecycle load test (default target: the embedded simulator)."""
    from linkis_harness.load.runner import run_load

    _invoke(ctx, run_load, kwargs, _settings(kwargs))


@cli.command()
@_auth_options
@_safety_options
@click.option(
    "--proxy-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="proxy.properties the gateway should enforce "
    "(required with --target; default: the shipped samples on the embedded simulator).",
)
@click.option(
    "--token-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Token rules file (TOKEN=user1,user2).",
)
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
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JUnit XML report here (one test case per row).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write rules-junit.xml and rules.json here.",
)
@click.pass_context
def rules(ctx: click.Context, /, **kwargs: Any) -> None:
    """Lint proxy/token rule files and prove the gateway enforces them."""
    from linkis_harness.rules.runner import run_rules

    settings = _settings(kwargs)
    if kwargs["proxy_rules"] is None:
        if settings.target is not None:
            raise click.UsageError("--proxy-rules FILE is required with --target", ctx)
        samples = data_dir("fixtures") / "rules"
        kwargs["proxy_rules"] = samples / "proxy.properties"
        if kwargs["token_rules"] is None:
            kwargs["token_rules"] = samples / "tokens.properties"
    _invoke(ctx, run_rules, kwargs, settings)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=9001,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option(
    "--proxy-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="proxy.properties for /user/proxy.",
)
@click.option(
    "--token-rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Token rules for Token-Code/Token-User.",
)
@click.option(
    "--fault", default=None, help="Serve one named defect ('list' shows them)."
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Divide every job duration by this.",
)
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Login users, one 'user=password' a line (default: hadoop, alice, bob).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file for job history (default: in memory; a file survives restarts).",
)
@click.option(
    "--evict-after",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds a finished job stays in entrance memory (status/log/kill by execID).",
)
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="Also honour the documented Proxy-User + Validation-Code headers.",
)
@click.option(
    "--linkis-version",
    default="1.4",
    show_default=True,
    help="Linkis version to imitate: 1.4 (1.1.1+), 1.1/1.0 (bdp-user-ticket-id cookie, "
    "substring token match) or 0.11 (legacy execIDs too).",
)
@click.pass_context
def serve(ctx: click.Context, /, **kwargs: Any) -> None:
    """Run the embedded Linkis simulator (a faithful twin with named fault modes)."""
    from linkis_harness.simulator import server

    ctx.obj["code"] = server.run_serve(
        out=ctx.obj["streams"].out, err=ctx.obj["streams"].err, **kwargs
    )


@cli.command()
@click.argument("exec_ids", nargs=-1, required=True, metavar="ID...")
@click.pass_context
def execid(ctx: click.Context, exec_ids: tuple[str, ...]) -> None:
    """Print each execID's fields as JSON; exit 1 if one does not parse."""
    from linkis_harness.core.execid import ExecId
    from linkis_harness.errors import InvalidExecId

    streams: _Streams = ctx.obj["streams"]
    code = ExitCode.OK
    for text in exec_ids:
        try:
            streams.out.write(
                json.dumps(ExecId.parse(text).describe(), ensure_ascii=False) + "\n"
            )
        except InvalidExecId as exc:
            # The message already names the input, the offset and what was expected.
            streams.err.write(f"error: {exc}\n")
            code = ExitCode.FINDINGS
    ctx.obj["code"] = code


def run(
    argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI with `argv` and return its exit code; never raises for user errors."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    obj: dict[str, Any] = {"streams": _Streams(out, err)}
    verbose = "--verbose" in argv
    try:
        cli.main(list(argv), prog_name="linkis-harness", standalone_mode=False, obj=obj)
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx else "linkis-harness"
        hint = f"\n\nRun '{path} --help'."
        err.write(f"error: {exc.format_message()}{hint}\n")
        return ExitCode.NOT_RUN
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        err.write("aborted\n")
        return ExitCode.NOT_RUN
    except click.ClickException as exc:
        err.write(f"error: {exc.format_message()}\n")
        return ExitCode.NOT_RUN
    except HarnessError as exc:
        err.write(f"error: {exc}\n")
        if verbose:
            err.write(traceback.format_exc())
        return ExitCode.NOT_RUN
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return ExitCode.NOT_RUN
    except Exception as exc:
        err.write(f"internal error: {type(exc).__name__}: {exc}\n")
        if verbose:
            err.write(traceback.format_exc())
        else:
            err.write("(run with --verbose for the traceback)\n")
        return ExitCode.NOT_RUN
    return int(obj.get("code", ExitCode.OK))


def main() -> None:
    """Console entry point."""
    sys.exit(run(sys.argv[1:]))
