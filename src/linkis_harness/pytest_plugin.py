"""linkis-harness' pytest plugin (entry point `pytest11: linkis`): options and fixtures.

Installed with the package and loaded by pytest at start, it costs nothing until used: this
module imports only pytest and the options table, adds the `--linkis-*` options and three
fixtures whose bodies import the rest on first use. The suite's machinery (settings, preflight
and version detection at session start, the report plugin, accepted quirks) is registered only
when a session uses it: a `--linkis-*` option given, a run configuration from `check`
(`LINKIS_RUN_CONFIG`), the contract suite's conftest (`activate`), or a test asking for
`linkis_client`.

Fixtures:
- `linkis_simulator`: an embedded Linkis simulator on a free loopback port for one test
  (`.url`, `.users`, `.fault(name)`, `.linkis_version`, `.jobs()`);
- `linkis_simulator_factory`: starts simulators for wider scopes (stopped at session end);
- `linkis_client`: a logged-in `linkis_harness.Client` for `--linkis-target` (or
  `LINKIS_TARGET`), else for a `linkis_simulator`; jobs still running at teardown are killed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from linkis_harness.core.options import OPTIONS, RUN_CONFIG_VAR

if TYPE_CHECKING:
    from linkis_harness.simulator.embedded import Simulator
    from linkis_harness.suite.client import Client

__all__ = [
    "activate",
    "linkis_client",
    "linkis_simulator",
    "linkis_simulator_factory",
]

_REPORT_OPTIONS = (
    ("--linkis-events", "Append one JSON line per finished test to FILE."),
    (
        "--linkis-cassette",
        "Write the schemathesis cassette (VCR YAML) of the schema family here.",
    ),
    (
        "--linkis-requests",
        "Append one JSON line per HTTP exchange (test, method, URL, answer, execID) to FILE.",
    ),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linkis", "linkis-harness (contract suite, linkis_client)")
    for option in OPTIONS:
        text = option.help + (f" [{option.variable}]" if option.variable else "")
        if option.kind == "bool":
            group.addoption(
                option.pytest_flag,
                action="store_const",
                const=True,
                default=None,
                help=text,
            )
        elif option.kind == "paths":
            group.addoption(
                option.pytest_flag,
                action="append",
                default=[],
                metavar="FILE",
                help=text,
            )
        else:
            group.addoption(option.pytest_flag, default=None, help=text)
    for flag, text in _REPORT_OPTIONS:
        group.addoption(flag, metavar="FILE", help=text)


def _given(config: pytest.Config) -> bool:
    """Say whether a `--linkis-*` option was given (or `check` handed a run configuration)."""
    if os.environ.get(RUN_CONFIG_VAR):
        return True
    flags = [o.pytest_flag for o in OPTIONS] + [f for f, _ in _REPORT_OPTIONS]
    return any(config.getoption(flag, default=None) not in (None, []) for flag in flags)


def activate(config: pytest.Config) -> None:
    """Register the suite's session machinery for this session (once; cheap when repeated)."""
    from linkis_harness.suite.session import activate as activate_session

    activate_session(config)


def pytest_configure(config: pytest.Config) -> None:
    if _given(config):
        activate(config)


@pytest.fixture(scope="session")
def linkis_simulator_factory() -> Iterator[Callable[..., Simulator]]:
    """Start embedded simulators for any scope; each is stopped at the end of the session.

    `linkis_simulator_factory(speed=20, linkis_version="1.4", users={...})` returns a running
    `Simulator` (also a context manager, to stop it earlier, e.g. at the end of a module).
    """
    from linkis_harness.simulator.embedded import Simulator

    started: list[Simulator] = []

    def start(**kwargs: Any) -> Simulator:
        simulator = Simulator(**kwargs).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def linkis_simulator(
    linkis_simulator_factory: Callable[..., Simulator],
) -> Iterator[Simulator]:
    """Start an embedded Linkis simulator on a free loopback port for one test."""
    simulator = linkis_simulator_factory()
    yield simulator
    simulator.stop()


@pytest.fixture
def linkis_client(request: pytest.FixtureRequest) -> Iterator[Client]:
    """Log a client in to `--linkis-target` (or LINKIS_TARGET), else to a simulator."""
    from linkis_harness.suite.client import open_client

    activate(request.config)
    with open_client(request) as client:
        yield client
