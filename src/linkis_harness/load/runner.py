"""`linkis-harness load`: run the Locust lifecycle load test in its own processes, then clean up.

Locust (gevent, monkey-patching) never runs in this process: the locustfile shipped in
`load/` runs as `python -m locust --headless` subprocesses (one process, or a master and N
workers). They write a job ledger and exact raw samples; this runner then kills every job the
run submitted and did not see finish, verifies with job history that none is left running,
evaluates the SLAs and writes the reports.
"""

from __future__ import annotations

import json
import signal
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from linkis_harness.client import LinkisClient
from linkis_harness.client.sweep import new_marker
from linkis_harness.config import Settings
from linkis_harness.errors import ConfigError, ExitCode
from linkis_harness.load import capacity, compare, procs, report
from linkis_harness.load.cleanup import clean_up, print_cleanup
from linkis_harness.load.plan import (
    LoadOptions,
    LoadPlan,
    make_plan,
)
from linkis_harness.load.scenarios.options import CLIENT_MODELS
from linkis_harness.reports.loadpage import LOAD_REPORT
from linkis_harness.safety import (
    RequestGuard,
    SafetyPolicy,
    describe_request,
)

__all__ = ["run_load"]

# The embedded simulator's main user (simulator/auth.py DEFAULT_USERS).
SIM_USER = ("alice", "alice123")


def run_load(
    settings: Settings,
    options: LoadOptions,
    *,
    out: TextIO,
    err: TextIO,
    report_dir: Path | None = None,
    policy: SafetyPolicy | None = None,
) -> int:
    """Run one load test and return the exit code (0 held, 1 breached/violations, 2 not run)."""
    policy = policy or SafetyPolicy()
    if policy.read_only:
        raise ConfigError("--read-only: load submits jobs, nothing to run")
    plan = make_plan(options)
    cap = capacity.capacity_plan(plan, options) if options.find_capacity else None
    target_key = compare.target_id(settings.target)
    baseline = (
        compare.read_baseline(
            options.baseline,
            target_key,
            threshold=options.max_regression,
            any_target=options.baseline_any_target,
        )
        if options.baseline is not None
        else None
    )
    if policy.dry_run:
        return _dry_run(settings, plan, out)
    with ExitStack() as stack:
        work = report_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="linkis-load-"))
        )
        work.mkdir(parents=True, exist_ok=True)
        if plan.role == "worker":
            return _run_worker(
                settings, plan, work, policy, out, err, rejoin=cap is not None
            )
        settings = _with_target(settings, plan, stack, out)
        client = stack.enter_context(
            LinkisClient(settings, guard=RequestGuard(_cleanup_policy(policy)))
        )
        client.authenticate()  # preflight: unreachable / refused exits 2 before Locust starts
        if cap is not None:
            return capacity.run_search(
                settings,
                plan,
                cap,
                work,
                policy,
                client,
                out,
                err,
                reports=report_dir is not None,
            )
        return _run_master(
            settings,
            plan,
            work,
            policy,
            client,
            out,
            err,
            reports=report_dir is not None,
            accept_underdelivery=options.accept_underdelivery,
            target_key=target_key,
            baseline=baseline,
        )
    raise AssertionError("unreachable")  # pragma: no cover (ExitStack swallows nothing)


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

    extra = ["--max-running", str(plan.sim_max_running)] if plan.sim_max_running else []
    if plan.linkis_version:
        extra += ["--linkis-version", plan.linkis_version]
    sim = stack.enter_context(start_simulator(speed=plan.sim_speed, extra_args=extra))
    slots = f", {plan.sim_max_running} engine slots" if plan.sim_max_running else ""
    release = f", Linkis {plan.linkis_version}" if plan.linkis_version else ""
    out.write(
        f"embedded simulator at {sim.url} (speed x{plan.sim_speed:g}{slots}{release})\n"
    )
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


