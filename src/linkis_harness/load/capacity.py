"""`load --find-capacity`: offer arrival rates step by step until the SLAs break, then bisect.

Each step is one open-model Locust run (one process, or a master and its workers) at one rate.
The runner watches the run's ledger live: after a warm-up it measures a window, and ends the step
(gracefully, through the `stop` file) once the backlog trend is clear or the step time is up.
Then every job of the step is killed or finished and checked in job history (the drain), so
one step's queue never spills into the next. The decisions are `core.capacity`'s.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.capacity import (
    ARRIVAL_SHORTFALL,
    GROWTH_SHARE,
    MIN_GROWTH,
    Search,
    StepFigures,
    backlog,
    growth,
    step_reasons,
)
from linkis_harness.core.sla import Kind, Series, Sla, SlaResult, evaluate
from linkis_harness.errors import ConfigError, ExitCode
from linkis_harness.load import procs, report
from linkis_harness.load.cleanup import Cleanup, clean_up
from linkis_harness.load.plan import LoadOptions, LoadPlan, parse_duration, parse_rate
from linkis_harness.safety import SafetyPolicy

__all__ = ["CapacityPlan", "Step", "capacity_plan", "run_search"]

MIN_WARMUP = 8.0  # seconds before the window opens (at least two job lifetimes)
MIN_WINDOW = 20.0  # seconds the window lasts at least (at least four job lifetimes)
POOL_MAX = 2000


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    """The search's own options."""

    start: float  # jobs/min
    max_rate: float  # jobs/min
    resolution: float
    max_time: float  # seconds for the whole search
    step_time: float  # seconds a step may last at most


def _fraction(text: str) -> float:
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise ConfigError(
            f"--resolution: expected a share such as 10% or 0.1, got {text!r}"
        )
    return value


def capacity_plan(plan: LoadPlan, o: LoadOptions) -> CapacityPlan:
    """Validate the search options and the SLAs it searches under (`ConfigError` otherwise)."""
    if not plan.slas:
        raise ConfigError(
            "--find-capacity needs at least one --sla, e.g. --sla 'p95(job_total)<30s'"
        )
    for sla in plan.slas:
        _check_observable(sla, plan)
    if plan.shape:
        raise ConfigError("--find-capacity sets the rate itself; drop --shape")
    start = plan.submit_rate * 60 if plan.submit_rate else 6.0
    max_rate = parse_rate(o.max_rate) * 60 if o.max_rate else 6000.0
    if max_rate < start:
        raise ConfigError(
            f"--max-rate {o.max_rate}: below the starting rate {start:g}/m"
        )
    return CapacityPlan(
        start=start,
        max_rate=max_rate,
        resolution=_fraction(o.resolution),
        max_time=parse_duration(o.max_time, option="--max-time"),
        step_time=parse_duration(o.step_time, option="--step-time"),
    )


def _check_observable(sla: Sla, plan: LoadPlan) -> None:
    if sla.kind is Kind.RPS:
        raise ConfigError(
            f"--sla {sla.text!r}: the search sets the request rate itself, so rps(...) "
            "cannot tell whether the target kept up; use a percentile or fail_ratio"
        )
    family = (sla.metric or "").split(":")[0]
    if family in ("kill", "/entrance/[execID]/kill") and not plan.kill_fraction:
        raise ConfigError(
            f"--sla {sla.text!r}: no job is killed during the search without --kill-fraction"
        )
    if family == "arrival_lag":
        raise ConfigError(
            f"--sla {sla.text!r}: arrival_lag measures the generator; the search checks "
            "that arrivals keep up by itself"
        )


# -- one step -----------------------------------------------------------------------------------


