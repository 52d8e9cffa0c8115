"""pytest plugin for `linkis-harness check`: results as JSON lines, evidence, accepted quirks.

Loaded with `-p linkis_harness.suite.plugin` (the `check` runner passes it). Plain
`pytest contract_tests` works without it; with it:

- `--linkis-events FILE` appends one JSON object per finished test (family, outcome, the
  violation's check/title/detail, the request that showed it as a curl reproducer and the
  response), flushed as it happens so the runner can show progress;
- every HTTP exchange made through httpx (the harness client) is kept in a small ring, so a
  failure can name the request behind it without the tests' cooperation;
- `--linkis-quirks FILE` (repeatable) turns failures that match an accepted deviation
  (check + operation + pattern) into "accepted" (reported by pytest as xfail), like
  schemathesis `--baseline`.

Secrets (LINKIS_PASSWORD, LINKIS_TOKEN_CODE, LINKIS_PEER_PASSWORD, session cookies) are replaced by
placeholders in everything this plugin writes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import yaml

from linkis_harness.core.families import FAMILIES
from linkis_harness.core.rulecases import fingerprint
from linkis_harness.core.rules import parse_rules
from linkis_harness.errors import HarnessError

_SECRET_VARS = ("LINKIS_PASSWORD", "LINKIS_TOKEN_CODE", "LINKIS_PEER_PASSWORD")
_SECRET_HEADERS = {"cookie": "<session cookie>", "token-code": "$LINKIS_TOKEN_CODE"}
_MAX_BODY = 2000
_RING = 400
_GATE_TIMEOUT = 300.0


# -- secrets ---------------------------------------------------------------------------------


_RULE_FILES = (
    ("--linkis-token-rules", "LINKIS_TOKEN_RULES"),
    ("--linkis-proxy-rules", "LINKIS_PROXY_RULES"),
)
_rule_keys: list[str] | None = None


def _rule_tokens() -> list[str]:
    """Token names of the rule files given to the suite: secrets too (a refusal echoes them)."""
    global _rule_keys
    if _rule_keys is None:
        keys: list[str] = []
        for option, variable in _RULE_FILES:
            name = (
                CONFIG.getoption(option, default=None) if CONFIG is not None else None
            )
            name = name or os.environ.get(variable)
            if not name:
                continue
            try:
                rules = parse_rules(
                    Path(name).read_text(encoding="utf-8"), source=str(name)
                )
            except (OSError, HarnessError):
                continue
            keys += [rule.key for rule in rules.rules if len(rule.key) >= 3]
        _rule_keys = keys
    return _rule_keys


def _secrets() -> list[tuple[str, str]]:
    pairs = [(os.environ[v], f"${v}") for v in _SECRET_VARS if os.environ.get(v)]
    pairs += [(key, fingerprint(key)) for key in _rule_tokens()]
    # Longest first, so a password that contains another one is replaced whole.
    return sorted(pairs, key=lambda p: -len(p[0]))


def scrub(text: str) -> str:
    """Replace every known secret value in `text` by its environment-variable placeholder."""
    for value, placeholder in _secrets():
        text = text.replace(value, placeholder)
    return re.sub(
        r"(linkis_user_session_ticket_id_v1|bdp-user-ticket-id)=[^;\s'\"]+",
        r"\1=<session>",
        text,
    )


# -- evidence: the HTTP exchanges of the run -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    response: httpx.Response

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            low = name.lower()
            if low in ("host", "content-length", "accept-encoding", "connection"):
                continue
            if low == "user-agent" or low == "accept":
                continue
            shown = _SECRET_HEADERS.get(low, value)
            parts += ["-H", f"{name}: {shown}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body.decode("utf-8", "replace")]
        parts.append(self.url)
        return scrub(" ".join(shlex.quote(p) for p in parts))

    def response_text(self) -> str:
        # The client may stream the body itself: never read it here, show it only if it was read.
        content_type = self.response.headers.get("content-type", "")
        raw = _body(self.response)
        if isinstance(raw, bytes):
            body = raw[:_MAX_BODY].decode("utf-8", "replace")
            body += " …" if len(raw) > _MAX_BODY else ""
        else:
            body = "(body not kept)"
        status = self.response.status_code
        return scrub(f"HTTP {status} ({content_type or 'no content type'})\n{body}")


_KEEP = 256 * 1024  # bytes of a streamed answer kept for the report


class _Tee(httpx.SyncByteStream):
    """A response stream that keeps (the start of) what the client reads from it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.kept = bytearray()
        self.truncated = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            room = _KEEP - len(self.kept)
            self.kept += chunk[:room]
            self.truncated = self.truncated or len(chunk) > room
            yield chunk

    def close(self) -> None:
        self.inner.close()


