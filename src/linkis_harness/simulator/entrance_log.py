"""`GET /entrance/{id}/log`: Linkis paging and level buckets (Linkis 1.4.0 LogReader.scala), O(page) per read.

`core.logs.page_range` and `core.logs.buckets` are the reference; the log fault modes
(`log-lose-lines`, `log-duplicate-lines`, `log-overshoot`, `log-wrong-bucket`, `log-flush-gap`)
each act once, in `_read`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from linkis_harness.core.logs import LogLevel, buckets, classify, page_range
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.gateway import SCOPE_SHORT_ID, SCOPE_TASK
from linkis_harness.simulator.javanum import INT_BITS, JavaNumberError, parse_java
from linkis_harness.simulator.responses import Responder

if TYPE_CHECKING:
    from linkis_harness.simulator.job import Job
from linkis_harness.simulator.jobs import JobStore

__all__ = ["LogReader"]

ENDED = (
    "The job you just executed has ended. This interface no longer provides a query. It is "
    "recommended that you download the log file for viewing.(您刚刚执行的job已经结束，本接口不再提供查询，"
    "建议您下载日志文件进行查看)"
)
# Issue #3742 (`log-flush-gap`; ledger: entrance.log.flush-nulls-ring), read at 1.4.0: the
# entrance keeps a job's newest log lines in a ring of `wds.linkis.entrance.log.cacheMax` = 500
# slots (EntranceConfiguration.scala:51) and writes them to the file when the ring overflows or
# every `wds.linkis.entrance.log.push.interval.time` = 300 s (EntranceConfiguration.scala:210);
# the flush nulls the slots but keeps their index window (LoopArray.fakeClear,
# CacheLogWriter.scala:44), so the lines in the ring at that flush are never served again by
# the entrance, to any reader, while fromLine advances over them. The log file keeps them.
CACHE_SLOTS = 500
PUSH_INTERVAL = 300.0


def _java_int(text: str | None) -> int | str | None:
    """`Integer.parseInt` of an optional parameter: None, the number, or the exception text."""
    if text is None:
        return None
    try:
        return parse_java(text, bits=INT_BITS)
    except JavaNumberError as exc:
        return exc.root_cause


class LogReader:
    """Answers log reads of jobs still in entrance memory."""

    def __init__(
        self,
        store: JobStore,
        faults: Faults,
        answer: Responder,
        *,
        params_first: bool = False,
    ) -> None:
        self.store = store
        self.faults = faults
        self.answer = answer
        self.params_first = params_first  # 1.5+: fromLine/size parsed before the lookup

    async def log(self, request: Request) -> Response:
        exec_id = request.path_params["id"]
        method = f"/api/entrance/{exec_id}/log"
        query = request.query_params
        from_line, size = _java_int(query.get("fromLine")), _java_int(query.get("size"))
        task = request.scope.get(SCOPE_TASK)
        if task is not None:  # 1.5+: by taskID, the execID generated for this entrance
            exec_id = task.exec_id
        if self.params_first:
            # 1.5+ parses them before the lookup: ledger: entrance.log.non-numeric-paging-unknown-job
            for value in (from_line, size):
                if isinstance(value, str):
                    return self.answer.crash(None, value)
        job = self.store.lookup(request.scope[SCOPE_SHORT_ID]).job
        if job is None:  # the parameters are parsed only for a job in memory
            return self.answer.fail(
                method,
                ENDED,
                {
                    "log": "",
                    "execID": exec_id,
                    "fromLine": from_line if isinstance(from_line, int) else 0,
                },
            )
        for value in (from_line, size):
            if isinstance(value, str):
                # Integer.parseInt outside any try: ledger: entrance.log.non-numeric-paging
                return self.answer.crash(None, value)
        distinct = query.get("distinctLevel") != "false"
        log, next_line = self._read(job, from_line, size, distinct=distinct)  # type: ignore[arg-type]
        return self.answer.ok(
            method, {"log": log, "execID": exec_id, "fromLine": next_line}
        )

    def _flushed(self, job: Job, now: float) -> range:
        """Return the lines the first flush of the job's ring nulled by `now` (`log-flush-gap`)."""
        script = job.log
        timed = job.submitted + PUSH_INTERVAL / self.store.speed
        flushes = []
        if (
            script.size(now) >= CACHE_SLOTS
        ):  # the ring overflowed: lines 1..499 were in it
            flushes.append(range(1, CACHE_SLOTS))
        if now >= timed and not job.is_terminal(
            timed
        ):  # the periodic flush while it ran
            written = script.size(timed)
            flushes.append(range(max(written - CACHE_SLOTS + 1, 0), written))
        return min(flushes, key=lambda gap: gap.stop, default=range(0))

    def _read(
        self, job: Job, from_line: int | None, size: int | None, *, distinct: bool
    ) -> tuple[Any, int]:
        now = self.store.now()
        script = job.log
        total = script.size(now)
        start, end = page_range(total, from_line, size)
        lines = script.lines(start, end, now)
        faults = self.faults
        if faults.log_flush_gap:
            gap = self._flushed(job, now)
            lines = ["" if start + i in gap else line for i, line in enumerate(lines)]
        shown = lines[:-1] if faults.log_lose_lines and lines else lines
        next_line = end
        if faults.log_duplicate_lines and end - start >= 2:
            next_line = end - 1
        requested = 100 if size is None else (10000 if size < 0 else size)
        if faults.log_overshoot and end - start < requested:
            next_line = start + requested
        if not distinct:
            return "\n".join(shown), next_line
        error, warn, info, every = buckets(shown)
        if faults.log_wrong_bucket:
            error = ""
            warn = "\n".join(
                x
                for x in every.split("\n")
                if classify(x) in (LogLevel.ERROR, LogLevel.WARN)
            )
        return [error, warn, info, every], next_line
