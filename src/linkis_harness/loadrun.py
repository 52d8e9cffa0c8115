"""`linkis-harness load`: run the Locust lifecycle load test in its own processes, then clean up.

Locust (gevent, monkey-patching) never runs in this process: the locustfile shipped in
`load/` runs as `python -m locust --headless` subprocesses (one process, or a master and N
workers). They write a job ledger and exact raw samples; this runner then kills every job the
run submitted and did not see finish, verifies with job history that none is left running,
evaluates the SLAs and writes the reports.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from linkis_harness import loadreport
from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.sla import Sla, parse_slas
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError, ExitCode
from linkis_harness.resources import data_dir
from linkis_harness.safety import (
    RequestGuard,
    SafetyPolicy,
    describe_request,
)
from linkis_harness.workloads import load_workloads

__all__ = [
    "LoadPlan",
    "parse_duration",
    "parse_rate",
    "run_load",
    "write_workload_file",
]

SHAPES = ("ramp", "step", "spike")
CLIENT_MODELS = ("java", "cli")
SIM_USER = ("alice", "alice123")  # CONTRACTS.md: the embedded simulator's main user
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_STOP_GRACE = (
    90.0  # seconds past the run time before Locust is told to stop, then killed
)


def parse_duration(text: str, *, option: str = "--run-time") -> float:
    """Parse `30s`, `5m`, `1h30m` or bare seconds into seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip().replace(" ", ""):
        raise ConfigError(
            f"{option}: expected a duration such as 30s, 5m or 1h30m, got {text!r}"
        )
    seconds = sum(float(n) * _UNITS[u or "s"] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(f"{option}: the duration must be positive, got {text!r}")
    return seconds


def parse_rate(text: str) -> float:
    """Parse `--submit-rate` (`5/s`, `120/m`, `0.5`) into arrivals per second."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*", text)
    if match is None or float(match[1]) <= 0:
        raise ConfigError(
            f"--submit-rate: expected job arrivals per time such as 5/s or 120/m, got {text!r}"
        )
    return float(match[1]) / _UNITS[match[2] or "s"]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Every validated option of one load run."""

    users: int
    spawn_rate: float
    run_time: float
    workers: int
    slas: tuple[Sla, ...]
    sla_abort: bool
    submit_rate: float
    shape: str | None
    kill_fraction: float
    client_model: str
    role: str  # local | master | worker
    master_host: str
    master_port: int
    expect_workers: int
    sim_speed: float
    workloads: tuple[Workload, ...]


def _plan(**o: Any) -> LoadPlan:
    kill = float(o.get("kill_fraction") or 0.0)
    if not 0.0 <= kill <= 1.0:
        raise ConfigError(f"--kill-fraction: expected 0..1, got {kill!r}")
    shape, rate_text = o.get("shape"), o.get("submit_rate")
    if shape and rate_text:
        raise ConfigError(
            "--shape and --submit-rate exclude each other: a shape varies users (closed "
            "model), --submit-rate fixes job arrivals (open model)"
        )
    if shape is not None and shape not in SHAPES:
        raise ConfigError(
            f"--shape: expected one of {', '.join(SHAPES)}, got {shape!r}"
        )
    model = o.get("client_model") or "java"
    if model not in CLIENT_MODELS:
        raise ConfigError(f"--client-model: expected java or cli, got {model!r}")
    master, worker = bool(o.get("master")), bool(o.get("worker"))
    if master and worker:
        raise ConfigError("--master and --worker exclude each other")
    if worker and not o.get("master_host"):
        raise ConfigError(
            "--worker needs --master-host HOST (the machine running --master)"
        )
    workers = int(o.get("workers") or 0)
    if workers and (master or worker):
        raise ConfigError(
            "--workers N starts local workers; do not combine it with --master/--worker"
        )
    role = "master" if master else "worker" if worker else "local"
    expect = int(o.get("expect_workers") or (workers or 1))
    return LoadPlan(
        users=int(o.get("users") or 10),
        spawn_rate=float(o.get("spawn_rate") or 5.0),
        run_time=parse_duration(str(o.get("run_time") or "30s")),
        workers=workers,
        slas=parse_slas(o.get("slas") or ()),
        sla_abort=bool(o.get("sla_abort")),
        submit_rate=parse_rate(rate_text) if rate_text else 0.0,
        shape=shape,
        kill_fraction=kill,
        client_model=model,
        role=role,
        master_host=str(o.get("master_host") or "127.0.0.1"),
        master_port=int(o.get("master_port") or 5557),
        expect_workers=expect,
        sim_speed=float(o.get("sim_speed") or 1.0),
        workloads=tuple(load_workloads(_path(o.get("workloads")))),
    )


def run_load(
    settings: Settings,
    *,
    out: TextIO,
    err: TextIO,
    report_dir: Path | None = None,
    policy: SafetyPolicy | None = None,
    **options: Any,
) -> int:
    """Run one load test and return the exit code (0 held, 1 breached/violations, 2 not run)."""
    policy = policy or SafetyPolicy()
    if policy.read_only:
        raise ConfigError("--read-only: load submits jobs, nothing to run")
    plan = _plan(**options)
    if policy.dry_run:
        return _dry_run(settings, plan, out)
    with ExitStack() as stack:
        work = report_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="linkis-load-"))
        )
        work.mkdir(parents=True, exist_ok=True)
        if plan.role == "worker":
            return _run_worker(settings, plan, work, policy, out, err)
        settings = _with_target(settings, plan, stack, out)
        client = stack.enter_context(
            LinkisClient(settings, guard=RequestGuard(_cleanup_policy(policy)))
        )
        client.authenticate()  # preflight: unreachable / refused exits 2 before Locust starts
        return _run_master(
            settings,
            plan,
            work,
            policy,
            client,
            out,
            err,
            reports=report_dir is not None,
        )
    raise AssertionError(
        "unreachable"
    )  # pragma: no cover  (ExitStack does not swallow)


