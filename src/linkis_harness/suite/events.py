"""The report plugin of a `check` run: events as JSON lines, the request log, accepted quirks.

- `--linkis-events FILE` appends one JSON object per finished test (family, outcome, the
  violation's check/title/detail, the request that showed it as a curl reproducer and the
  response), flushed as it happens so the runner can show progress;
- `--linkis-requests FILE` appends one JSON line per HTTP exchange (test, method, URL, answer,
  execID) for the HTML report's links;
- `--linkis-quirks FILE` (repeatable) turns failures that match an accepted deviation into
  "accepted" (reported by pytest as xfail).

Secrets are replaced by placeholders in everything this plugin writes (`suite.secrets`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from linkis_harness.suite.findings import (
    evidence_in,
    family_of,
    family_of_report,
    finding,
    skip_reason,
)
from linkis_harness.suite.quirks import Quirk
from linkis_harness.suite.recorder import Exchange, Recorder, body_of
from linkis_harness.suite.secrets import scrub

__all__ = ["ReportPlugin"]

_ENTRANCE_VERBS = frozenset({"submit", "execute", "operation", "backgroundservice"})


class ReportPlugin:
    """Writes the run's events and request log, scrubs reports, applies accepted quirks."""

    def __init__(self, events: str | None, quirks: list[Quirk]) -> None:
        self.events_path = Path(events) if events else None
        self.quirks = quirks
        self.recorder = Recorder()
        self.marks: dict[str, int] = {}
        self.setup_seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests_path: Path | None = None
        self._logged = (
            0  # recorder counter of the last exchange written to requests_path
        )
        self._task_exec: dict[str, str] = {}  # taskID -> execID, from submit answers
        self.config: pytest.Config | None = None

    @pytest.hookimpl
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.recorder.install()
        self._write({"event": "start"})

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.recorder.uninstall()
        self._write({"event": "finish", "exitstatus": int(exitstatus)})

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        counts: dict[str, int] = {}
        for item in session.items:
            fam = family_of(item)
            counts[fam] = counts.get(fam, 0) + 1
        self._write(
            {"event": "collected", "total": len(session.items), "families": counts}
        )

    @pytest.hookimpl
    def pytest_runtest_logstart(
        self, nodeid: str, location: tuple[str, int | None, str]
    ) -> None:
        self.marks[nodeid] = self.recorder.counter

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        report.user_properties.append(("linkis_family", family_of(item)))
        if report.failed and report.longrepr is not None:
            # JUnit and pytest's own output show this text: no password, token or ticket in it.
            report.longrepr = scrub(str(report.longrepr))
        report.sections = [(title, scrub(text)) for title, text in report.sections]
        if report.failed and call.excinfo is not None and self.quirks:
            found = finding(call.excinfo.value, family_of(item))
            text = f"{found['title']}\n{found['detail']}\n{found['message']}"
            for quirk in self.quirks:
                if quirk.matches(found["check"], found["operation"], text):
                    report.outcome = "skipped"
                    report.wasxfail = f"accepted quirk ({quirk.source}): {quirk.reason}"
                    break
        if report.failed and call.excinfo is not None:
            report.user_properties.append(
                ("linkis_finding", finding(call.excinfo.value, family_of(item)))
            )
        return report

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # The call's outcome, or a setup that skipped/failed, or a teardown that failed.
        if report.when == "setup" and report.passed:
            self.setup_seconds[report.nodeid] = report.duration
        elif report.when == "teardown" and report.passed and report.duration >= 0.01:
            # Module/session fixtures end here (jobs killed, cassettes written): time spent.
            family = family_of_report(report)
            self._write(
                {
                    "event": "teardown",
                    "family": family,
                    "duration": round(report.duration, 3),
                }
            )
        if report.when == "call" or not report.passed:
            self._emit(report)
        self._log_requests(report.nodeid)

    def _log_requests(self, nodeid: str) -> None:
        """Write the exchanges made since the last call, each once, for the HTML report's links."""
        if self.requests_path is None:
            return
        fresh = self.recorder.numbered_since(self._logged)
        if not fresh:
            return
        self._logged = fresh[-1][0]
        lines = [
            json.dumps(
                self._request_line(n, e, nodeid), ensure_ascii=False, default=str
            )
            for n, e in fresh
        ]
        with self._lock, self.requests_path.open("a", encoding="utf-8") as fh:
            fh.write(scrub("\n".join(lines)) + "\n")

    def _request_line(
        self, seq: int, exchange: Exchange, nodeid: str
    ) -> dict[str, Any]:
        url = httpx.URL(exchange.url)
        parts = [unquote(p) for p in url.path.split("/") if p]
        exec_id: str | None = None
        task_id: str | None = None
        if "entrance" in parts:
            after = parts[parts.index("entrance") + 1 :]
            if len(after) >= 2 and after[0] not in _ENTRANCE_VERBS:
                exec_id = after[0]
        if "jobhistory" in parts:
            after = parts[parts.index("jobhistory") + 1 :]
            if len(after) == 2 and after[1] == "get":
                task_id = after[0]
        status: int | None = None
        raw = body_of(exchange.response)
        if isinstance(raw, bytes) and raw[:1] == b"{":
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if isinstance(body, dict):
                status = (
                    body.get("status") if isinstance(body.get("status"), int) else None
                )
                data: dict[str, Any] = (
                    body["data"] if isinstance(body.get("data"), dict) else {}
                )
                if exec_id is None and isinstance(data.get("execID"), str):
                    exec_id = data["execID"]
                if data.get("taskID") is not None:
                    task_id = task_id or str(data["taskID"])
                    if exec_id:
                        self._task_exec[str(data["taskID"])] = exec_id
        if exec_id is None and task_id is not None:
            exec_id = self._task_exec.get(task_id)
        return {
            "seq": seq,
            "nodeid": nodeid,
            "method": exchange.method,
            "url": exchange.url,
            "http_status": exchange.response.status_code,
            "status": status,
            "exec_id": exec_id,
            "task_id": task_id,
        }

    def _emit(self, report: pytest.TestReport) -> None:
        outcome: str = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "accepted" if "accepted quirk" in report.wasxfail else "xfailed"
        elif report.failed and report.when != "call":
            outcome = "error"
        family = family_of_report(report)
        setup = (
            self.setup_seconds.pop(report.nodeid, 0.0) if report.when == "call" else 0.0
        )
        event: dict[str, Any] = {
            "event": "result",
            "nodeid": report.nodeid,
            "family": family,
            "outcome": outcome,
            "when": report.when,
            "duration": round(setup + report.duration, 3),
        }
        finding = next(
            (v for k, v in report.user_properties if k == "linkis_finding"), None
        )
        assert finding is None or isinstance(finding, dict)
        if finding is not None:
            event["violation"] = {
                k: finding[k]
                for k in ("check", "title", "detail", "operation", "exec_id")
            }
            event["message"] = finding["message"]
            event["reproducer"] = finding.get("reproducer") or self._reproducer(
                report.nodeid, finding
            )
        if outcome in ("skipped", "accepted", "xfailed"):
            event["reason"] = skip_reason(report)
        warning = next(
            (v for k, v in report.user_properties if k == "security_warning"), None
        )
        if warning:
            event["warning"] = scrub(str(warning))
            self._junit_warning(report.nodeid, event["warning"])
        self._write(event)

    def cleanup_event(self, **fields: Any) -> None:
        """Report the session's cleanup (the run's jobs found by marker, killed, left)."""
        self._write({"event": "cleanup", **fields})

    def _junit_warning(self, nodeid: str, text: str) -> None:
        """Put a security warning into the JUnit file as a suite property (valid in xunit2)."""
        from _pytest.junitxml import xml_key

        xml = self.config.stash.get(xml_key, None) if self.config is not None else None
        if xml is not None:
            xml.add_global_property("security_warning", f"{nodeid}: {text}")

    def _reproducer(
        self, nodeid: str, finding: dict[str, Any]
    ) -> dict[str, str] | None:
        stated = evidence_in(str(finding.get("detail", "")))
        if stated is not None:
            return stated
        own = self.recorder.since(self.marks.get(nodeid, 0))
        pool = own or self.recorder.all()
        chosen: Exchange | None = None
        exec_id = finding.get("exec_id")
        if exec_id:
            chosen = next(
                (
                    e
                    for e in reversed(self.recorder.all())
                    if exec_id in httpx.URL(e.url).path or exec_id in e.url
                ),
                None,
            )
        if chosen is None and pool:
            chosen = pool[-1]
        if chosen is None:
            return None
        return {"curl": chosen.curl(), "response": chosen.response_text()}

    def write(self, event: dict[str, Any]) -> None:
        """Append one event (the session plugin reports the preflight's outcome here)."""
        self._write(event)

    def _write(self, event: dict[str, Any]) -> None:
        if self.events_path is None:
            return
        line = json.dumps(event, ensure_ascii=False, default=str)
        with self._lock, self.events_path.open("a", encoding="utf-8") as fh:
            fh.write(scrub(line) + "\n")