def _body(response: httpx.Response) -> bytes | None:
    """The answer's body as the client read it (None: not read, or compressed on the wire)."""
    raw = getattr(response, "_content", None)
    if isinstance(raw, bytes):
        return raw
    stream = response.stream
    if isinstance(stream, _Tee) and stream.kept:
        if response.headers.get("content-encoding", "identity") not in ("", "identity"):
            return None
        return bytes(stream.kept)
    return None


class _Recorder:
    """Keeps the last exchanges made through httpx (thread-safe, bounded)."""

    def __init__(self) -> None:
        self.exchanges: deque[tuple[int, Exchange]] = deque(maxlen=_RING)
        self.counter = 0
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        original = httpx.Client.send
        recorder = self

        def send(
            client: httpx.Client, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            response = original(client, request, **kwargs)
            if kwargs.get("stream"):
                # The client reads the raw stream itself: keep a copy of what passes by.
                response.stream = _Tee(response.stream)
            recorder.add(
                Exchange(
                    method=request.method,
                    url=str(request.url),
                    request_headers=tuple(request.headers.items()),
                    request_body=request.content if _has_content(request) else b"",
                    response=response,
                )
            )
            return response

        self._original = original
        httpx.Client.send = send  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        if self._original is not None:
            httpx.Client.send = self._original  # type: ignore[method-assign]
            self._original = None

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self.counter += 1
            self.exchanges.append((self.counter, exchange))

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return [e for n, e in self.exchanges if n > mark]

    def all(self) -> list[Exchange]:
        with self._lock:
            return [e for _, e in self.exchanges]


def _has_content(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises for streaming bodies
    except httpx.RequestNotRead:
        return False
    return True


# -- quirks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quirk:
    """An accepted deviation: failures of `check` on `operation` whose text matches `pattern`."""

    check: str
    operation: str
    pattern: re.Pattern[str]
    reason: str
    source: str

    def matches(self, check: str, operation: str, text: str) -> bool:
        if self.check not in ("*", check):
            return False
        if self.operation != "*" and not fnmatch.fnmatchcase(operation, self.operation):
            return False
        return self.pattern.search(text) is not None


def load_quirks(path: Path) -> list[Quirk]:
    """Read a quirks file; raise `pytest.UsageError` naming the file and entry when it is wrong."""
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise pytest.UsageError(
            f"--linkis-quirks: cannot read {where}: {exc.strerror}"
        ) from None
    except yaml.YAMLError as exc:
        raise pytest.UsageError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return []
    entries = data.get("quirks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise pytest.UsageError(f"{where}: expected a mapping with a 'quirks' list")
    quirks = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise pytest.UsageError(f"{where}: quirk #{number}: expected a mapping")
        missing = [k for k in ("check", "reason") if not entry.get(k)]
        if missing:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: missing {', '.join(missing)}"
            )
        check = str(entry["check"])
        if check != "*" and check not in FAMILIES:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: unknown check {check!r}; expected one of {', '.join(FAMILIES)} or '*'"
            )
        try:
            pattern = re.compile(str(entry.get("pattern", "")))
        except re.error as exc:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: bad pattern {entry.get('pattern')!r}: {exc}"
            ) from None
        quirks.append(
            Quirk(
                check=check,
                operation=str(entry.get("operation", "*")),
                pattern=pattern,
                reason=str(entry["reason"]),
                source=f"{path.name}#{number}",
            )
        )
    return quirks


