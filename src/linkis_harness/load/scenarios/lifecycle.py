"""One job's life as a real client lives it, with light contract checks on every answer.

submit -> poll status (and progress) at the client's interval -> follow the log with the
returned fromLine -> maybe kill it -> on the end: drain the log, compare it with a full read,
and on Succeed read job history and the result set. A contract violation fails the request that
showed it, with its reason; the lifecycle metrics are fired as their own Locust entries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from linkis_harness.core.jobstate import count_retries
from linkis_harness.core.logcheck import check_numbered, check_pages, numbered_counts
from linkis_harness.core.logs import split_log
from linkis_harness.core.runmarker import mark_body
from linkis_harness.core.sla import OPERATIONS
from linkis_harness.core.violation import Violation
from linkis_harness.core.workload import Workload
from linkis_harness.load.scenarios.job import (
    Job,
    check_history,
    check_page_rows,
    check_rows,
    check_submit,
    check_tree,
    history_agrees,
    read_failure,
    result_paths,
)
from linkis_harness.load.scenarios.wire import Http

_FULL_READ = 10_000  # size=-1 reads up to 10000 lines per page (Linkis 1.4.0 EntranceRestfulApi.java)
_PAGE = 100  # lines per log read while the job runs (the entrance's default size)
_CACHE_MAX = (
    500  # 1.4.0 EntranceConfiguration.scala:51 wds.linkis.entrance.log.cacheMax
)
# Job history may lag the entrance a little: the contract suite's grace (test_states.py).
HISTORY_GRACE = 2.0
HISTORY_RETRY = 0.25
_PAGE_SIZE = 5000  # linkis-cli's result page size (RESULTSET_PAGE_SIZE)
_MAX_PAGES = 50


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
        on_running: Callable[[Job], None] | None = None,
        marker: str = "",
    ) -> None:
        self.http = http
        self.marker = marker  # the run's marker, carried by every job it submits
        self.user = user
        self.poll_interval = poll_interval
        self.kill_fraction = kill_fraction
        self.rng = rng
        self.sleep = sleep
        self.on_running = on_running  # the journal's backlog view: a job left the queue

    def submit(self, workload: Workload) -> Job | None:
        started = time.time()
        envelope = self.http.call(
            "POST",
            "/entrance/submit",
            "submit",
            body=mark_body(workload.submit_body(user=self.user), self.marker)
            if self.marker
            else workload.submit_body(user=self.user),
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
            check=job.observe_state,
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
            if self.on_running is not None:
                self.on_running(job)
        if job.finished:
            return True
        # The Java client reads progress each tick; linkis-cli does not.
        if self.poll_interval < 1.0:
            self.http.call(
                "GET",
                f"{op_path}/progress",
                "progress",
                expected_method=f"/api/entrance/{job.exec_id}/progress",
                check=job.observe_progress,
                exec_id=job.exec_id,
            )
        consumed = self.read_log(job, size=_PAGE)
        if consumed is not None and consumed < _PAGE and not job.running_compared:
            self.compare_while_running(job)
        if job.kill_planned and not job.kill_accepted and job.state == "Running":
            self.kill(job)
        return True

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
            check=lambda env: job.observe_page(start, size, env),
            allow_error=True,  # the documented read failures (status 1) are not findings
            exec_id=job.exec_id,
        )
        if envelope is None:
            return None
        return job.next_line - start

    def compare_while_running(self, job: Job) -> None:
        """Once the client caught up with a running job, compare its pages with a full read.

        Both come from the entrance's in-memory cache only while the log is shorter than the
        cache (`wds.linkis.entrance.log.cacheMax`, 500; 1.4.0 EntranceConfiguration.scala:51):
        a longer log is partly served from the file (CacheLogReader.scala:54), whose line
        numbers differ (a blank line at each flush, LogWriter.scala:42), so the reads would
        not be taken under the same conditions. Done once per job.
        """
        job.running_compared = True
        full = self.full_log(job)
        if full is None or len(full) >= _CACHE_MAX:
            return
        self.report_log(job, check_pages(full, job.pages, finished=False))
        self.report_log(job, job.numbered_in_pages())

    def report_log(self, job: Job, found: list[Violation]) -> None:
        if found:
            self.http.metric(
                f"log_check {job.workload.name}",
                0.0,
                found[0].to_exception(operation=OPERATIONS["log"], exec_id=job.exec_id),
            )

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
                allow_error=True,  # the documented read failures (status 1) are not findings
                exec_id=job.exec_id,
            )
            if envelope is None or envelope.get("status") not in (0, None):
                if envelope is not None and not read_failure(envelope, start):
                    self.http.metric(
                        f"log_check {job.workload.name}",
                        0.0,
                        Violation(
                            "log",
                            "log read refused",
                            f"full read from {start}: status {envelope.get('status')}: "
                            f"{str(envelope.get('message'))[:200]}",
                        ).to_exception(
                            operation=OPERATIONS["log"], exec_id=job.exec_id
                        ),
                    )
                return None
            if start == 0 and job.next_line > 0 and read_failure(envelope, start):
                return None  # a documented read failure, not an empty log: nothing to compare
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
        """Fire submit->terminal, drain and compare the log, judge suspect steps, check results."""
        name = job.workload.name
        job.ended_at = time.time()
        elapsed = (job.ended_at - job.submitted) * 1000
        failure = None
        if job.state not in job.expected():
            failure = Violation(
                "states",
                "unexpected terminal state",
                f"{name} ended {job.state}, expected {'/'.join(job.expected())}"
                + (" (kill was accepted)" if job.kill_accepted else ""),
            ).to_exception(exec_id=job.exec_id)
        self.http.metric(f"job_total {name} {job.state}", elapsed, failure)
        full = self.drain_log(job)
        if job.lines and job.first_line_at and job.last_line_at:
            span = max(job.last_line_at - job.submitted, 0.001)
            self.http.metric(f"log_rate {name}", job.lines / span)
        self.judge_suspects(job, full)
        if job.state == "Succeed":
            self.read_results(job)

    def judge_suspects(self, job: Job, full: list[str] | None) -> None:
        """Backward steps and progress drops stand unless the job's log proves as many retries."""
        retries = max(job.retries_seen, count_retries("\n".join(full or ())))
        for op, found in (
            ("status", job.unexplained_steps(retries)),
            ("progress", job.unexplained_drops(retries)),
        ):
            if found is not None:
                self.http.metric(
                    f"{found.check}_check {job.workload.name}",
                    0.0,
                    found.to_exception(operation=OPERATIONS[op], exec_id=job.exec_id),
                )

    def drain_log(self, job: Job) -> list[str] | None:
        """Drain the log after the end and compare those pages with a full read after the end.

        The same conditions: pages read while the job ran are not compared with this read.
        Real 1.4 serves a finished log from the file, which gained a blank line at each flush
        (1.4.0 LogWriter.scala:42, HDFSCacheLogWriter.scala:113) and lost its blank lines at
        the end (CacheLogWriter.scala:67), so line numbers taken while it ran may point
        elsewhere now. The numbered lines are checked too; the full read is returned.
        """
        first = len(job.pages)
        for _ in range(
            50
        ):  # bounded: a cursor that runs on past the data must not loop
            before = job.lines
            consumed = self.read_log(job, size=1000)
            if not consumed or job.lines == before:
                break
        full = self.full_log(job)
        if full is None:
            return None
        self.report_log(job, check_pages(full, job.pages[first:], finished=True))
        self.report_log(job, job.numbered_in_pages())
        if job.workload.numbered is not None:
            text, count = job.workload.numbered
            self.report_log(
                job,
                check_numbered(
                    numbered_counts(full, text),
                    text,
                    count,
                    where="the full read after the end (distinctLevel=false)",
                    # A killed job (or one that ended otherwise) printed only some of them.
                    at_most_once=job.kill_accepted
                    or job.state not in job.workload.expect_status,
                ),
            )
        return full

    def read_history(self, job: Job) -> dict[str, Any] | None:
        """Job history of the finished job; it may lag the entrance for `HISTORY_GRACE` seconds."""
        ended = job.ended_at or time.time()
        for _ in range(int(HISTORY_GRACE / HISTORY_RETRY) + 2):  # bounded
            late = time.time() - ended > HISTORY_GRACE
            history = self.http.call(
                "GET",
                f"/jobhistory/{job.task_id}/get",
                "history",
                expected_method=f"/api/jobhistory/{job.task_id}/get",
                check=lambda env, late=late: check_history(job, env, late=late),  # type: ignore[misc]
                exec_id=job.exec_id,
            )
            if history is None or history_agrees(job, history):
                return history
            self.sleep(HISTORY_RETRY)
        return None

    def read_results(self, job: Job) -> None:
        history = self.read_history(job)
        if history is None or job.workload.rows is None:
            return
        location = ((history.get("data") or {}).get("task") or {}).get("resultLocation")
        trees = self.http.call(
            "GET",
            "/filesystem/getDirFileTrees",
            "results",
            params={"path": location},
            expected_method="/api/filesystem/getDirFileTrees",
            check=lambda env: check_tree(job, env),
            exec_id=job.exec_id,
        )
        if trees is None or not job.workload.rows:
            return
        rows: list[Any] = []
        for path in result_paths(trees):  # every result set, in _N order
            page = 1
            for _ in range(_MAX_PAGES):  # bounded: page until an empty page
                answer = self.http.call(
                    "GET",
                    "/filesystem/openFile",
                    "open_file",
                    params={"path": path, "page": page, "pageSize": _PAGE_SIZE},
                    expected_method="/api/filesystem/openFile",
                    check=check_page_rows,
                    exec_id=job.exec_id,
                )
                if answer is None:
                    return
                content = answer["data"]["fileContent"]
                if not content:
                    break
                rows += content
                page += 1
        found = check_rows(job, rows)
        if found is not None:
            self.http.metric(
                f"results_check {job.workload.name}",
                0.0,
                found.to_exception(
                    operation=OPERATIONS["open_file"], exec_id=job.exec_id
                ),
            )
