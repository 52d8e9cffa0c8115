"""The entrance service: execute/submit, status, progress, log, kill, killJobs, pause (Linkis 1.4.0 EntranceRestfulApi.java).

The gateway has already authenticated the caller (`scope["linkis.user"]`) and routed the execID
(`scope["linkis.short_id"]`); from 1.5 a numeric id is a taskID the gateway looked up
(`scope["linkis.task"]`, `taskroute`). `method` is `/api/entrance/<id>/<op>` with the id as
sent. The state and progress fault modes act here, once each.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from linkis_harness.core.directive import parse_directive
from linkis_harness.core.gatewaylint import is_admin_token
from linkis_harness.core.jobstate import JobState
from linkis_harness.core.versions import VersionTraits, traits
from linkis_harness.simulator.auth import ADMIN
from linkis_harness.simulator.bodies import read_json_object
from linkis_harness.simulator.entrance_log import LogReader
from linkis_harness.simulator.entrance_task import answer_by_task
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.gateway import (
    SCOPE_SHORT_ID,
    SCOPE_TASK,
    SCOPE_TOKEN_CODE,
    SCOPE_USER,
)
from linkis_harness.simulator.javanum import java_long
from linkis_harness.simulator.job import Job
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.killjobs import FORCED, KILLED, kill_jobs
from linkis_harness.simulator.responses import Responder, spring_error
from linkis_harness.simulator.routing import RouteError, parse_exec_id
from linkis_harness.simulator.submit import Refusal, parse_task, stored_code
from linkis_harness.simulator.views import exec_id_of, task_id_of

__all__ = ["EntranceApi"]

_TERMINAL = frozenset(s.value for s in JobState if s.is_terminal)
NO_PROGRESS = (
    "The job corresponding to the ID is empty, and the corresponding task progress cannot be "
    "obtained.(ID 对应的任务为空，不能获取对应的任务进度)"
)
# 1.5+ (EntranceRestfulApi 1.5.0 status/kill): a job not in memory without ?taskID=.
STATUS_LOOKUP_FAILED = (
    "Get job by ID error and cannot obtain the corresponding task status."
    "(获取job时发生异常，不能获取相应的任务状态)"
)
KILL_LOOKUP_FAILED = "Get job by ID error, kill failed.(获取job时发生异常，kill失败)"


# Timed faults (`state-regression`, `progress-decrease`, `terminal-flip`) act at a seeded random
# moment up to this many simulated seconds after the job starts running (or ends).
FAULT_HORIZON = 2.0


class EntranceApi:
    """Handlers of `/api/rest_j/v1/entrance/*`."""

    def __init__(
        self, store: JobStore, faults: Faults, *, version: VersionTraits | None = None
    ) -> None:
        self.store = store
        self.faults = faults
        self.version = version if version is not None else traits("1.4")
        self.answer = Responder("entrance", faults)
        self.logs = LogReader(
            store,
            faults,
            self.answer,
            params_first=self.version.evicted_plain_errors,
        )

    def routes(self) -> list[Route]:
        base = "/api/rest_j/v1/entrance"
        # The polled per-job reads first: Starlette tries routes in order (~8 µs a miss).
        return [
            Route(f"{base}/{{id}}/status", self.status, methods=["GET"]),
            Route(f"{base}/{{id}}/progress", self.progress, methods=["GET"]),
            Route(f"{base}/{{id}}/log", self.log, methods=["GET"]),
            Route(
                f"{base}/{{id}}/progressWithResource",
                self.progress_with_resource,
                methods=["GET"],
            ),
            Route(f"{base}/{{id}}/kill", self.kill, methods=["GET"]),
            Route(f"{base}/{{id}}/killJobs", self.kill_jobs, methods=["POST"]),
            Route(f"{base}/{{id}}/pause", self.pause, methods=["GET"]),
            Route(f"{base}/execute", self.execute, methods=["POST"]),
            Route(f"{base}/submit", self.submit, methods=["POST"]),
        ]

    def polled(self) -> dict[str, Callable[[Request], Awaitable[Response]]]:
        """Return the per-job reads clients poll, for the gateway to forward directly."""
        return {"status": self.status, "progress": self.progress, "log": self.log}

    async def log(self, request: Request) -> Response:
        early = self._by_task(request)
        if early is not None:
            return early
        return await self.logs.log(request)

    async def execute(self, request: Request) -> Response:
        return await self._accept(request, "/api/entrance/execute")

    async def submit(self, request: Request) -> Response:
        return await self._accept(request, "/api/entrance/submit")

    async def _accept(self, request: Request, method: str) -> Response:
        body = await read_json_object(request)
        if isinstance(body, Response):
            return body
        login: str = request.scope[SCOPE_USER]
        user = login
        token = request.scope.get(SCOPE_TOKEN_CODE)
        execute_user = body.get("executeUser")
        # 1.6+ EntranceRestfulApi.submit:157-168: an ADMIN- Token-Code header makes the
        # body's executeUser the job's (ledger: gateway.admin-token.submit).
        admin = method.endswith("/submit") and token and is_admin_token(token)
        if admin and execute_user is not None:
            user = str(execute_user)
        parsed = parse_task(body, user=user, login_user=login)
        if isinstance(parsed, Refusal):
            return self.answer.error_code(parsed.code, parsed.desc)
        refusal: Refusal | None = parsed.pop("refusal", None)
        directive = parse_directive(parsed["code"])
        parsed["code"] = stored_code(parsed["code"], str(parsed["run_type"]))
        job = self.store.create(record=parsed, directive=directive)
        if refusal is not None:  # an interceptor: the row exists and becomes Failed
            self.store.reject(job, refusal.code, refusal.desc)
            return self.answer.error_code(refusal.code, refusal.desc)
        if self.faults.log_drop_line and job.directive.lines:
            # One engine line, chosen by the job's own taskID (reproducible), is never written.
            job.lost_line = random.Random(job.task_id).randint(1, job.directive.lines)
            self.store.history.update(job)
        self.store.admit(job)
        data = {
            "taskID": task_id_of(job, self.faults),
            "execID": exec_id_of(job, self.faults),
        }
        return self.answer.ok(method, data)

    def _found(self, request: Request) -> tuple[str, str, Job | None]:
        """Return the execID to answer with, the `method`, and the job in memory (or None).

        By taskID (1.5+) the execID is `generateExecID(jobReqId, …, this instance)`.
        """
        exec_id = request.path_params["id"]
        method = f"/api/entrance/{exec_id}/{request.scope['path'].rsplit('/', 1)[-1]}"
        task = request.scope.get(SCOPE_TASK)
        if task is not None:
            exec_id = task.exec_id
        return exec_id, method, self.store.lookup(request.scope[SCOPE_SHORT_ID]).job

    def _by_task(self, request: Request) -> Response | None:
        """1.5+: the answer for a completed or failed-over job named by taskID, else None."""
        task = request.scope.get(SCOPE_TASK)
        if task is None:
            return None
        return answer_by_task(self, request, task)

    async def status(self, request: Request) -> Response:
        early = self._by_task(request)
        if early is not None:
            return early
        exec_id, method, job = self._found(request)
        if job is not None:
            return self.answer.ok(
                method, {"status": self._state(job), "execID": exec_id}
            )
        raw = request.query_params.get("taskID")
        if self.version.evicted_plain_errors and not raw:
            # 1.5+ checks taskID first: ledger: entrance.status.unknown-job-without-taskid
            return self.answer.fail(None, STATUS_LOOKUP_FAILED)
        task_id = java_long(raw)
        if isinstance(task_id, str):
            # ledger: entrance.status.unknown-job-without-taskid (issue #755)
            return self.answer.crash(None, task_id)
        stored = self.store.history.get(task_id)
        state = (
            JobState.CANCELLED.value
            if stored is None
            else stored.state(self.store.now())
        )
        return self.answer.ok(method, {"status": state, "execID": exec_id})

    def _fault_at(self, job: Job, fault: str, base: float) -> float:
        """When a timed fault acts on `job`: a seeded moment up to `FAULT_HORIZON` after `base`.

        Simulated seconds (scaled by --speed), drawn per job and fault, never tied to a poll.
        """
        seeded = random.Random(f"{fault}:{job.task_id}")  # reproducible per job
        return base + seeded.uniform(0.1, 1.0) * FAULT_HORIZON / self.store.speed

    def _state(self, job: Job) -> str:
        """Return the job's state as the entrance reports it (where `state-regression`/`terminal-flip` act)."""
        now = self.store.now()
        state = job.state(now)
        memo = job.memo
        if (
            self.faults.state_regression
            and state == JobState.RUNNING.value
            and not memo.regressed
            and now >= self._fault_at(job, "state-regression", job.window[0])
        ):
            memo.regressed = True  # one poll, at a random moment while Running
            return JobState.SCHEDULED.value
        if (
            self.faults.terminal_flip
            and state == JobState.SUCCEED.value
            and now >= self._fault_at(job, "terminal-flip", job.finished_at)
        ):
            return JobState.FAILED.value  # from a random moment after the end on
        return state

    def _progress_data(self, job: Job, exec_id: str) -> dict[str, Any]:
        now = self.store.now()
        progress = job.progress(now)
        memo = job.memo
        if (
            self.faults.progress_decrease
            and job.state(now) == JobState.RUNNING.value
            and not memo.progress_trick
            and memo.progress_last > 0
            and now >= self._fault_at(job, "progress-decrease", job.window[0])
        ):
            memo.progress_trick = 1  # once, below the last answer, at a random moment
            progress = round(memo.progress_last / 2, 3)
        memo.progress_last = progress
        if self.faults.progress_out_of_range:
            progress = round(progress * 100, 1)
        return {"progress": progress, "execID": exec_id, "progressInfo": []}

    async def progress(self, request: Request) -> Response:
        early = self._by_task(request)
        if early is not None:
            return early
        exec_id, method, job = self._found(request)
        if job is None:
            return self.answer.fail(method, NO_PROGRESS)
        if (
            self.faults.masked_crash
            and job.state(self.store.now()) == JobState.RUNNING.value
        ):
            # a fault mode, not Linkis: the crash family must fail it
            return self.answer.crash(None, "NullPointerException: ")
        return self.answer.ok(method, self._progress_data(job, exec_id))

    async def progress_with_resource(self, request: Request) -> Response:
        early = self._by_task(request)
        if early is not None:
            return early
        exec_id, method, job = self._found(request)
        if job is None:
            return self.answer.fail(method, NO_PROGRESS)
        return self.answer.ok(
            method, {**self._progress_data(job, exec_id), "yarnResource": None}
        )

    def may_kill(self, job: Job, user: str) -> bool:
        return self.faults.kill_any_user or user in (job.execute_user, ADMIN)

    def _kill_found(self, job: Job, method: str, exec_id: str) -> Response:
        now = self.store.now()
        if job.is_terminal(now):
            if job.final_status in (JobState.CANCELLED.value, JobState.TIMEOUT.value):
                return self.answer.ok(method, {"execID": exec_id}, KILLED)
            # jobhistory refuses Succeed/Failed -> Cancelled (issue #4733)
            reason = (
                f"errCode: 120001 ,desc: oldStatus：{job.final_status}, newStatus：Cancelled，"
                "update failed(更新失败)"
            )
            failed = "An exception occurred while killing the job, kill failed(kill job的时候出现了异常，kill失败)"
            if (
                self.version.evicted_plain_errors
            ):  # 1.5.0 kill(): " with error:" + stack
                stack = f"org.apache.linkis.common.exception.ErrorException: {reason}\n"
                return self.answer.fail(
                    method, f"{failed} with error:{reason}", {"stack": stack}
                )
            return self.answer.fail(method, f"{failed}message: {reason}")
        if not self.faults.kill_noop:
            self.store.kill(job)
        return self.answer.ok(method, {"execID": exec_id}, KILLED)

    async def kill(self, request: Request) -> Response:
        early = self._by_task(request)
        if early is not None:
            return early
        exec_id, method, job = self._found(request)
        user: str = request.scope[SCOPE_USER]
        if job is not None:
            if not self.may_kill(job, user):
                denied = f"You have no permission to kill this job, excecute by user:{job.execute_user}"
                return self.answer.fail(method, denied)
            return self._kill_found(job, method, exec_id)
        raw = request.query_params.get("taskID")
        if raw is None:
            if self.version.evicted_plain_errors:
                # 1.5+ checks taskID first: ledger: entrance.kill.unknown-job-without-taskid
                return self.answer.fail(None, KILL_LOOKUP_FAILED)
            # ledger: entrance.kill.unknown-job-without-taskid (issue #1538)
            return self.answer.crash(None, "NullPointerException: ")
        task_id = java_long(raw)
        if isinstance(task_id, str):
            # ledger: entrance.kill.non-numeric-taskid
            return spring_error(400, request.scope["path"])
        if task_id <= 0 and self.version.evicted_plain_errors:
            return self.answer.fail(None, KILL_LOOKUP_FAILED)
        # No owner check on this path: ledger: entrance.kill.unknown-job-force-kills-task
        self.force_kill(task_id)
        return self.answer.ok(method, {}, FORCED)

    def force_kill(self, task_id: int) -> None:
        """Cancel the history row unless it is already terminal (`shouldUpdate`)."""
        stored = self.store.history.get(task_id)
        if stored is not None and not stored.is_terminal(self.store.now()):
            self.store.kill(stored)

    async def kill_jobs(self, request: Request) -> Response:
        body = await read_json_object(request)
        if isinstance(body, Response):
            return body
        return kill_jobs(self, body, request)

    async def pause(self, request: Request) -> Response:
        if request.scope.get(SCOPE_TASK) is not None:
            # 1.5+: pause still parses the id as an execID: ledger: entrance.taskid.pause
            try:
                parse_exec_id(request.path_params["id"])
            except RouteError as exc:
                return self.answer.crash(None, exc.root_cause)
        exec_id, method, job = self._found(request)
        if job is None:
            # getJob outside any try: ledger: entrance.pause.unknown-job
            return self.answer.crash(
                None, _scheduler_miss(request.scope[SCOPE_SHORT_ID])
            )
        return self.answer.ok(
            method, {"execID": exec_id}, "success to pause job (成功pause了job)"
        )


def _scheduler_miss(short_id: str) -> str:
    """Say what `LoopArrayQueue.get(index)` throws for an index the entrance does not hold."""
    _, _, index = short_id.rpartition("_")
    return f"IllegalArgumentException: The index {index} must be less than -1"
