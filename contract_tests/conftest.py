"""Fixtures of the contract suite (run with `-p no:locust`; Locust owns `--host`).

The options are the linkis plugin's (`--linkis-*`, each also read from its `LINKIS_*`
variable, so secrets never need a command line); the suite activates it for the session.
Without a target every test skips. Every job the suite submits is killed or finished before
the session ends, also after Ctrl-C (`pytest_sessionfinish`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pluggy
import pytest

from linkis_harness import config as harness_config
from linkis_harness.client import LinkisClient
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError, LoginFailed, TargetError
from linkis_harness.resources import data_dir
from linkis_harness.resources.workloads import load_workloads, select
from linkis_harness.safety import (
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
)
from linkis_harness.suite import settings as suite_settings
from linkis_harness.suite.lifecycle import FinishedJob, JobTracker, RunningJob
from linkis_harness.suite.session import activate
from linkis_harness.suite.settings import SuiteOptions

_TRACKER = pytest.StashKey[JobTracker]()
_WORKLOADS = pytest.StashKey[list[Workload]]()
_GUARD = pytest.StashKey[RequestGuard]()


def pytest_addoption(
    parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager
) -> None:
    """The `--linkis-*` options are the plugin's: load it even where plugin autoload is off."""
    if not pluginmanager.has_plugin("linkis"):
        pluginmanager.import_plugin("linkis", consider_entry_points=True)


def _options() -> SuiteOptions:
    found = suite_settings.current()
    assert found is not None, "the linkis plugin is active for the contract suite"
    return found


def pytest_configure(config: pytest.Config) -> None:
    # Settings, markers, preflight at session start, the report plugin: the plugin's session.
    activate(config)
    config.addinivalue_line("markers", "slow: runs jobs for several seconds")
    # The run's marker: every job carries it, cleanup kills only jobs that do. `check` makes
    # it before pytest starts (LINKIS_RUN_MARKER); a plain pytest run makes its own.
    config.stash[_TRACKER] = JobTracker(os.environ.get("LINKIS_RUN_MARKER") or None)
    options = _options()
    try:
        guard = RequestGuard(SafetyPolicy.from_env(os.environ))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_GUARD] = guard
    directory = options.workloads
    try:
        found = load_workloads(Path(directory) if directory else None)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_WORKLOADS] = select(found, options.profile)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `finished_name` with the profile's workloads that end by themselves."""
    if "finished_name" in metafunc.fixturenames:
        names = [
            w.name for w in metafunc.config.stash[_WORKLOADS] if not w.runs_until_killed
        ]
        metafunc.parametrize("finished_name", names, scope="session")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Kill every job the suite left running (also after Ctrl-C), then close the clients."""
    tracker = session.config.stash.get(_TRACKER, None)
    if tracker is None:
        return
    tracker.cleanup()
    tracker.close()
    swept = tracker.swept
    reporter = session.config.pluginmanager.get_plugin("linkis-report-plugin")
    if swept is not None and reporter is not None:
        reporter.cleanup_event(
            marker=tracker.marker,
            found=len(swept.marked),
            killed=len(swept.killed),
            left_running=swept.left_running,
            # a listing cut short cannot prove the jobs past the cut ended either
            unreadable=swept.unreadable or swept.incomplete,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    """Report the safety guard's refusals (--read-only, --max-jobs) as skips, not errors."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(
        call.excinfo.value, JobBudgetExhausted | ReadOnlyRefused
    ):
        report.outcome = "skipped"
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            "Skipped: " + call.excinfo.value.skip_reason,
        )


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> harness_config.Settings:
    """The target and credentials; skips everything when no target is given."""
    value = _options().settings
    if value is None:
        pytest.skip("no target: pass --linkis-target URL (or set LINKIS_TARGET)")
    return value


@pytest.fixture(scope="session")
def guard(pytestconfig: pytest.Config) -> RequestGuard:
    """The run's safety guard (rate limit, job budget, read-only), shared by every client."""
    return pytestconfig.stash[_GUARD]


@pytest.fixture(scope="session")
def tracker(pytestconfig: pytest.Config) -> JobTracker:
    """Every job submitted in this session (killed at the end if still running)."""
    return pytestconfig.stash[_TRACKER]


