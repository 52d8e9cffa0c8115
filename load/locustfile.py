"""Linkis lifecycle load test: Locust runs this file in its own process(es).

Started by `linkis-harness load` (or by hand / on Kubernetes, see k8s/README.md). Each user
lives the real client lifecycle, one job at a time: log in once (or token headers), submit a
workload from the weighted mix, poll it at the client's interval, follow its log with the
returned fromLine, read progress, kill a fraction of jobs, and on Succeed read job history and
the result set. Light contract checks fail the request that broke the contract, with the reason.

Configuration: Locust arguments `--linkis-*` (see scenarios/options.py) and the environment:
LINKIS_LOAD_WORKLOADS (workload mix, JSON), LINKIS_LOAD_OUT (master: ledger and raw samples),
LINKIS_LOAD_SHAPE (ramp|step|spike), the run configuration LINKIS_RUN_CONFIG (credentials,
--timeout, --insecure; or LINKIS_USER/LINKIS_PASSWORD or LINKIS_TOKEN_CODE/LINKIS_TOKEN_USER,
LINKIS_TIMEOUT, LINKIS_INSECURE), and the safety policy (LINKIS_RATE_LIMIT, LINKIS_MAX_JOBS).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from gevent import Greenlet, GreenletExit
from locust import FastHttpUser, constant, events, task
from locust.runners import WORKER_REPORT_INTERVAL, MasterRunner, WorkerRunner

from linkis_harness.core.sla import Kind, parse_slas
from linkis_harness.load.scenarios.arrivals import ArrivalClock
from linkis_harness.load.scenarios.job import Job
from linkis_harness.load.scenarios.journal import LEDGER_MESSAGE, Journal
from linkis_harness.load.scenarios.lifecycle import Lifecycle
from linkis_harness.load.scenarios.options import (
    ENV_OUT,
    ENV_SHAPE,
    Connection,
    Credentials,
    RunOptions,
    WorkloadMix,
    add_arguments,
)
from linkis_harness.load.scenarios.shapes import SHAPES
from linkis_harness.load.scenarios.wire import Http
from linkis_harness.safety import JobBudgetExhausted, RequestGuard, SafetyPolicy

# The process's shared state (one Locust process = one journal, mix, guard, arrival clock).
_PROCESS: dict[str, Any] = {}
# Submits whose user was stopped while they were in flight (their jobs are killed on arrival).
_ORPHANS: set[Greenlet] = set()

if (
    os.environ.get(ENV_SHAPE) in SHAPES
):  # only the master (or local process) needs a shape
    LoadShape = SHAPES[os.environ[ENV_SHAPE]]


@events.init_command_line_parser.add_listener
def _arguments(parser: Any, **_: Any) -> None:
    add_arguments(parser)


@events.init.add_listener
def _init(environment: Any, runner: Any, **_: Any) -> None:
    role = (
        "master"
        if isinstance(runner, MasterRunner)
        else "worker"
        if isinstance(runner, WorkerRunner)
        else "local"
    )
    out = os.environ.get(ENV_OUT)
    journal = Journal(role, Path(out) if out else None)
    _PROCESS["journal"] = journal
    environment.events.request.add_listener(journal.on_request)
    if role == "worker":
        environment.events.report_to_master.add_listener(journal.on_report_to_master)
    if role == "master":
        runner.register_message(LEDGER_MESSAGE, journal.on_ledger_message)
        environment.events.worker_report.add_listener(journal.on_worker_report)
    if role != "worker":

        def write(**_: Any) -> None:
            errors = [
                {
                    "method": e.method,
                    "name": e.name,
                    "error": _error_text(e.error),
                    "count": e.occurrences,
                }
                for e in runner.stats.errors.values()
            ]
            journal.write(errors)

        environment.events.quit.add_listener(write)


def _error_text(error: object) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


@events.test_start.add_listener
def _test_start(environment: Any, **_: Any) -> None:
    runner = environment.runner
    options = RunOptions.from_parsed(environment.parsed_options)
    _PROCESS["options"] = options
    if options.submit_rate > 0 and "clock" not in _PROCESS:
        workers = int(getattr(environment.parsed_options, "expect_workers", 1) or 1)
        share = workers if isinstance(runner, WorkerRunner) else 1
        _PROCESS["clock"] = ArrivalClock(options.submit_rate / share)
    if isinstance(runner, WorkerRunner) or _PROCESS.get("controller"):
        return
    journal: Journal = _PROCESS["journal"]
    journal.started = time.time()
    _PROCESS["controller"] = gevent.spawn(_control, environment, options, journal)


def _control(environment: Any, options: RunOptions, journal: Journal) -> None:
    """Master/local: record users over time, end the run at its deadline or on an SLA breach."""
    runner = environment.runner
    slas = (
        [s for s in parse_slas(options.slas) if s.kind is not Kind.RPS]
        if options.sla_abort
        else []
    )
    assert journal.started is not None
    next_check = journal.started + 10
    while True:
        gevent.sleep(1.0)
        now = time.time()
        journal.users.append((round(now, 1), runner.user_count))
        if options.run_time and now - journal.started >= options.run_time:
            break
        if (
            journal.stop_requested()
        ):  # the capacity search ends a step once it is steady
            break
        if slas and now >= next_check:
            next_check = now + 5
            breached = _breached(slas, journal, now - journal.started)
            if breached:
                journal.aborted = f"SLA breached: {breached}"
                break
    _finish(environment, journal)


def _breached(slas: list[Any], journal: Journal, elapsed: float) -> str | None:
    for sla in slas:
        observed, count = journal.measure(sla)
        if observed is not None and count >= 20 and not sla.holds(observed):
            return f"{sla.text} (observed {sla.shown(observed)})"
    return None


def _finish(environment: Any, journal: Journal) -> None:
    """Stop users gracefully (they kill their unfinished jobs), collect final reports, quit."""
    runner = environment.runner
    runner.stop()
    journal.stopped = time.time()
    gevent.joinall(list(_ORPHANS), timeout=10.0)  # submits still in flight at the stop
    if isinstance(runner, MasterRunner):
        # Wait for the workers' last reports: the samples of the kills their users made at stop.
        gevent.sleep(WORKER_REPORT_INTERVAL + 1.0)
    runner.quit()
    web_ui = getattr(environment, "web_ui", None)
    if (
        web_ui is not None
    ):  # --web: the run is over, so is its UI (Locust then shuts down)
        web_ui.stop()


_CONNECTION = Connection.from_env(os.environ)


def _setup() -> tuple[WorkloadMix, Credentials, RequestGuard]:
    if "mix" not in _PROCESS:
        _PROCESS["mix"] = WorkloadMix.from_env(os.environ)
        _PROCESS["credentials"] = Credentials.from_env(os.environ)
        _PROCESS["guard"] = RequestGuard(SafetyPolicy.from_env(os.environ))
    return _PROCESS["mix"], _PROCESS["credentials"], _PROCESS["guard"]


class LifecycleUser(FastHttpUser):
    """One client: one job at a time, from submit to its result (or its kill)."""

    # Pacing is the poll interval (closed model) or the arrival clock (open model).
    wait_time = constant(0)
    # --timeout bounds every request (connect and answer), --insecure skips TLS verification.
    network_timeout = _CONNECTION.timeout
    connection_timeout = _CONNECTION.timeout
    insecure = _CONNECTION.insecure

    def on_start(self) -> None:
        mix, credentials, guard = _setup()
        self.mix, self.credentials = mix, credentials
        self.options: RunOptions = _PROCESS.get("options") or RunOptions.from_parsed(
            self.environment.parsed_options
        )
        self.journal: Journal = _PROCESS["journal"]
        self.http = Http(
            self.client,
            self.environment.events.request.fire,
            credentials.headers(),
            guard,
        )
        self.lifecycle = Lifecycle(
            self.http,
            user=credentials.user,
            poll_interval=self.options.poll_interval,
            kill_fraction=self.options.kill_fraction,
            rng=random.Random(),
            sleep=gevent.sleep,
            on_running=self._running,
            marker=self.options.run_marker,
        )
        self.job: Job | None = None
        self.logged_in = credentials.password is None
        if credentials.password is not None:
            self.http.relogin = self._login
        self.exhausted = False

    def _running(self, job: Job) -> None:
        """Ledger: the job left the queue (the backlog is submitted minus running or ended)."""
        self.journal.job_event(
            self.environment.runner,
            event="running",
            exec_id=job.exec_id,
            task_id=job.task_id,
        )

    def _login(self) -> bool:
        body = {
            "userName": self.credentials.user,
            "password": self.credentials.password,
        }
        self.logged_in = (
            self.http.call("POST", "/user/login", "login", body=body) is not None
        )
        return self.logged_in

    @task
    def job_lifecycle(self) -> None:
        if self.exhausted or not (self.logged_in or self._login()):
            gevent.sleep(max(self.options.poll_interval * 4, 1.0))
            return
        clock: ArrivalClock | None = _PROCESS.get("clock")
        workload = self.mix.pick(self.lifecycle.rng)
        if clock is not None:
            at = clock.claim()
            lag = time.time() - at
            if lag < 0:
                gevent.sleep(-lag)
            self.http.metric(f"arrival_lag {workload.name}", max(lag, 0.0) * 1000)
        # The submit runs in its own greenlet: a user stopped while its submit is in flight
        # must not lose a job the target has already accepted (see _adopt_orphan).
        submitting = gevent.spawn(self.lifecycle.submit, workload)
        try:
            job = submitting.get()
        except JobBudgetExhausted:
            self.exhausted = self.journal.budget_exhausted = True
            return
        except GreenletExit:
            _ORPHANS.add(submitting)
            submitting.link_value(self._adopt_orphan)
            raise
        if job is None:
            gevent.sleep(self.options.poll_interval)
            return
        self.job = job
        self.journal.job_event(
            self.environment.runner,
            event="submitted",
            exec_id=job.exec_id,
            task_id=job.task_id,
            workload=workload.name,
        )
        self.lifecycle.follow(job)
        if job.finished:
            self.journal.job_event(
                self.environment.runner,
                event="finished",
                exec_id=job.exec_id,
                task_id=job.task_id,
                state=job.state,
            )
        self.job = None

    def _adopt_orphan(self, submitting: Greenlet) -> None:
        """A submit answered after its user was stopped: record the job and kill it."""
        try:
            job = submitting.value
            if job is not None:
                self.journal.job_event(
                    self.environment.runner,
                    event="submitted",
                    exec_id=job.exec_id,
                    task_id=job.task_id,
                    workload=job.workload.name,
                )
                self.job = job
                self.on_stop()
        finally:
            _ORPHANS.discard(submitting)

    def on_stop(self) -> None:
        job = self.job
        if job is None or job.finished:
            return
        accepted = self.lifecycle.kill(job)
        self.journal.job_event(
            self.environment.runner,
            event="cleanup_kill",
            exec_id=job.exec_id,
            task_id=job.task_id,
            accepted=accepted,
        )
        self.job = None