def _cleanup_policy(policy: SafetyPolicy) -> SafetyPolicy:
    """Cleanup obeys --rate-limit but never the job budget (it creates no job)."""
    return SafetyPolicy(rate_limit=policy.rate_limit)


def _with_target(
    settings: Settings, plan: LoadPlan, stack: ExitStack, out: TextIO
) -> Settings:
    if settings.target is not None:
        if not (settings.uses_token or settings.user):
            raise ConfigError(
                "load against --target needs --user/--password or --token-code/--token-user"
            )
        return settings
    from linkis_harness.simulator.launch import start_simulator

    sim = stack.enter_context(start_simulator(speed=plan.sim_speed))
    out.write(f"embedded simulator at {sim.url} (speed x{plan.sim_speed:g})\n")
    settings = settings.with_target(sim.url)
    if not (settings.uses_token or settings.user):
        from dataclasses import replace

        settings = replace(settings, user=SIM_USER[0], password=SIM_USER[1])
    return settings


def _dry_run(settings: Settings, plan: LoadPlan, out: TextIO) -> int:
    base = (settings.target or "http://<embedded simulator>") + "/api/rest_j/v1"
    user = settings.token_user or settings.user or SIM_USER[0]
    secrets = settings.secrets()
    if settings.uses_token:
        headers = {"Token-Code": settings.token_code or "", "Token-User": user}
    else:
        headers = {}
        body = json.dumps(
            {"userName": user, "password": settings.password or SIM_USER[1]}
        )
        out.write(
            describe_request("POST", base + "/user/login", body=body, secrets=secrets)
            + "\n"
        )
    for workload in plan.workloads:
        body = json.dumps(workload.submit_body(user=user), ensure_ascii=False)
        out.write(
            describe_request(
                "POST",
                base + "/entrance/submit",
                headers=headers,
                body=body,
                secrets=secrets,
            )
            + "\n"
        )
    out.write(
        f"dry run: {len(plan.workloads)} workload(s) in the mix; nothing was sent\n"
    )
    return ExitCode.OK


# -- Locust processes ---------------------------------------------------------------------------


def _workload_file(plan: LoadPlan, work: Path) -> Path:
    path = work / "workloads.json"
    _write_workloads(plan.workloads, path)
    return path


def _write_workloads(workloads: Sequence[Workload], path: Path) -> None:
    data = [_workload_mapping(w) for w in workloads]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_workload_file(directory: Path | str | None, path: Path | str) -> None:
    """Write the JSON workload mix the locustfile reads (for Locust run by hand or on k8s)."""
    chosen = Path(directory) if directory is not None else None
    _write_workloads(load_workloads(chosen), Path(path))


def _workload_mapping(w: Workload) -> dict[str, Any]:
    expect: dict[str, Any] = {"status": list(w.expect_status), "within": w.within}
    if w.rows is not None:
        expect["rows"] = w.rows
    return {
        "name": w.name,
        "engineType": w.engine_type,
        "runType": w.run_type,
        "code": w.code,
        "expect": expect,
        "weight": w.weight,
        "profiles": list(w.profiles),
        "labels": dict(w.labels),
    }