def _run_worker(
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    out: TextIO,
    err: TextIO,
    *,
    rejoin: bool = False,
) -> int:
    """`--worker`: one Locust worker for a master on another machine (no cleanup here).

    With `--find-capacity` the master runs one Locust run per step: the worker rejoins it after
    each step, and ends when no master answers (Locust gives up after about 5 minutes).
    """
    if not (settings.uses_token or settings.user):
        raise ConfigError(
            "--worker needs --user/--password or --token-code/--token-user"
        )
    # The master sends its --host with the spawn message.
    target = settings.target or "http://unused"
    argv = procs.locust_argv(plan, target, work, reports=False)
    argv += [
        "--worker",
        "--master-host",
        plan.master_host,
        "--master-port",
        str(plan.master_port),
    ]
    served = 0
    while True:
        code, tail = _one_worker(settings, plan, work, policy, argv, out, err)
        if code is None:
            return ExitCode.NOT_RUN
        if code in (0, 1) and rejoin:
            served += 1
            continue
        if code not in (0, 1) and not served:
            err.write(f"load: the worker failed (exit code {code})\n{tail}\n")
            return ExitCode.NOT_RUN
        return ExitCode.OK


def _one_worker(
    settings: Settings,
    plan: LoadPlan,
    work: Path,
    policy: SafetyPolicy,
    argv: list[str],
    out: TextIO,
    err: TextIO,
) -> tuple[int | None, str]:
    """Run one Locust worker to its end: (exit code, log tail); None when interrupted."""
    with procs.fleet() as fleet:
        proc = fleet.start(
            "worker",
            argv,
            procs.process_environment(settings, plan, work, policy),
            work / "logs",
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
            return None, ""
    return code, proc.tail()


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
    accept_underdelivery: bool = False,
    target_key: str,
    baseline: compare.Baseline | None = None,
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
    if plan.web:
        out.write(
            f"load: Locust web UI at http://127.0.0.1:{plan.web_port} while the run lasts\n"
        )
    problem: str | None = None
    interrupted = False
    marker = new_marker()  # in the ledger and every submit before the first job
    out.write(
        f"load: jobs of this run carry '# linkis-harness-run: {marker}'; "
        "cleanup kills only those\n"
    )
    with procs.fleet() as fleet:
        procs.start(fleet, settings, plan, work, policy, reports=reports, marker=marker)
        try:
            problem = procs.supervise(fleet, plan, work, out, err)
        except KeyboardInterrupt:
            interrupted = True
            err.write("load: interrupted; stopping Locust and killing the run's jobs\n")
            fleet.procs[0].popen.send_signal(signal.SIGTERM)
            fleet.wait_all(timeout=30.0)
        head = fleet.procs[0]
        fleet.wait_all(timeout=30.0)
    raw = report.read_raw(work / "raw")
    cleanup = clean_up(client, raw.ledger, out)
    if raw.samples is None:
        err.write(
            f"load: Locust wrote no results (exit code {head.popen.returncode})\n{head.tail()}\n"
        )
        print_cleanup(cleanup, out)
        return ExitCode.NOT_RUN
    result = report.summarize(
        raw, cleanup, plan.slas, problem=problem, interrupted=interrupted
    )
    result.delivery = report.Delivery(
        asked_rate=plan.submit_rate,
        asked_users=0 if plan.shape else plan.users,
        accepted=accept_underdelivery,
    )
    report.print_summary(result, out)
    code = result.exit_code
    poll_ms = CLIENT_MODELS[plan.client_model] * 1000
    extra: dict[str, object] = {"target_id": target_key, "poll_interval_ms": poll_ms}
    if baseline is not None:
        changes = baseline.compare(report.rows(result), poll_ms)
        if compare.print_comparison(baseline, changes, out) and code == ExitCode.OK:
            code = ExitCode.FINDINGS
        extra["baseline"] = compare.to_json(baseline, changes)
        if reports:
            compare.write_html(baseline, changes, work)
    if reports:
        report.write_reports(result, raw, work, target=settings.target, extra=extra)
        out.write(f"load: reports in {work} (HTML: {work / LOAD_REPORT})\n")
    return code
