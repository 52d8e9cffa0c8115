"""One job's life as a real client lives it, with light contract checks on every answer.

submit -> poll status (and progress) at the client's interval -> follow the log with the
returned fromLine -> maybe kill it -> on the end: drain the log, compare it with a full read,
and on Succeed read job history and the result set. A contract violation fails the request that
showed it, with its reason; the lifecycle metrics are fired as their own Locust entries.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from linkis_harness.core.envelope import check_envelope
from linkis_harness.core.jobstate import TERMINAL, first_illegal_step
from linkis_harness.core.logs import LogPage, check_pages, split_log
from linkis_harness.core.sla import OPERATIONS
from linkis_harness.core.violation import Violation
from linkis_harness.core.workload import Workload

API = "/api/rest_j/v1"
_TERMINAL = frozenset(str(s) for s in TERMINAL)
_FULL_READ = 10_000  # size=-1 reads up to 10000 lines per page (§4)
Check = Callable[[dict[str, Any]], Violation | None]


class Http:
    """Send one Linkis request through Locust's client and report it exactly once."""

    def __init__(
        self, client: Any, fire: Callable[..., Any], headers: dict[str, str], guard: Any
    ) -> None:
        self.client = client
        self.fire = fire
        self.headers = headers
        self.guard = guard

    def call(
        self,
        method: str,
        path: str,
        op: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expected_method: str | None = None,
        check: Check | None = None,
        allow_error: bool = False,
        exec_id: str | None = None,
    ) -> dict[str, Any] | None:
        """Return the envelope (status 0, or any status with `allow_error`) or None on failure."""
        if self.guard is not None:
            self.guard.admit(method, API + path)
        url = API + path + ("?" + urlencode(params) if params else "")
        name = OPERATIONS[op]
        with self.client.request(
            method, url, name=name, json=body, headers=self.headers, catch_response=True
        ) as resp:
            if not resp.status_code:
                resp.failure(resp.error or "no answer")
                return None
            content = resp.content or b""
            envelope = _plain_success(resp, content, expected_method)
            if envelope is None:
                found = check_envelope(
                    http_status=resp.status_code,
                    content_type=resp.headers.get("Content-Type"),
                    body=content,
                    expected_method=expected_method,
                )
                if found:
                    resp.failure(found[0].to_exception(operation=name, exec_id=exec_id))
                    return None
                envelope = json.loads(content)
            if envelope.get("status") != 0 and not allow_error:
                text = str(envelope.get("message", ""))[:200]
                resp.failure(f"status {envelope.get('status')}: {text}")
                return None
            violation = check(envelope) if check is not None else None
            if violation is not None:
                resp.failure(violation.to_exception(operation=name, exec_id=exec_id))
                return None
            resp.success()
            return envelope

    def metric(
        self, name: str, value: float, failure: BaseException | None = None
    ) -> None:
        """Fire a lifecycle metric as its own entry (request_type JOB)."""
        self.fire(
            request_type="JOB",
            name=name,
            response_time=value,
            response_length=0,
            exception=failure,
            context={},
        )


_ENVELOPE_KEYS = frozenset({"method", "status", "message", "data"})


def _plain_success(
    resp: Any, content: bytes, expected_method: str | None
) -> dict[str, Any] | None:
    """Parse once and return the envelope when it is a textbook success, else None.

    A textbook success (HTTP 200, JSON, exactly the four keys, status 0, message a string,
    data an object, method the expected one) is one `check_envelope` has nothing to say about;
    everything else goes through `check_envelope` for its exact findings. This keeps the
    generator's cost per request close to a bare GET loop.
    """
    if resp.status_code != 200 or "json" not in (
        resp.headers.get("Content-Type") or ""
    ):
        return None
    try:
        value = json.loads(content)
    except ValueError:
        return None
    if (
        isinstance(value, dict)
        and value.keys() == _ENVELOPE_KEYS
        and value["status"] == 0
        and type(value["status"]) is int
        and isinstance(value["message"], str)
        and isinstance(value["data"], dict)
        and (expected_method is None or value["method"] == expected_method)
    ):
        return value
    return None