def _environment(
    settings: Settings, plan: LoadPlan, work: Path, policy: SafetyPolicy
) -> dict[str, str]:
    """Build the Locust processes' environment: credentials and paths here, never on argv."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LINKIS_", "LOCUST_"))
    }
    if settings.uses_token:
        env["LINKIS_TOKEN_CODE"] = settings.token_code or ""
        env["LINKIS_TOKEN_USER"] = settings.token_user or ""
    else:
        env["LINKIS_USER"] = settings.user or ""
        env["LINKIS_PASSWORD"] = settings.password or ""
    if settings.insecure:
        env["LINKIS_INSECURE"] = "1"
    env["LINKIS_LOAD_WORKLOADS"] = str(_workload_file(plan, work))
    env["LINKIS_LOAD_OUT"] = str(work / "raw")
    if plan.shape:
        env["LINKIS_LOAD_SHAPE"] = plan.shape
    env.update(policy.to_env())
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _locust_argv(
    plan: LoadPlan, target: str, work: Path, *, reports: bool
) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(data_dir("load") / "locustfile.py"),
        "--headless",
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
class _Fleet:
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
def _fleet() -> Iterator[_Fleet]:
    fleet = _Fleet()
    try:
        yield fleet
    finally:
        fleet.signal_all(signal.SIGTERM)
        fleet.wait_all(timeout=30.0)


def _start(
    fleet: _Fleet,
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    *,
    reports: bool,
) -> None:
    assert settings.target is not None
    argv = _locust_argv(plan, settings.target, work, reports=reports)
    logs = work / "logs"
    raw = work / "raw"
    # A reused --report-dir must not mix two runs' jobs.
    for stale in (raw / "ledger.jsonl", raw / "samples.json"):
        stale.unlink(missing_ok=True)
    if plan.role == "local" and not plan.workers:
        fleet.start("locust", argv, _environment(settings, plan, work, policy), logs)
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
        "master", master, _environment(settings, plan, work, SafetyPolicy()), logs
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
        env = _environment(settings, plan, work, policy.split(plan.workers, index))
        fleet.start(f"worker-{index}", worker, env, logs)


def _supervise(
    fleet: _Fleet, plan: LoadPlan, work: Path, out: TextIO, err: TextIO
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


def _run_worker(
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    out: TextIO,
    err: TextIO,
) -> int:
    """`--worker`: one Locust worker for a master on another machine (no cleanup here)."""
    if not (settings.uses_token or settings.user):
        raise ConfigError(
            "--worker needs --user/--password or --token-code/--token-user"
        )
    target = (
        settings.target or "http://unused"
    )  # the master sends its --host with the spawn
    argv = _locust_argv(plan, target, work, reports=False)
    argv += [
        "--worker",
        "--master-host",
        plan.master_host,
        "--master-port",
        str(plan.master_port),
    ]
    with _fleet() as fleet:
        proc = fleet.start(
            "worker", argv, _environment(settings, plan, work, policy), work / "logs"
        )
        out.write(
            f"load: worker started for the master at {plan.master_host}:{plan.master_port}\n"
        )
        try:
            code = proc.popen.wait()
        except KeyboardInterrupt:
            proc.popen.send_signal(signal.SIGTERM)
            proc.popen.wait(timeout=60)
            err.write("load: worker interrupted\n")
            return ExitCode.NOT_RUN
    if code not in (0, 1):
        err.write(f"load: the worker failed (exit code {code})\n{proc.tail()}\n")
        return ExitCode.NOT_RUN
    return ExitCode.OK


def _run_master(
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    client: LinkisClient,
    out: TextIO,
    err: TextIO,
    *,
    reports: bool,
) -> int:
    shape = f", shape {plan.shape}" if plan.shape else ""
    model = (
        f"open model {plan.submit_rate:g} jobs/s, pool"
        if plan.submit_rate
        else "closed model,"
    )
    out.write(
        f"load: {model} {plan.users} users{shape}, {plan.run_time:g}s against {settings.target}"
        f" ({plan.workers or 1} generator process(es), client model {plan.client_model})\n"
    )
    problem: str | None = None
    interrupted = False
    with _fleet() as fleet:
        _start(fleet, settings, plan, work, policy, reports=reports)
        try:
            problem = _supervise(fleet, plan, work, out, err)
        except KeyboardInterrupt:
            interrupted = True
            err.write("load: interrupted; stopping Locust and killing the run's jobs\n")
            fleet.procs[0].popen.send_signal(signal.SIGTERM)
            fleet.wait_all(timeout=30.0)
        head = fleet.procs[0]
        fleet.wait_all(timeout=30.0)
    raw = loadreport.read_raw(work / "raw")
    cleanup = loadreport.clean_up(client, raw.ledger, out)
    if raw.samples is None:
        err.write(
            f"load: Locust wrote no results (exit code {head.popen.returncode})\n{head.tail()}\n"
        )
        loadreport.print_cleanup(cleanup, out)
        return ExitCode.NOT_RUN
    result = loadreport.summarize(
        raw, cleanup, plan.slas, problem=problem, interrupted=interrupted
    )
    loadreport.print_summary(result, out)
    if reports:
        loadreport.write_reports(result, raw, work)
        out.write(f"load: reports in {work}\n")
    return result.exit_code


def _path(value: object) -> Path | None:
    return None if value is None else Path(str(value))