def _client(
    pytestconfig: pytest.Config,
    settings: harness_config.Settings,
    *,
    authenticate: bool,
) -> LinkisClient:
    client = LinkisClient(settings, guard=pytestconfig.stash[_GUARD])
    pytestconfig.stash[_TRACKER].clients.append(client)
    if authenticate:
        try:
            client.authenticate()
        except TargetError as exc:
            # The run cannot be made: stop here with one line (exit code 2, like the CLI).
            pytest.exit(str(exc), returncode=2)
    return client


@pytest.fixture(scope="session")
def client(
    pytestconfig: pytest.Config, settings: harness_config.Settings
) -> LinkisClient:
    """A client of the main user, logged in (or using the token)."""
    if settings.user is None and not settings.uses_token:
        pytest.skip(
            "no credentials: pass --linkis-user and LINKIS_PASSWORD, or LINKIS_TOKEN_CODE and --linkis-token-user"
        )
    return _client(pytestconfig, settings, authenticate=True)


@pytest.fixture(scope="session")
def anon_client(
    pytestconfig: pytest.Config, settings: harness_config.Settings
) -> LinkisClient:
    """A client with no cookie and no token."""
    bare = dataclasses.replace(
        settings, user=None, password=None, token_code=None, token_user=None
    )
    return _client(pytestconfig, bare, authenticate=False)


@pytest.fixture(scope="session")
def peer_client(
    pytestconfig: pytest.Config, settings: harness_config.Settings
) -> LinkisClient:
    """A client of the peer user (a second, non-admin account); skips without one."""
    if settings.peer_user is None:
        pytest.skip("no peer user: pass --linkis-peer-user and LINKIS_PEER_PASSWORD")
    if settings.peer_password is not None:
        peer = dataclasses.replace(
            settings,
            user=settings.peer_user,
            password=settings.peer_password,
            token_code=None,
            token_user=None,
        )
    elif settings.uses_token:
        # No peer password: act as the peer through the main token, if the token admits it.
        peer = dataclasses.replace(
            settings, user=None, password=None, token_user=settings.peer_user
        )
        client = _client(pytestconfig, peer, authenticate=False)
        try:
            client.authenticate()
        except LoginFailed:
            pytest.skip(
                f"the token does not admit peer user {settings.peer_user!r}: set LINKIS_PEER_PASSWORD"
            )
        except TargetError as exc:
            pytest.exit(str(exc), returncode=2)
        return client
    else:
        pytest.skip(
            "no peer password: set LINKIS_PEER_PASSWORD (or use a token that admits the peer)"
        )
    return _client(pytestconfig, peer, authenticate=True)


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> str:
    """smoke | standard | deep."""
    return _options().profile


@pytest.fixture(scope="session")
def workloads(pytestconfig: pytest.Config) -> list[Workload]:
    """The workloads of the profile (from --linkis-workloads DIR or the shipped ones)."""
    return pytestconfig.stash[_WORKLOADS]


@pytest.fixture(scope="session")
def spec_path(pytestconfig: pytest.Config) -> Path:
    """The OpenAPI spec the schema checks use."""
    given = _options().spec
    return Path(given) if given else data_dir("specs") / "linkis.openapi.yaml"


@pytest.fixture(scope="session")
def finished_jobs(
    client: LinkisClient, tracker: JobTracker, workloads: list[Workload]
) -> dict[str, FinishedJob]:
    """Each workload of the profile that ends by itself, submitted once and polled to its end."""
    try:
        return tracker.run_all(
            client, [w for w in workloads if not w.runs_until_killed]
        )
    except TargetError as exc:
        pytest.exit(str(exc), returncode=2)


@pytest.fixture(scope="session")
def finished(finished_jobs: dict[str, FinishedJob], finished_name: str) -> FinishedJob:
    """One finished workload's job (tests taking it run once per workload)."""
    return finished_jobs[finished_name]


@pytest.fixture(scope="session")
def slow_workload(workloads: list[Workload]) -> Workload:
    """The workload that runs until killed (expect.status Cancelled)."""
    found = next((w for w in workloads if w.runs_until_killed), None)
    if found is None:
        pytest.skip("no workload with expect.status Cancelled in this profile")
    return found


@pytest.fixture(scope="session")
def running_job(
    client: LinkisClient, tracker: JobTracker, slow_workload: Workload
) -> Iterator[RunningJob]:
    """A long job seen Running, polled densely for a while; killed when the session ends."""
    try:
        running = tracker.start(client, slow_workload)
    except TargetError as exc:
        pytest.exit(str(exc), returncode=2)
    yield running
    tracker.stop(running.job)
