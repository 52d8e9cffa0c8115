"""Option declarations shared by the commands, each declared once with one default.

`target_options` adds what every command that talks to a target accepts (where the target is,
who the harness is there, the peer account, the network timeout and TLS, the safety policy and
the target's Linkis version) and hands the command one typed `Target` value instead of loose
keyword arguments. The single options below (`--proxy-rules`, `--report-dir`, ...) are shared by
two or three commands; only their help text differs per command.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import click

from linkis_harness import config
from linkis_harness.core.options import by_name
from linkis_harness.core.versions import Version
from linkis_harness.safety import SafetyPolicy

__all__ = [
    "Streams",
    "Target",
    "gateway_properties_option",
    "junit_xml_option",
    "now_option",
    "proxy_rules_option",
    "report_dir_option",
    "sim_speed_option",
    "streams",
    "target_options",
    "token_rules_option",
    "token_table_option",
    "workloads_option",
]

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


@dataclass(frozen=True, slots=True)
class Streams:
    """The output streams of one `run()` call (click's own echo is bypassed for testability)."""

    out: TextIO
    err: TextIO


def streams(ctx: click.Context) -> Streams:
    """Return the streams `run()` put into the click context."""
    found = ctx.obj["streams"]
    assert isinstance(found, Streams)
    return found


@dataclass(frozen=True, slots=True)
class Target:
    """The target-facing options of one command: settings, safety policy, Linkis version."""

    settings: config.Settings
    policy: SafetyPolicy
    linkis_version: str | None


def _table_option(name: str) -> Callable[[Any], Any]:
    """Declare a click option from the one options table (`core.options`)."""
    option = by_name(name)
    text = option.help + (f" [{option.variable}]" if option.variable else "")
    if option.kind == "bool":
        return click.option(
            option.flag, is_flag=True, default=None, envvar=option.variable, help=text
        )
    kind: Any = float if option.kind == "float" else None
    extra: dict[str, Any] = {"metavar": "URL"} if name == "target" else {}
    if name == "linkis_version":
        extra = {"metavar": "VERSION"}
    return click.option(
        option.flag, type=kind, default=None, envvar=option.variable, help=text, **extra
    )


_CONNECTION = (
    "target",
    "user",
    "password",
    "token_code",
    "token_user",
    "timeout",
    "insecure",
)
_TARGET_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    *(_table_option(name) for name in _CONNECTION),
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
    _table_option("peer_user"),
    _table_option("peer_password"),
    _table_option("linkis_version"),
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


def _target(kwargs: dict[str, Any]) -> Target:
    """Pop the shared options out of click's keyword arguments into one `Target`."""
    overrides = {k: kwargs.pop(k) for k in _SETTING_KEYS}
    policy = SafetyPolicy(
        rate_limit=kwargs.pop("rate_limit"),
        max_jobs=kwargs.pop("max_jobs"),
        dry_run=bool(kwargs.pop("dry_run")),
        read_only=bool(kwargs.pop("read_only")),
    )
    version: str | None = kwargs.pop("linkis_version")
    if version:
        Version.parse(version)  # ConfigError (exit 2) before anything starts
    if kwargs.get("lint_only"):
        # `rules --lint-only` sends nothing: a password or token left in the environment
        # without its user is no reason to refuse; the names still tell the lint who exists.
        names = {k: overrides[k] for k in ("target", "user", "token_user", "peer_user")}
        return Target(config.Settings(**names), policy, version or None)
    # click already merged the LINKIS_* variables into the options; the environment is still
    # passed for ${VAR} expansion in values.
    return Target(config.load(overrides, os.environ), policy, version or None)


def target_options(func: F) -> F:
    """Add the shared target options; the command receives them as `target: Target`."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        return func(*args, target=_target(kwargs), **kwargs)

    decorated: Callable[..., Any] = command
    for option in reversed(_TARGET_OPTIONS):
        decorated = option(decorated)
    return cast(F, decorated)


def proxy_rules_option(help: str) -> Decorator[Any]:
    """`--proxy-rules FILE` (check, rules, serve)."""
    return click.option(
        "--proxy-rules", type=click.Path(dir_okay=False, path_type=Path), help=help
    )


def token_rules_option(
    help: str = "Token rules file (TOKEN=user1,user2).",
) -> Decorator[Any]:
    """`--token-rules FILE` (check, rules, serve)."""
    return click.option(
        "--token-rules", type=click.Path(dir_okay=False, path_type=Path), help=help
    )


def token_table_option(
    help: str = "linkis_mg_gateway_auth_token as CSV (header row) or SQL INSERT export "
    "(1.1.1+).",
) -> Decorator[Any]:
    """`--token-table FILE` (check, rules, serve; issue 15)."""
    return click.option(
        "--token-table", type=click.Path(dir_okay=False, path_type=Path), help=help
    )


def gateway_properties_option(
    help: str = "The gateway's properties file with linkis.client.access.control.* (1.5+).",
) -> Decorator[Any]:
    """`--gateway-properties FILE` (check, rules, serve; issue 15)."""
    return click.option(
        "--gateway-properties",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
    )


def now_option(help: str) -> Decorator[Any]:
    """`--now DATETIME` (rules, serve): the time token expiry is judged at."""
    return click.option("--now", metavar="DATETIME", help=help)


def junit_xml_option(help: str = "Write a JUnit XML report here.") -> Decorator[Any]:
    """`--junit-xml FILE` (check, rules)."""
    return click.option(
        "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help=help
    )


def report_dir_option(help: str) -> Decorator[Any]:
    """`--report-dir DIR` (check, load, rules)."""
    return click.option(
        "--report-dir", type=click.Path(file_okay=False, path_type=Path), help=help
    )


def workloads_option(help: str) -> Decorator[Any]:
    """`--workloads DIR` (check, load)."""
    return click.option(
        "--workloads", type=click.Path(file_okay=False, path_type=Path), help=help
    )


def sim_speed_option(help: str) -> Decorator[Any]:
    """`--sim-speed N` (check, load): the embedded simulator's job durations divided by N."""
    return click.option(
        "--sim-speed",
        type=click.FloatRange(min=0.01),
        default=1.0,
        show_default=True,
        help=help,
    )
