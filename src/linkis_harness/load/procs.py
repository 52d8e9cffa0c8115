"""The Locust processes of a load run: their command lines, environment, start and supervision.

Locust runs only here, in subprocesses (gevent's monkey-patching never reaches this process).
Credentials and paths travel in the environment, never on a command line.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

from linkis_harness.client.sweep import new_marker
from linkis_harness.config import RUN_CONFIG_VAR, Settings
from linkis_harness.load.plan import LoadPlan, workload_file
from linkis_harness.resources import data_dir
from linkis_harness.safety import SafetyPolicy

__all__ = ["Fleet", "fleet", "locust_argv", "process_environment", "start", "supervise"]

# Seconds past the run time before Locust is told to stop, then killed.
_STOP_GRACE = 90.0


def process_environment(
    settings: Settings, plan: LoadPlan, work: Path, policy: SafetyPolicy
) -> dict[str, str]:
    """Build the Locust processes' environment: credentials and paths here, never on argv."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LINKIS_", "LOCUST_"))
    }
    # One run configuration: credentials, --timeout and --insecure for every user.
    env[RUN_CONFIG_VAR] = settings.to_run_config()
    env["LINKIS_LOAD_WORKLOADS"] = str(workload_file(plan, work))
    env["LINKIS_LOAD_OUT"] = str(work / "raw")
    if plan.shape:
        env["LINKIS_LOAD_SHAPE"] = plan.shape
    env.update(policy.to_env())
    env["PYTHONUNBUFFERED"] = "1"
    return env


def locust_argv(plan: LoadPlan, target: str, work: Path, *, reports: bool) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(data_dir("load") / "locustfile.py"),
        *_ui(plan),
        "--host",
        target,
        "--users",
        str(plan.users),
        "--spawn-rate",
        f"{plan.spawn_rate:g}",
        "--linkis-run-time",
        f"{plan.run_time:g}",
        "--linkis-kill-fraction",
        f"{plan.kill_fraction:g}",
        "--linkis-client-model",
        plan.client_model,
        "--linkis-submit-rate",
        f"{plan.submit_rate:g}",
        "--only-summary",
        "--loglevel",
        "INFO",
    ]
    for sla in plan.slas:
        argv += ["--linkis-sla", sla.text]
    if plan.sla_abort:
        argv.append("--linkis-sla-abort")
    if reports:
        argv += [
            "--html",
            str(work / "locust.html"),
            "--csv",
            str(work / "locust"),
            "--csv-full-history",
        ]
    return argv


def _ui(plan: LoadPlan) -> list[str]:
    """Headless by default; `--web`: Locust's UI on loopback, the run started at once."""
    if not plan.web or plan.role == "worker":
        return ["--headless"]
    return ["--autostart", "--web-host", "127.0.0.1", "--web-port", str(plan.web_port)]


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]
    crashed: bool = False

    def tail(self, lines: int = 15) -> str:
        if not self.handle.closed:
            self.handle.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Fleet:
    """The Locust processes of this run (the first is the master or the single process)."""

    procs: list[_Proc] = field(default_factory=list)

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], logs: Path
    ) -> _Proc:
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = _Proc(name, popen, log, handle)
        self.procs.append(proc)
        return proc

    def signal_all(self, sig: int) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                proc.popen.send_signal(sig)

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
        for proc in self.procs:
            proc.handle.close()


@contextmanager
def fleet() -> Iterator[Fleet]:
    fleet = Fleet()
    try:
        yield fleet
    finally:
        fleet.signal_all(signal.SIGTERM)
        fleet.wait_all(timeout=30.0)


def start(
    fleet: Fleet,
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    *,
    reports: bool,
    marker: str = "",
) -> None:
    assert settings.target is not None
    argv = locust_argv(plan, settings.target, work, reports=reports)
    logs = work / "logs"
    raw = work / "raw"
    # A reused --report-dir must not mix two runs' jobs.
    for stale in (raw / "ledger.jsonl", raw / "samples.json", raw / "stop"):
        stale.unlink(missing_ok=True)
    # The run's marker goes to every process (the master forwards it to its workers) and
    # into the ledger before the first job is submitted: cleanup finds the jobs by it.
    marker = marker or new_marker()
    argv += ["--linkis-run-marker", marker]
    raw.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"event": "run", "marker": marker, "since": time.time()})
    (raw / "ledger.jsonl").write_text(line + "\n", encoding="utf-8")
    if plan.role == "local" and not plan.workers:
        fleet.start(
            "locust", argv, process_environment(settings, plan, work, policy), logs
        )
        return
    bind = "127.0.0.1" if plan.workers else "*"
    port = _free_port("127.0.0.1") if plan.workers else plan.master_port
    master = [
        *argv,
        "--master",
        "--master-bind-host",
        bind,
        "--master-bind-port",
        str(port),
    ]
    master += ["--expect-workers", str(plan.expect_workers)]
    if (
        plan.workers
    ):  # local workers that cannot start must not leave the master waiting
        master += ["--expect-workers-max-wait", "60"]
    fleet.start(
        "master",
        master,
        process_environment(settings, plan, work, SafetyPolicy()),
        logs,
    )
    for index in range(plan.workers):
        worker = [
            *argv,
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(port),
        ]
        env = process_environment(
            settings, plan, work, policy.split(plan.workers, index)
        )
        fleet.start(f"worker-{index}", worker, env, logs)


def supervise(
    fleet: Fleet, plan: LoadPlan, work: Path, out: TextIO, err: TextIO
) -> str | None:
    """Wait for the master (or single process) to end; return why the run was cut short."""
    head = fleet.procs[0]
    deadline = (
        time.monotonic()
        + plan.run_time
        + _STOP_GRACE
        + (60.0 if plan.role != "local" or plan.workers else 0)
    )
    next_note = time.monotonic() + 5.0
    started = time.monotonic()
    ledger = work / "raw" / "ledger.jsonl"
    problem: str | None = None
    while head.popen.poll() is None:
        time.sleep(0.25)
        for proc in fleet.procs[1:]:
            code = proc.popen.poll()
            if code not in (None, 0) and not proc.crashed:
                proc.crashed = True
                problem = f"{proc.name} crashed (exit code {code})"
                err.write(
                    f"load: {problem}; its jobs are killed at cleanup\n{proc.tail()}\n"
                )
                if all(p.crashed for p in fleet.procs[1:]):
                    head.popen.send_signal(signal.SIGTERM)  # no generator left
        if time.monotonic() > deadline:
            problem = "Locust did not stop by itself; it was terminated"
            head.popen.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 30.0
        if time.monotonic() >= next_note:
            next_note += 10.0
            out.write(f"load: {time.monotonic() - started:.0f}s, {_progress(ledger)}\n")
            out.flush()
    return problem


def _progress(ledger: Path) -> str:
    submitted = finished = 0
    if ledger.exists():
        for line in ledger.read_text(encoding="utf-8").splitlines():
            submitted += '"submitted"' in line
            finished += '"finished"' in line
    return f"{submitted} jobs submitted, {finished} finished"