# -- the plugin ------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linkis-report", "linkis-harness check reporting")
    group.addoption(
        "--linkis-events",
        metavar="FILE",
        help="Append one JSON line per finished test to FILE.",
    )
    group.addoption(
        "--linkis-quirks",
        metavar="FILE",
        action="append",
        default=[],
        help="Accepted deviations (YAML, repeatable): matching failures are reported as accepted.",
    )
    group.addoption(
        "--linkis-cassette",
        metavar="FILE",
        help="Write the schemathesis cassette (VCR YAML) of the schema family here.",
    )
    group.addoption(
        "--linkis-gate",
        metavar="FILE",
        help="Wait before the first test until FILE says 'go' ('abort': end without testing).",
    )
    group.addoption(
        "--linkis-requests",
        metavar="FILE",
        help="Append one JSON line per HTTP exchange (test, method, URL, answer, execID) to FILE.",
    )
    group.addoption(
        "--linkis-seed",
        type=int,
        metavar="N",
        help="Seed for schemathesis and hypothesis (reproducible runs).",
    )


# The running session's config, for modules that need options at import time (test_schema).
CONFIG: pytest.Config | None = None


def wait_for_gate() -> None:
    """Block until the runner has proven the target (`--linkis-gate` says 'go').

    Nothing may reach the target before that: the tests wait here, and so does any request
    made while collecting (schemathesis logs in when it builds the explicit examples).
    """
    name = CONFIG.getoption("--linkis-gate", default=None) if CONFIG else None
    if not name:
        return
    gate = Path(name)
    deadline = time.monotonic() + _GATE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            word = gate.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            word = ""
        if word == "go":
            # What the runner learnt while proving the target (e.g. LINKIS_VERSION).
            env = gate.with_suffix(".env")
            if env.is_file():
                values = json.loads(env.read_text(encoding="utf-8"))
                os.environ.update({str(k): str(v) for k, v in values.items()})
            return
        if word == "abort":
            pytest.exit("the run was called off before any test", returncode=2)
        time.sleep(0.05)
    pytest.exit("the runner never opened the gate", returncode=2)


def pytest_configure(config: pytest.Config) -> None:
    global CONFIG
    CONFIG = config
    quirks: list[Quirk] = []
    for name in config.getoption("--linkis-quirks"):
        quirks.extend(load_quirks(Path(name)))
    plugin = _ReportPlugin(config.getoption("--linkis-events"), quirks)
    plugin.requests_path = (
        Path(config.getoption("--linkis-requests"))
        if config.getoption("--linkis-requests")
        else None
    )
    config.pluginmanager.register(plugin, "linkis-report-plugin")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis operation item its own node id.

    pytest 9.2 builds a Function's node id from `originalname`, which schemathesis 4.32 sets to
    the bare test name, so every operation of `@schema.parametrize()` shares one id (JUnit and
    the results would merge them). The item's `name` still carries `[METHOD /path]`.
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


def family_of(item: pytest.Item) -> str:
    """The check family of a test: its family marker, else its module name."""
    for family in FAMILIES:
        if item.get_closest_marker(family) is not None:
            return family
    name = Path(str(item.fspath)).stem
    return name.removeprefix("test_") if name.startswith("test_") else name


class _ReportPlugin:
    def __init__(self, events: str | None, quirks: list[Quirk]) -> None:
        self.events_path = Path(events) if events else None
        self.quirks = quirks
        self.recorder = _Recorder()
        self.marks: dict[str, int] = {}
        self.setup_seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests_path: Path | None = None
        self._logged = (
            0  # recorder counter of the last exchange written to requests_path
        )
        self._task_exec: dict[str, str] = {}  # taskID -> execID, from submit answers

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

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """Hold the first test until the runner has proven the target (see `--linkis-gate`)."""
        wait_for_gate()

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
            finding = _finding(call.excinfo.value, family_of(item))
            text = f"{finding['title']}\n{finding['detail']}\n{finding['message']}"
            for quirk in self.quirks:
                if quirk.matches(finding["check"], finding["operation"], text):
                    report.outcome = "skipped"
                    report.wasxfail = f"accepted quirk ({quirk.source}): {quirk.reason}"
                    break
        if report.failed and call.excinfo is not None:
            report.user_properties.append(
                ("linkis_finding", _finding(call.excinfo.value, family_of(item)))
            )
        return report

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # The call's outcome, or a setup that skipped/failed, or a teardown that failed.
        if report.when == "setup" and report.passed:
            self.setup_seconds[report.nodeid] = report.duration
        elif report.when == "teardown" and report.passed and report.duration >= 0.01:
            # Module/session fixtures end here (jobs killed, cassettes written): time spent.
            family = _family_of_report(report)
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
        with self.recorder._lock:
            fresh = [(n, e) for n, e in self.recorder.exchanges if n > self._logged]
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
        raw = _body(exchange.response)
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
        family = _family_of_report(report)
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
            event["reason"] = _skip_reason(report)
        warning = next(
            (v for k, v in report.user_properties if k == "security_warning"), None
        )
        if warning:
            event["warning"] = scrub(str(warning))
            _junit_warning(report.nodeid, event["warning"])
        self._write(event)

    def cleanup_event(self, **fields: Any) -> None:
        """Report the session's cleanup (the run's jobs found by marker, killed, left)."""
        self._write({"event": "cleanup", **fields})

    def _reproducer(
        self, nodeid: str, finding: dict[str, Any]
    ) -> dict[str, str] | None:
        stated = _evidence_in(str(finding.get("detail", "")))
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

    def _write(self, event: dict[str, Any]) -> None:
        if self.events_path is None:
            return
        line = json.dumps(event, ensure_ascii=False, default=str)
        with self._lock, self.events_path.open("a", encoding="utf-8") as fh:
            fh.write(scrub(line) + "\n")