@dataclass
class _Watch:
    """The step's ledger as it grows: submit, dequeue (Running or ended) and end times."""

    path: Path
    submitted: dict[str, float] = field(default_factory=dict)
    dequeued: dict[str, float] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)
    _offset: int = 0

    def read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        for line in chunk[:end].splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._add(event)

    def _add(self, event: dict[str, Any]) -> None:
        exec_id, at = str(event.get("exec_id")), float(event.get("at") or 0.0)
        kind = event.get("event")
        if kind == "submitted":
            self.submitted[exec_id] = at
        elif kind in ("running", "finished"):
            self.dequeued.setdefault(exec_id, at)
            if kind == "finished":
                self.finished[exec_id] = at

    def lifetimes(self) -> list[float]:
        return [
            end - self.submitted[e]
            for e, end in self.finished.items()
            if e in self.submitted
        ]

    def growth(self, start: float, end: float) -> float:
        times = [start + k for k in range(int(end - start) + 1)]
        values = backlog(
            list(self.submitted.values()), list(self.dequeued.values()), times
        )
        return growth(times, values)

    def count(self, times: Sequence[float], start: float, end: float) -> int:
        return sum(1 for t in times if start <= t < end)


@dataclass
class Step:
    """One offered rate and what it showed."""

    rate_per_min: float
    figures: StepFigures
    slas: list[SlaResult]
    cleanup: Cleanup
    users: int
    lifetime_p50: float | None
    stopped_early: str | None = None

    @property
    def reasons(self) -> list[str]:
        found = step_reasons(self.figures)
        left = len(self.cleanup.left_running) + len(self.cleanup.unreadable)
        if left:
            found.append(f"{left} job(s) left running")
        return found

    @property
    def held(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        f = self.figures
        return {
            "rate_per_min": round(self.rate_per_min, 3),
            "verdict": "held" if self.held else "breached",
            "reasons": self.reasons,
            "throughput_per_min": round(f.throughput_per_min, 3),
            "arrived_per_min": round(f.arrived_per_min, 3),
            "backlog_growth": round(f.backlog_growth, 2),
            "backlog_limit": round(f.growth_limit, 2),
            "failures": f.failures,
            "window_s": round(f.window_s, 1),
            "users": self.users,
            "slas": {r.sla.text: r.observed for r in self.slas},
            "left_running": len(self.cleanup.left_running)
            + len(self.cleanup.unreadable),
            "stopped": self.stopped_early,
        }


@dataclass
class _Context:
    settings: Settings
    plan: LoadPlan
    cap: CapacityPlan
    work: Path
    policy: SafetyPolicy
    client: LinkisClient
    out: TextIO
    err: TextIO


def _pool(rate_per_min: float, lifetime: float, minimum: int) -> int:
    """Enough users that each can hold one job for three lifetimes at this rate."""
    need = math.ceil(rate_per_min / 60 * lifetime * 3) + 5
    return min(max(minimum, need), POOL_MAX)


def _decide(watch: _Watch, started: float, now: float) -> tuple[float, float] | None:
    """(window start, growth) once the window is long enough, else None."""
    lifetimes = watch.lifetimes()
    life = statistics.median(lifetimes) if len(lifetimes) >= 3 else None
    first = min(watch.submitted.values(), default=None)
    if first is None:
        return None
    warm = first + max(MIN_WARMUP, 2 * (life or MIN_WARMUP / 2))
    if now < warm + max(MIN_WINDOW, 4 * (life or 0.0)):
        return None
    return warm, watch.growth(warm, now)


def _watch_step(
    ctx: _Context, plan: LoadPlan, fleet: procs.Fleet, watch: _Watch
) -> tuple[float, str]:
    """Run until the backlog trend is clear (or the step time is up); return the window start."""
    head = fleet.procs[0]
    started = time.time()
    deadline = started + ctx.cap.step_time
    window_start, why = started + MIN_WARMUP, "step time up"
    while head.popen.poll() is None and time.time() < deadline:
        time.sleep(1.0)
        watch.read()
        decided = _decide(watch, started, time.time())
        if decided is None:
            continue
        window_start, grown = decided
        now = time.time()
        arrivals = watch.count(list(watch.submitted.values()), window_start, now)
        offered = plan.submit_rate * (now - window_start)
        if offered >= 5 and arrivals < (1 - ARRIVAL_SHORTFALL) * offered:
            why = "arrivals falling behind"
            break
        limit = max(MIN_GROWTH, GROWTH_SHARE * arrivals)
        if grown > 2 * limit:
            why = "backlog growing"
            break
        if grown < limit / 2:
            why = "steady"
            break
    return window_start, why


def _window_series(
    samples: dict[str, Any], start: float, end: float
) -> tuple[dict[str, Series], int]:
    series: dict[str, Series] = {}
    failures = 0
    for name, entry in (samples.get("entries") or {}).items():
        values = [
            v
            for v, t in zip(entry["values"], entry["times"], strict=True)
            if start <= t <= end
        ]
        series[name] = Series(name, values, int(entry["failures"]))
        failures += int(entry["failures"])
    return series, failures


def _run_step(ctx: _Context, index: int, rate: float, lifetime: float) -> Step:
    users = _pool(rate, lifetime, ctx.plan.users)
    plan = replace(
        ctx.plan,
        submit_rate=rate / 60,
        users=users,
        spawn_rate=float(users),
        run_time=ctx.cap.step_time + 30,
    )
    work = ctx.work / f"step-{index:02d}"
    work.mkdir(parents=True, exist_ok=True)
    watch = _Watch(work / "raw" / "ledger.jsonl")
    with procs.fleet() as fleet:
        procs.start(fleet, ctx.settings, plan, work, ctx.policy, reports=False)
        try:
            window_start, why = _watch_step(ctx, plan, fleet, watch)
        finally:
            (work / "raw").mkdir(parents=True, exist_ok=True)
            (work / "raw" / "stop").touch()
            fleet.wait_all(timeout=60.0)
    raw = report.read_raw(work / "raw")
    watch.read()
    end = float((raw.samples or {}).get("stopped") or time.time())
    cleanup = clean_up(ctx.client, raw.ledger, ctx.out)  # the drain
    return _step(ctx, rate, users, raw, watch, (window_start, end), cleanup, why)


def _step(
    ctx: _Context,
    rate: float,
    users: int,
    raw: report.Raw,
    watch: _Watch,
    window: tuple[float, float],
    cleanup: Cleanup,
    why: str,
) -> Step:
    start, end = window
    end = max(end, start + 1.0)
    series, failures = _window_series(raw.samples or {}, start, end)
    slas = evaluate(ctx.plan.slas, series, duration_s=end - start)
    breaches = tuple(r.sla.text for r in slas if r.observed is not None and not r.held)
    figures = StepFigures(
        rate_per_min=rate,
        window_s=end - start,
        arrivals=watch.count(list(watch.submitted.values()), start, end),
        finished=watch.count(list(watch.finished.values()), start, end),
        backlog_growth=watch.growth(start, end),
        failures=failures,  # over the whole step: contract violations fail requests too
        sla_breaches=breaches,
    )
    lifetimes = watch.lifetimes()
    return Step(
        rate_per_min=rate,
        figures=figures,
        slas=slas,
        cleanup=cleanup,
        users=users,
        lifetime_p50=statistics.median(lifetimes) if lifetimes else None,
        stopped_early=why,
    )


# -- the search ---------------------------------------------------------------------------------


def run_search(
    settings: Settings,
    plan: LoadPlan,
    cap: CapacityPlan,
    work: Path,
    policy: SafetyPolicy,
    client: LinkisClient,
    out: TextIO,
    err: TextIO,
    *,
    reports: bool,
) -> int:
    """Search the capacity; print the steps and the answer; write capacity.json and charts."""
    ctx = _Context(settings, plan, cap, work, policy, client, out, err)
    search = Search(start=cap.start, max_rate=cap.max_rate, resolution=cap.resolution)
    steps: list[Step] = []
    started = time.monotonic()
    out.write(
        f"capacity search: from {cap.start:g} jobs/min (x2, then bisect to "
        f"{cap.resolution:.0%}), max {cap.max_rate:g}/min, SLAs: "
        + ", ".join(s.text for s in plan.slas)
        + "\n"
    )
    stopped: str | None = None
    try:
        rate = search.next_rate()
        while rate is not None:
            if time.monotonic() - started > cap.max_time:
                stopped = "--max-time reached"
                break
            lifetime = max((s.lifetime_p50 or 0.0 for s in steps), default=0.0) or 10.0
            step = _run_step(ctx, len(steps) + 1, rate, lifetime)
            steps.append(step)
            search.record(rate, step.held)
            _print_step(step, out)
            rate = search.next_rate()
    except KeyboardInterrupt:
        stopped = "interrupted"
        err.write("load: capacity search interrupted; the jobs were cleaned up\n")
    result = _Result(search, steps, plan.slas, stopped)
    print_result(result, out)
    if reports:
        write_capacity(result, work, target=settings.target)
        out.write(f"load: capacity report in {work / 'capacity.json'}\n")
    return result.exit_code


@dataclass
class _Result:
    search: Search
    steps: list[Step]
    slas: Sequence[Sla]
    stopped: str | None

    @property
    def best(self) -> Step | None:
        best = self.search.best
        return next((s for s in self.steps if s.rate_per_min == best), None)

    @property
    def exit_code(self) -> int:
        if any(s.to_json()["left_running"] for s in self.steps):
            return ExitCode.FINDINGS
        if self.best is not None:
            return ExitCode.OK
        return ExitCode.NOT_RUN if self.stopped or not self.steps else ExitCode.FINDINGS


def _shown(step: Step) -> str:
    parts = [
        f"{r.sla.text.split('<')[0].split('>')[0].strip()} {r.sla.shown(r.observed)}"
        for r in step.slas
        if r.observed is not None
    ]
    return ", ".join(parts)


def _print_step(step: Step, out: TextIO) -> None:
    f = step.figures
    verdict = "held" if step.held else "BREACHED"
    out.write(
        f"step {step.rate_per_min:8.3g}/min: {verdict:<8} throughput {f.throughput_per_min:6.3g}/min,"
        f" backlog {f.backlog_growth:+.0f} (limit {f.growth_limit:.0f}), failures {f.failures}"
        f" [{_shown(step)}] ({step.stopped_early}, {f.window_s:.0f}s window, {step.users} users)"
        + (f": {'; '.join(step.reasons)}" if step.reasons else "")
        + "\n"
    )
    out.flush()


def print_result(result: _Result, out: TextIO) -> None:
    """Print the table of every step, then the one-line answer."""
    out.write(
        f"\n{'rate/min':>9} {'verdict':<9} {'thru/min':>9} {'backlog':>8} {'fail':>5}  "
        + "  ".join(f"{s.text:>22}" for s in result.slas)
        + "\n"
    )
    for step in sorted(result.steps, key=lambda s: s.rate_per_min):
        f = step.figures
        observed = {r.sla.text: r for r in step.slas}
        cells = [
            r.sla.shown(r.observed) if r.observed is not None else "-"
            for r in (observed[s.text] for s in result.slas)
        ]
        out.write(
            f"{step.rate_per_min:>9.4g} {'held' if step.held else 'BREACHED':<9} "
            f"{f.throughput_per_min:>9.4g} {f.backlog_growth:>+8.1f} {f.failures:>5}  "
            + "  ".join(f"{c:>22}" for c in cells)
            + "\n"
        )
    best = result.best
    note = f" ({result.stopped}: a lower bound)" if result.stopped else ""
    if best is None:
        out.write(
            "capacity: none: even the lowest rate breached"
            if result.steps
            else "capacity: not measured"
        )
        out.write(f"{note}\n")
    elif result.search.capped:
        out.write(
            f"capacity: >= {best.rate_per_min:.4g} jobs/min ({_shown(best)}): --max-rate "
            f"reached without a breach{note}\n"
        )
    else:
        out.write(
            f"capacity: {best.rate_per_min:.4g} jobs/min ({_shown(best)}){note}\n"
        )
    left = sum(s.to_json()["left_running"] for s in result.steps)
    out.write(f"jobs left running after the search: {left}\n")


def write_capacity(result: _Result, directory: Path, *, target: str | None) -> None:
    """capacity.json, capacity.png and capacity-report.html."""
    from linkis_harness.load import capacity_chart

    best = result.best
    data = {
        "target": target,
        "jobs_per_min": round(best.rate_per_min, 3) if best else None,
        "capped": result.search.capped,
        "stopped": result.stopped,
        "resolution": result.search.resolution,
        "slas": [s.text for s in result.slas],
        "steps": [s.to_json() for s in result.steps],
        "exit_code": int(result.exit_code),
    }
    (directory / "capacity.json").write_text(
        json.dumps(data, indent=2), encoding="utf-8"
    )
    capacity_chart.chart(data, directory / "capacity.png")
    capacity_chart.write_html(data, directory)
