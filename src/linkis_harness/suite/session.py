"""The suite's session plugin: registered when a session uses linkis-harness (`activate`).

It builds the session's options once (`suite.settings`), registers the family markers and the
report plugin (`suite.events`), and at session start proves the target before anything else
reaches it: the login of the main user and of the peer (the preflight), then the Linkis version
(`--linkis-version`, else detected). A target that cannot be reached, or a refused login, ends
the session with one line and exit code 2; `check` reads the outcome from the events file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from linkis_harness.client import LinkisClient
from linkis_harness.client import versions as version_probe
from linkis_harness.config import Settings
from linkis_harness.core.families import FAMILIES
from linkis_harness.core.options import OPTIONS
from linkis_harness.errors import ConfigError, HarnessError
from linkis_harness.suite import settings as suite_settings
from linkis_harness.suite.events import ReportPlugin
from linkis_harness.suite.quirks import Quirk, load_quirks

__all__ = ["NAME", "SuiteSession", "activate", "preflight", "register"]

NAME = "linkis-session"


def preflight(settings: Settings) -> str | None:
    """Prove the target answers and accepts the credentials (and the peer's) before any test.

    Return the session cookie's name the login set (None with a token): it tells the version.
    """
    with LinkisClient(settings) as client:
        client.authenticate()
        cookie = client.ticket_cookie
    if settings.peer_user is not None and settings.peer_password is not None:
        peer = replace(
            settings,
            user=settings.peer_user,
            password=settings.peer_password,
            token_code=None,
            token_user=None,
        )
        with LinkisClient(peer) as client:
            client.login()
    return cookie


class SuiteSession:
    """Holds the session's options; proves the target at session start."""

    def __init__(
        self, options: suite_settings.SuiteOptions, report: ReportPlugin
    ) -> None:
        self.options = options
        self.report = report
        self.version: version_probe.TargetVersion | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        settings = self.options.settings
        forced = self.options.linkis_version
        if forced:
            os.environ["LINKIS_VERSION"] = forced
        if settings is None or not (
            settings.uses_token or (settings.user and settings.password)
        ):
            return  # no target (tests skip) or no credentials (the client fixture skips)
        try:
            cookie = preflight(settings)
            found = version_probe.resolve_version(
                settings, forced, ticket_cookie=cookie
            )
        except HarnessError as exc:
            self.report.write({"event": "abort", "error": str(exc)})
            pytest.exit(f"error: {exc}", returncode=2)
        self.version = found
        # The families read the version from here (the suite's modules and check alike).
        os.environ["LINKIS_VERSION"] = str(found.version)
        self.report.write(
            {
                "event": "target",
                "version": str(found.version),
                "describe": found.describe(),
            }
        )
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and not self.report.events_path:
            reporter.write_line(f"linkis: {found.describe()}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Give each schemathesis operation item its own node id.

        pytest 9.2 builds a Function's node id from `originalname`, which schemathesis 4.32 sets
        to the bare test name, so every operation of `@schema.parametrize()` shares one id
        (JUnit and the results would merge them). The item's `name` carries `[METHOD /path]`.
        """
        for item in items:
            if getattr(item, "operation_label", None) is None or item.parent is None:
                continue
            if item.nodeid.endswith(f"::{item.name}"):
                continue
            try:
                item._id = item.parent.id.child(item.name)
            except AttributeError:
                continue

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        suite_settings.set_current(None)


def _flags(config: pytest.Config) -> dict[str, object]:
    return {o.name: config.getoption(o.pytest_flag, default=None) for o in OPTIONS}


def activate(config: pytest.Config) -> None:
    """Register the session machinery once for this session (the contract suite's conftest)."""
    if not config.pluginmanager.has_plugin(NAME):
        register(config)


def register(config: pytest.Config) -> SuiteSession:
    """Build the options (a wrong value is a usage error naming it) and register the plugins."""
    try:
        options = suite_settings.build(_flags(config), os.environ)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    suite_settings.set_current(options)
    for family, text in FAMILIES.items():
        config.addinivalue_line("markers", f"{family}: {text}")
    quirks: list[Quirk] = []
    for name in options.quirks:
        quirks.extend(load_quirks(Path(name)))
    report = ReportPlugin(config.getoption("--linkis-events", default=None), quirks)
    requests = config.getoption("--linkis-requests", default=None)
    report.requests_path = Path(requests) if requests else None
    report.config = config
    config.pluginmanager.register(report, "linkis-report-plugin")
    suite = SuiteSession(options, report)
    config.pluginmanager.register(suite, NAME)
    return suite
