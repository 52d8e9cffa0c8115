"""`Client`: a logged-in Linkis client whose `run()` applies the suite's oracles on the way.

    job = client.run("select 1", engine="spark-2.4.3", run_type="sql")
    assert job.status == "Succeed" and job.rows == [["1"]]

`run` submits, follows status, progress and the log to the end and returns the finished `Job`.
Every answer goes through the same oracles as `check`: the envelope, masked crashes, the state
machine, progress, log continuity (a paged read of the finished log against a full read) and
the result sets. A broken rule raises `ContractViolation` with the message, the curl reproducer
and the response that `check` prints. `open_client` is the `linkis_client` fixture's body.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.client.polling import is_terminal
from linkis_harness.config import Settings
from linkis_harness.core.crash import masked_crash
from linkis_harness.core.jobstate import first_illegal_step
from linkis_harness.core.logcheck import check_buckets, check_pages
from linkis_harness.core.logs import LogPage
from linkis_harness.core.oracles import check_progress
from linkis_harness.core.violation import Violation
from linkis_harness.errors import HarnessError, TargetError
from linkis_harness.safety import RequestGuard
from linkis_harness.suite import settings as suite_settings
from linkis_harness.suite.lifecycle import retries_logged, violation, with_evidence
from linkis_harness.suite.protocol import assert_envelope

__all__ = ["Client", "Job", "LinkisJobKilled", "SubmitRefused", "open_client"]

_PAGE = 200  # lines per page of the audited log read
_FULL = 5000
_MAX_PAGES = 500
_RESULT_PAGE = 1000


class SubmitRefused(HarnessError):
    """The target refused the submit with an error envelope (bad labels, queue full, ...)."""


class LinkisJobKilled(UserWarning):
    """A test ended with a job still running: `linkis_client` killed it at teardown."""


@dataclass(frozen=True, slots=True)
class Job:
    """A finished job: its final status, ids, full log, result rows and what was observed."""

    status: str
    exec_id: str
    task_id: Any
    log: str
    rows: list[list[Any]]
    states: list[str] = field(default_factory=list)
    progress: list[Any] = field(default_factory=list)
    history: Mapping[str, Any] = field(default_factory=dict)

    @property
    def log_lines(self) -> list[str]:
        return self.log.split("\n") if self.log else []


class Client(LinkisClient):
    """A `LinkisClient` with `run()`: submit, follow to the end, check every answer."""

    def __init__(
        self,
        settings: Settings,
        *,
        guard: RequestGuard | None = None,
        poll_interval: float = 0.2,
    ) -> None:
        super().__init__(settings, guard=guard)
        self.poll_interval = poll_interval
        self.running: dict[str, Any] = {}  # execID -> taskID of jobs not seen terminal

    def run(
        self,
        code: str,
        *,
        engine: str = "shell-1",
        run_type: str | None = None,
        labels: Mapping[str, str] | None = None,
        creator: str = "IDE",
        within: float = 300.0,
    ) -> Job:
        """Submit `code`, follow it to its end, apply the oracles, return the finished job.

        `engine` is the engineType label, `type-version` (`shell-1`, `spark-3.2.1`), `run_type`
        the executionContent runType (default: the engine's type), `labels` extra labels.
        Raises `ContractViolation` on a broken rule, `SubmitRefused` when the target refuses
        the job (an error envelope), `TargetError` when the target is gone,
        `TimeoutError` when the job is not terminal within `within` seconds (it is killed).
        """
        answer = self.submit(self._body(code, engine, run_type, labels, creator))
        self._check_answer(
            answer, "POST /entrance/submit", "/api/entrance/submit", None
        )
        exec_id = answer.data.get("execID") if answer.ok else None
        task_id = answer.data.get("taskID") if answer.ok else None
        if not answer.ok:
            raise SubmitRefused(
                f"submit refused (status {answer.status}): {answer.message}\n{answer.evidence()}"
            )
        if not isinstance(exec_id, str) or not exec_id:
            raise violation(
                "envelope",
                "submit did not return an execID",
                "",
                answer,
                operation="submit",
            )
        states, progress = self._follow(exec_id, task_id, within)
        self.running.pop(exec_id, None)
        log = self._audited_log(exec_id)
        history = self._history(exec_id, task_id)
        rows = self._rows(exec_id, history) if states[-1] == "Succeed" else []
        return Job(
            status=states[-1],
            exec_id=exec_id,
            task_id=task_id,
            log=log,
            rows=rows,
            states=states,
            progress=progress,
            history=history,
        )

    def submit(self, body: Mapping[str, Any]) -> Answer:
        """Submit a job body as it is (see `run`); the job is tracked until it is seen ending."""
        answer = super().submit(body)
        exec_id = answer.data.get("execID") if answer.ok else None
        if isinstance(exec_id, str) and exec_id:
            self.running[exec_id] = answer.data.get("taskID")
        return answer

    def kill_running(self) -> list[str]:
        """Kill every job this client submitted and did not see end; return their execIDs."""
        killed = []
        for exec_id, task_id in list(self.running.items()):
            self.running.pop(exec_id, None)
            try:
                status = self.status(exec_id, task_id)
                if is_terminal(status.data.get("status") if status.ok else None):
                    continue
                self.kill(exec_id, task_id)
            except HarnessError:
                continue
            killed.append(exec_id)
        return killed

    # -- the lifecycle ------------------------------------------------------------------------

    def _body(
        self,
        code: str,
        engine: str,
        run_type: str | None,
        labels: Mapping[str, str] | None,
        creator: str,
    ) -> dict[str, Any]:
        all_labels = {"engineType": engine, "userCreator": f"{self.user}-{creator}"}
        all_labels.update(labels or {})
        return {
            "executionContent": {
                "code": code,
                "runType": run_type or engine.split("-", 1)[0],
            },
            "params": {"variable": {}, "configuration": {}},
            "labels": all_labels,
        }

    def _check_answer(
        self, answer: Answer, operation: str, method: str | None, exec_id: str | None
    ) -> None:
        """Crash and envelope oracles for one answer (as the crash and envelope families)."""
        if answer.http_status >= 500:
            raise violation(
                "crash",
                f"server error on a valid request (HTTP {answer.http_status})",
                "",
                answer,
                operation=operation,
                exec_id=exec_id,
            )
        if answer.envelope is not None:
            reason = masked_crash(answer.envelope)
            if reason is not None:
                raise violation(
                    "crash",
                    "a valid request crashed the server (masked as status 1)",
                    reason,
                    answer,
                    operation=operation,
                    exec_id=exec_id,
                )
        assert_envelope(
            answer,
            operation=operation,
            expected_method=method if answer.status == 0 else None,
            exec_id=exec_id,
        )

    def _follow(
        self, exec_id: str, task_id: Any, within: float
    ) -> tuple[list[str], list[Any]]:
        deadline = time.monotonic() + within
        states: list[str] = []
        readings: list[tuple[str, Any, Answer]] = []
        answers: list[Answer] = []
        while True:
            status = self.status(exec_id, task_id)
            self._check_answer(
                status,
                "GET /entrance/{id}/status",
                f"/api/entrance/{exec_id}/status",
                exec_id,
            )
            state = status.data.get("status") if status.ok else None
            if isinstance(state, str):
                states.append(state)
                answers.append(status)
                self._check_states(states, answers, exec_id, task_id)
            if not is_terminal(state):
                progress = self.progress(exec_id)
                self._check_answer(
                    progress,
                    "GET /entrance/{id}/progress",
                    f"/api/entrance/{exec_id}/progress",
                    exec_id,
                )
                if progress.ok and isinstance(state, str):
                    readings.append((state, progress.data.get("progress"), progress))
            if is_terminal(state):
                break
            if time.monotonic() > deadline:
                self.kill(exec_id, task_id)
                self.running.pop(exec_id, None)
                raise TimeoutError(
                    f"job {exec_id} not terminal within {within:g}s (last state {state}); killed it"
                )
            time.sleep(self.poll_interval)
        self._check_progress(readings, exec_id, task_id)
        return states, [value for _, value, _ in readings]

    def _check_states(
        self, states: list[str], answers: list[Answer], exec_id: str, task_id: Any
    ) -> None:
        found = first_illegal_step(states)
        if found is None:
            return
        # A short WaitForRetry falls between two polls; the log's retry line shows it happened.
        retries = retries_logged(self, exec_id, task_id)
        explained: list[str] = states[:1]
        left = retries
        for state in states[1:]:
            old = explained[-1]
            if (
                left > 0
                and first_illegal_step([old, state]) is not None
                and first_illegal_step([old, "WaitForRetry", state]) is None
            ):
                explained.append("WaitForRetry")
                left -= 1
            explained.append(state)
        if first_illegal_step(explained) is None:
            return
        raise with_evidence(
            found,
            answers[-2] if len(answers) >= 2 else None,
            answers[-1],
            operation="status",
            exec_id=exec_id,
        )

    def _check_progress(
        self, readings: Sequence[tuple[str, Any, Answer]], exec_id: str, task_id: Any
    ) -> None:
        if not readings:
            return
        found = check_progress(
            [value for _, value, _ in readings],
            final_state=None,
            states=[state for state, _, _ in readings],
        )
        if any(p.title == "progress decreased" for p in found):
            retries = retries_logged(self, exec_id, task_id)
            if retries:  # a retry resets progress to 0
                found = [p for p in found if p.title != "progress decreased"]
        for problem in found:
            raise with_evidence(
                problem, readings[-1][2], operation="progress", exec_id=exec_id
            )

    def _audited_log(self, exec_id: str) -> str:
        """Page through the finished log following fromLine; prove it against a full read."""
        pages: list[LogPage] = []
        answers: list[Answer] = []
        from_line = 0
        for _ in range(_MAX_PAGES):
            answer = self.log(exec_id, from_line, _PAGE)
            self._check_answer(
                answer,
                "GET /entrance/{id}/log",
                f"/api/entrance/{exec_id}/log",
                exec_id,
            )
            log, nxt = answer.data.get("log"), answer.data.get("fromLine")
            if not (
                isinstance(log, list)
                and len(log) == 4
                and all(isinstance(p, str) for p in log)
                and isinstance(nxt, int)
            ):
                raise violation(
                    "log",
                    "log page unreadable",
                    f"fromLine {from_line}, size {_PAGE}: expected data.log = 4 strings "
                    "and an integer data.fromLine",
                    answer,
                    operation="log",
                    exec_id=exec_id,
                )
            pages.append(
                LogPage(from_line, _PAGE, nxt, (log[0], log[1], log[2], log[3]))
            )
            answers.append(answer)
            for problem in check_buckets((log[0], log[1], log[2], log[3])):
                raise with_evidence(problem, answer, operation="log", exec_id=exec_id)
            if nxt == from_line or not log[3]:
                break
            from_line = nxt
        full, full_answer = self._full_log(exec_id)
        plan = ", ".join(
            f"({p.from_line}, {p.size})->{p.next_from_line}" for p in pages
        )
        for problem in check_pages(full, pages, finished=True):
            raise with_evidence(
                Violation(
                    problem.check,
                    problem.title,
                    f"{problem.detail}\npages (fromLine, size)->fromLine: {plan}",
                ),
                answers[-1],
                full_answer,
                operation="log",
                exec_id=exec_id,
            )
        return "\n".join(full)

    def _full_log(self, exec_id: str) -> tuple[list[str], Answer | None]:
        lines: list[str] = []
        first: Answer | None = None
        start = 0
        for _ in range(_MAX_PAGES):
            answer = self.log(exec_id, start, _FULL, distinct_level=False)
            first = first or answer
            text, nxt = answer.data.get("log"), answer.data.get("fromLine")
            if not (isinstance(text, str) and isinstance(nxt, int)) or nxt <= start:
                break
            lines += text.split("\n")
            if nxt - start < _FULL:
                break
            start = nxt
        return lines, first

    def _history(self, exec_id: str, task_id: Any) -> dict[str, Any]:
        if task_id is None:
            return {}
        answer = self.job_history(task_id)
        self._check_answer(
            answer,
            "GET /jobhistory/{id}/get",
            f"/api/jobhistory/{task_id}/get",
            exec_id,
        )
        task = answer.data.get("task") if answer.ok else None
        return task if isinstance(task, dict) else {}

    def _rows(self, exec_id: str, history: Mapping[str, Any]) -> list[list[Any]]:
        location = history.get("resultLocation")
        if not isinstance(location, str) or not location:
            return []
        trees = self.dir_file_trees(location)
        self._check_answer(
            trees,
            "GET /filesystem/getDirFileTrees",
            "/api/filesystem/getDirFileTrees",
            exec_id,
        )
        root = trees.data.get("dirFileTrees") if trees.ok else None
        children = root.get("children") if isinstance(root, dict) else None
        rows: list[list[Any]] = []
        for child in sorted(
            (c for c in children or [] if isinstance(c, dict) and c.get("isLeaf")),
            key=lambda c: str(c.get("name", "")),
        ):
            path = child.get("path")
            if not isinstance(path, str):
                continue
            answer = self.open_file(path, page=1, page_size=_RESULT_PAGE)
            self._check_answer(
                answer, "GET /filesystem/openFile", "/api/filesystem/openFile", exec_id
            )
            content = answer.data.get("fileContent") if answer.ok else None
            if isinstance(content, list):
                rows += [r if isinstance(r, list) else [r] for r in content]
        return rows


# -- the fixture's body ----------------------------------------------------------------------


@contextmanager
def open_client(request: pytest.FixtureRequest) -> Iterator[Client]:
    """Log in to `--linkis-target` (or LINKIS_TARGET), else to a `linkis_simulator`.

    An unreachable target or a refused login fails the setup with one line. At teardown, jobs
    the test left running are killed, with a `LinkisJobKilled` warning naming them.
    """
    options = suite_settings.current()
    settings = options.settings if options is not None else None
    if settings is None:
        simulator = request.getfixturevalue("linkis_simulator")
        base = options.connection if options is not None else Settings()
        settings = replace(
            base, target=simulator.url, user="alice", password=simulator.users["alice"]
        )
    elif settings.user is None and not settings.uses_token:
        pytest.fail(
            "linkis_client: no credentials for the target: pass --linkis-user and "
            "LINKIS_PASSWORD, or LINKIS_TOKEN_CODE and --linkis-token-user",
            pytrace=False,
        )
    client = Client(settings)
    try:
        client.authenticate()
    except TargetError as exc:
        client.close()
        pytest.fail(f"linkis_client: {exc}", pytrace=False)
    try:
        yield client
    finally:
        killed = client.kill_running()
        client.close()
        if killed:
            warnings.warn(
                LinkisJobKilled(
                    f"{request.node.nodeid} left {len(killed)} job(s) running; "
                    f"linkis_client killed them: {', '.join(killed)}"
                ),
                stacklevel=1,
            )