@dataclass
class Job:
    """What the client has seen of one job so far."""

    workload: Workload
    exec_id: str
    task_id: int
    submitted: float
    states: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)
    pages: list[LogPage] = field(default_factory=list)
    next_line: int = 0
    lines: int = 0
    first_line_at: float | None = None
    last_line_at: float | None = None
    running_at: float | None = None
    kill_planned: bool = False
    unseen_retries: int = 0
    kill_accepted: bool = False

    @property
    def state(self) -> str | None:
        return self.states[-1] if self.states else None

    @property
    def finished(self) -> bool:
        return self.state in _TERMINAL

    def expected(self) -> tuple[str, ...]:
        return ("Cancelled",) if self.kill_accepted else self.workload.expect_status


def check_submit(envelope: dict[str, Any]) -> Violation | None:
    data = envelope.get("data") or {}
    if not isinstance(data.get("execID"), str) or not data["execID"]:
        return Violation(
            "execid", "submit answer has no execID", f"data {data!r}"[:300]
        )
    task_id = data.get("taskID")
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        return Violation("execid", "taskID is not a JSON number", f"taskID {task_id!r}")
    return None


class Lifecycle:
    """Drive jobs for one Locust user."""

    def __init__(
        self,
        http: Http,
        *,
        user: str,
        poll_interval: float,
        kill_fraction: float,
        rng: random.Random,
        sleep: Callable[[float], None],
    ) -> None:
        self.http = http
        self.user = user
        self.poll_interval = poll_interval
        self.kill_fraction = kill_fraction
        self.rng = rng
        self.sleep = sleep

    def submit(self, workload: Workload) -> Job | None:
        started = time.time()
        envelope = self.http.call(
            "POST",
            "/entrance/submit",
            "submit",
            body=workload.submit_body(user=self.user),
            expected_method="/api/entrance/submit",
            check=check_submit,
        )
        if envelope is None:
            return None
        data = envelope["data"]
        job = Job(workload, data["execID"], data["taskID"], started)
        job.kill_planned = (
            workload.runs_until_killed or self.rng.random() < self.kill_fraction
        )
        return job

    # -- polling ---------------------------------------------------------------------------------
    def follow(self, job: Job) -> None:
        """Poll the job to its end (or its deadline), then run the end-of-job checks."""
        deadline = job.submitted + job.workload.within
        while not job.finished:
            self.poll_once(job)
            if job.finished:
                break
            if time.time() > deadline:
                self.http.metric(
                    f"job_total {job.workload.name} overdue",
                    (time.time() - job.submitted) * 1000,
                    Violation(
                        "states",
                        "job did not finish in time",
                        f"still {job.state} after {job.workload.within:g}s (expect.within)",
                    ).to_exception(exec_id=job.exec_id),
                )
                self.kill(job)
                return
            self.sleep(self.poll_interval)
        self.on_terminal(job)

    def poll_once(self, job: Job) -> bool:
        """One client tick: status, progress, one log page, and a planned kill. False on failure."""
        op_path = f"/entrance/{job.exec_id}"
        envelope = self.http.call(
            "GET",
            f"{op_path}/status",
            "status",
            params={"taskID": job.task_id},
            expected_method=f"/api/entrance/{job.exec_id}/status",
            check=lambda env: self._observe_state(job, env),
            exec_id=job.exec_id,
        )
        if envelope is None:
            return False
        now = time.time()
        if job.state == "Running" and job.running_at is None:
            job.running_at = now
            self.http.metric(
                f"job_running {job.workload.name}", (now - job.submitted) * 1000
            )
        if job.finished:
            return True
        if (
            self.poll_interval < 1.0
        ):  # the Java client reads progress each tick; linkis-cli does not
            self.http.call(
                "GET",
                f"{op_path}/progress",
                "progress",
                expected_method=f"/api/entrance/{job.exec_id}/progress",
                check=lambda env: self._observe_progress(job, env),
                exec_id=job.exec_id,
            )
        self.read_log(job, size=100)
        if job.kill_planned and not job.kill_accepted and job.state == "Running":
            self.kill(job)
        return True

    def _observe_state(self, job: Job, envelope: dict[str, Any]) -> Violation | None:
        state = (envelope.get("data") or {}).get("status")
        previous = job.state
        job.states.append(str(state))
        if previous is None:
            return first_illegal_step([str(state)])
        found = first_illegal_step([previous, str(state)])
        if (
            found is not None
            and first_illegal_step([previous, "WaitForRetry", str(state)]) is None
        ):
            # Polling every 0.5-2 s can miss a short WaitForRetry (Running -> WaitForRetry ->
            # Scheduled): a step that one unseen retry explains is not a finding under load.
            job.unseen_retries += 1
            return None
        return found

    def _observe_progress(self, job: Job, envelope: dict[str, Any]) -> Violation | None:
        value = (envelope.get("data") or {}).get("progress")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Violation(
                "progress", "progress is not a number", f"progress {value!r}"
            )
        if not 0.0 <= value <= 1.0:
            return Violation(
                "progress", "progress out of range", f"progress {value} outside 0..1"
            )
        retried = "WaitForRetry" in job.states
        if job.progress and value < job.progress[-1] and not retried:
            return Violation(
                "progress",
                "progress went down",
                f"{job.progress[-1]} then {value} while {job.state}",
            )
        job.progress.append(float(value))
        return None

    # -- log -----------------------------------------------------------------------------------------
    def read_log(self, job: Job, *, size: int) -> int | None:
        """Read one page from the returned fromLine; return the lines consumed (None: failed)."""
        start = job.next_line
        envelope = self.http.call(
            "GET",
            f"/entrance/{job.exec_id}/log",
            "log",
            params={"fromLine": start, "size": size},
            expected_method=f"/api/entrance/{job.exec_id}/log",
            check=lambda env: self._observe_page(job, start, size, env),
            exec_id=job.exec_id,
        )
        if envelope is None:
            return None
        return job.next_line - start

    def _observe_page(
        self, job: Job, start: int, size: int, envelope: dict[str, Any]
    ) -> Violation | None:
        data = envelope.get("data") or {}
        log, next_line = data.get("log"), data.get("fromLine")
        if isinstance(next_line, bool) or not isinstance(next_line, int):
            return Violation(
                "log", "fromLine is not a number", f"fromLine {next_line!r}"
            )
        if not (
            isinstance(log, list)
            and len(log) == 4
            and all(isinstance(x, str) for x in log)
        ):
            return Violation(
                "log", "log is not [error, warn, info, all]", f"log {str(log)[:200]!r}"
            )
        if next_line < start:
            return Violation(
                "log", "fromLine went backwards", f"asked {start}, got back {next_line}"
            )
        if next_line > start + size:
            return Violation(
                "log",
                "fromLine advanced past the page size",
                f"asked {start}+{size}, got back {next_line}",
            )
        job.pages.append(
            LogPage(start, size, next_line, (log[0], log[1], log[2], log[3]))
        )
        job.next_line = next_line
        shown = log[3].count("\n") + 1 if log[3] else 0
        if shown:
            now = time.time()
            job.lines += shown
            job.first_line_at = job.first_line_at or now
            job.last_line_at = now
        return None

    def full_log(self, job: Job) -> list[str] | None:
        """Read the whole log with distinctLevel=false (every consumed line, blanks included)."""
        lines: list[str] = []
        start = 0
        for _ in range(20):
            envelope = self.http.call(
                "GET",
                f"/entrance/{job.exec_id}/log",
                "log",
                params={"fromLine": start, "size": -1, "distinctLevel": "false"},
                expected_method=f"/api/entrance/{job.exec_id}/log",
                exec_id=job.exec_id,
            )
            if envelope is None:
                return None
            data = envelope.get("data") or {}
            text, next_line = data.get("log"), data.get("fromLine")
            if (
                not isinstance(text, str)
                or not isinstance(next_line, int)
                or next_line <= start
                or not text
            ):
                return lines
            lines.extend(split_log(text))
            consumed, start = next_line - start, next_line
            if consumed < _FULL_READ:
                return lines
        return lines

    # -- kill and the end --------------------------------------------------------------------------
    def kill(self, job: Job) -> bool:
        """Kill the job (GET, with taskID); True when the entrance accepted it."""
        envelope = self.http.call(
            "GET",
            f"/entrance/{job.exec_id}/kill",
            "kill",
            params={"taskID": job.task_id},
            expected_method=f"/api/entrance/{job.exec_id}/kill",
            allow_error=True,  # a job that ended meanwhile answers status 1 (#4733)
            exec_id=job.exec_id,
        )
        job.kill_accepted = job.kill_accepted or bool(
            envelope and envelope.get("status") == 0
        )
        return job.kill_accepted

    def on_terminal(self, job: Job) -> None:
        """Fire submit->terminal, drain and compare the log, check history and results."""
        name = job.workload.name
        elapsed = (time.time() - job.submitted) * 1000
        failure = None
        if job.state not in job.expected():
            failure = Violation(
                "states",
                "unexpected terminal state",
                f"{name} ended {job.state}, expected {'/'.join(job.expected())}"
                + (" (kill was accepted)" if job.kill_accepted else ""),
            ).to_exception(exec_id=job.exec_id)
        self.http.metric(f"job_total {name} {job.state}", elapsed, failure)
        self.drain_log(job)
        if job.lines and job.first_line_at and job.last_line_at:
            span = max(job.last_line_at - job.submitted, 0.001)
            self.http.metric(f"log_rate {name}", job.lines / span)
        if job.state == "Succeed":
            self.read_results(job)

    def drain_log(self, job: Job) -> None:
        for _ in range(
            50
        ):  # bounded: a cursor that runs on past the data must not loop
            before = job.lines
            consumed = self.read_log(job, size=1000)
            if not consumed or job.lines == before:
                break
        full = self.full_log(job)
        if full is None:
            return
        # Most pages were read while the job ran, so their lengths are checked against the
        # final log only for loss, duplication and invention (finished=False).
        found = check_pages(full, job.pages, finished=False)
        if found:
            self.http.metric(
                f"log_check {job.workload.name}",
                0.0,
                found[0].to_exception(operation=OPERATIONS["log"], exec_id=job.exec_id),
            )

    def read_results(self, job: Job) -> None:
        history = self.http.call(
            "GET",
            f"/jobhistory/{job.task_id}/get",
            "history",
            expected_method=f"/api/jobhistory/{job.task_id}/get",
            check=lambda env: _check_history(job, env),
            exec_id=job.exec_id,
        )
        if history is None or job.workload.rows is None:
            return
        location = ((history.get("data") or {}).get("task") or {}).get("resultLocation")
        trees = self.http.call(
            "GET",
            "/filesystem/getDirFileTrees",
            "results",
            params={"path": location},
            expected_method="/api/filesystem/getDirFileTrees",
            check=lambda env: _check_tree(job, env),
            exec_id=job.exec_id,
        )
        if trees is None or not job.workload.rows:
            return
        first = sorted(
            c["path"]
            for c in trees["data"]["dirFileTrees"]["children"]
            if c["name"].endswith(".dolphin")
        )[0]
        self.http.call(
            "GET",
            "/filesystem/openFile",
            "open_file",
            params={"path": first, "page": 1, "pageSize": 5000},
            expected_method="/api/filesystem/openFile",
            check=lambda env: _check_rows(job, env),
            exec_id=job.exec_id,
        )


def _check_history(job: Job, envelope: dict[str, Any]) -> Violation | None:
    task = (envelope.get("data") or {}).get("task") or {}
    status = task.get("status")
    if status != job.state:
        return Violation(
            "states",
            "job history disagrees with the entrance",
            f"entrance said {job.state}, job history says {status!r}",
        )
    return None


def _check_tree(job: Job, envelope: dict[str, Any]) -> Violation | None:
    tree = (envelope.get("data") or {}).get("dirFileTrees") or {}
    children = [
        c
        for c in tree.get("children") or []
        if str(c.get("name", "")).endswith(".dolphin")
    ]
    if job.workload.rows and not children:
        return Violation(
            "results",
            "succeeded job has no result set",
            f"no _N.dolphin under {tree.get('path')!r}",
        )
    return None


def _check_rows(job: Job, envelope: dict[str, Any]) -> Violation | None:
    content = (envelope.get("data") or {}).get("fileContent")
    if not isinstance(content, list) or len(content) != job.workload.rows:
        got = len(content) if isinstance(content, list) else content
        return Violation(
            "results",
            "result set has the wrong number of rows",
            f"expected {job.workload.rows}, got {got}",
        )
    return None