def _junit_warning(nodeid: str, text: str) -> None:
    """Put a security warning into the JUnit file as a suite property (valid in xunit2)."""
    from _pytest.junitxml import xml_key

    xml = CONFIG.stash.get(xml_key, None) if CONFIG is not None else None
    if xml is not None:
        xml.add_global_property("security_warning", f"{nodeid}: {text}")


_ENTRANCE_VERBS = frozenset({"submit", "execute", "operation", "backgroundservice"})

_EVIDENCE = re.compile(
    r"^request:\s+(curl .+?)\nresponse:\s+(.*?)(?=\nrequest:|\Z)",
    re.MULTILINE | re.DOTALL,
)


def _evidence_in(detail: str) -> dict[str, str] | None:
    """The last request/response pair a violation's detail states (the client's `evidence()`)."""
    pairs = _EVIDENCE.findall(detail)
    if not pairs:
        return None
    curl, response = pairs[-1]
    return {"curl": curl.strip(), "response": response.strip()[: _MAX_BODY + 100]}


def _family_of_report(report: pytest.TestReport) -> str:
    family = next((v for k, v in report.user_properties if k == "linkis_family"), None)
    return (
        str(family) if family else _family_from_nodeid(report.nodeid, report.keywords)
    )


def _family_from_nodeid(nodeid: str, keywords: Any) -> str:
    for family in FAMILIES:
        if family in keywords:
            return family
    stem = Path(nodeid.split("::", 1)[0]).stem
    return stem.removeprefix("test_")


def _skip_reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def _finding(exc: BaseException, family: str) -> dict[str, Any]:
    """What a failure says: from a ContractViolation, a schemathesis failure or any assertion."""
    check = getattr(exc, "check", None)
    if isinstance(check, str) and hasattr(exc, "title"):
        return {
            "check": check,
            "title": str(getattr(exc, "title", "")),
            "detail": scrub(str(getattr(exc, "detail", ""))),
            "operation": str(getattr(exc, "operation", "") or ""),
            "exec_id": getattr(exc, "exec_id", None),
            "message": scrub(str(exc))[:4000],
        }
    text = scrub(str(exc))
    inner = list(getattr(exc, "exceptions", ()) or ())
    title = getattr(exc, "title", None) or (
        getattr(inner[0], "title", None) if inner else None
    )
    operation = getattr(exc, "operation", None) or ""
    finding: dict[str, Any] = {
        "check": family,
        "title": str(title or text.splitlines()[0] if text else type(exc).__name__)[
            :300
        ],
        "detail": text[:4000],
        "operation": str(operation),
        "exec_id": None,
        "message": text[:4000],
    }
    curl = re.search(r"^\s*(curl .+)$", text, re.MULTILINE)
    if curl:
        # schemathesis states the answer as "[500] Internal Server Error:" then the body in backticks.
        answer = re.search(
            r"^\[(\d{3})\] ([^\n]*):\n\n\s+`(.*?)`\s*$", text, re.MULTILINE | re.DOTALL
        )
        response = (
            f"HTTP {answer.group(1)} {answer.group(2)}\n{answer.group(3)}"
            if answer
            else ""
        )
        finding["reproducer"] = {
            "curl": curl.group(1).strip(),
            "response": response[:_MAX_BODY],
        }
    return finding
