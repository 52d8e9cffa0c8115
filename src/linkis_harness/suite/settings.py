"""The suite's settings: one typed value per session, built from the one options table.

Precedence: `--linkis-*` flags, then the run configuration `check` hands over
(`LINKIS_RUN_CONFIG`), then the `LINKIS_*` variables, then the table's defaults. Built once in
`pytest_configure` (before any test module is imported), so modules that read options at import
(`test_schema.py` collects its operations then) see the same values as the fixtures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linkis_harness import config as harness_config
from linkis_harness.core.options import (
    OPTIONS,
    RUN_CONFIG_VAR,
    decode_run_config,
    from_environ,
)
from linkis_harness.core.workload import PROFILES
from linkis_harness.errors import ConfigError

__all__ = ["SuiteOptions", "build", "current", "set_current"]


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    """The target, credentials and the suite's own options of one pytest session."""

    connection: harness_config.Settings
    profile: str = "standard"
    workloads: str | None = None
    spec: str | None = None
    proxy_rules: str | None = None
    token_rules: str | None = None
    token_table: str | None = None
    gateway_properties: str | None = None
    linkis_version: str | None = None
    seed: int | None = None
    quirks: tuple[str, ...] = ()
    strict: bool = False

    @property
    def settings(self) -> harness_config.Settings | None:
        """The connection settings, or None when no target was given."""
        return self.connection if self.connection.target is not None else None


def build(flags: Mapping[str, Any], environ: Mapping[str, str]) -> SuiteOptions:
    """Build the session's options from the flags pytest parsed (by option name) and `environ`.

    Raises `ConfigError` naming the option when a value is wrong.
    """
    given = {k: v for k, v in flags.items() if v is not None and v != [] and v != ()}
    connection_names = {o.name for o in OPTIONS if o.scope == "connection"}
    connection = harness_config.load(
        {k: v for k, v in given.items() if k in connection_names}, environ
    )
    values: dict[str, object] = {
        o.name: o.default for o in OPTIONS if o.scope == "suite"
    }
    values.update({k: v for k, v in from_environ(environ).items() if k in values})
    if environ.get(RUN_CONFIG_VAR):
        run = decode_run_config(environ[RUN_CONFIG_VAR])
        values.update({k: v for k, v in run.items() if k in values})
    for name, value in given.items():
        if name in values:
            option = next(o for o in OPTIONS if o.name == name)
            values[name] = option.parse(value, source=option.pytest_flag)
    profile = values["profile"]
    if profile not in PROFILES:
        raise ConfigError(
            f"--linkis-profile: expected one of {', '.join(PROFILES)}, got {profile!r}"
        )
    return SuiteOptions(connection=connection, **values)  # type: ignore[arg-type]


_CURRENT: list[SuiteOptions] = []


def current() -> SuiteOptions | None:
    """The running session's options (None outside a session that uses the suite)."""
    return _CURRENT[-1] if _CURRENT else None


def set_current(options: SuiteOptions | None) -> None:
    """Make `options` the running session's (None: the session ended)."""
    _CURRENT.clear()
    if options is not None:
        _CURRENT.append(options)
