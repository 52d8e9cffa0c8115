"""After a load run: summarize its raw samples, evaluate the SLAs, write the reports.

Inputs are what the Locust processes left in `raw/`: `ledger.jsonl` (every job submitted,
seen finished or killed at stop; see `loadcleanup`) and `samples.json` (exact raw samples,
violations, users over time). The charts are drawn by `reports` (matplotlib), here in the
runner, never inside Locust.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.sla import Series, Sla, SlaResult, evaluate, percentile
from linkis_harness.errors import ExitCode
from linkis_harness.load import throughput
from linkis_harness.load.cleanup import Cleanup, Ledger, print_cleanup
from linkis_harness.reports.loadpage import write_load_report

__all__ = [
    "Raw",
    "Result",
    "print_summary",
    "read_raw",
    "summarize",
    "write_reports",
]


@dataclass
class Raw:
    ledger: Ledger
    samples: dict[str, Any] | None


def read_raw(directory: Path) -> Raw:
    """Read what the Locust processes wrote (samples is None when Locust wrote nothing).

    The exact samples come back from the master's stream (`samples.jsonl`, one
    `[name, value, at]` a line) into each entry's `values` and `times`.
    """
    samples_path = directory / "samples.json"
    samples = None
    if samples_path.exists():
        samples = json.loads(samples_path.read_text(encoding="utf-8"))
        if samples.get("stream"):
            _read_stream(directory / str(samples["stream"]), samples["entries"])
    return Raw(Ledger.read(directory / "ledger.jsonl"), samples)


def _read_stream(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    for entry in entries.values():
        entry["values"], entry["times"] = [], []
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                name, value, at = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            entry = entries.setdefault(
                name, {"values": [], "times": [], "failures": 0, "fail_times": []}
            )
            entry["values"].append(value)
            entry["times"].append(at)


# -- summary --------------------------------------------------------------------------------------


# A run delivering less than this share of the asked arrivals, less a slack of a few arrivals
# (the first ones wait for the pool to spawn), under-delivered.
DELIVERY_SHARE = 0.8
_SLACK = 2.0
_MIN_EXPECTED = 5.0  # fewer expected arrivals than this: too few to judge


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the run was asked to offer: arrivals per second (open model) or users (closed)."""

    asked_rate: float = 0.0  # 0: closed model
    asked_users: int = 0  # 0: not judged (a shape varies the users on purpose)
    accepted: bool = False  # --accept-underdelivery


@dataclass
class Result:
    duration_s: float
    series: dict[str, Series]
    times: dict[str, list[float]]
    users: list[tuple[float, int]]
    started: float
    violations: dict[str, dict[str, Any]]
    errors: list[dict[str, Any]]
    workers: dict[str, int]
    cleanup: Cleanup
    slas: list[SlaResult]
    problem: str | None
    interrupted: bool
    aborted: str | None
    budget_exhausted: bool = False
    delivery: Delivery | None = None

    @property
    def shortfall(self) -> str | None:
        """Say how the run fell short of the asked load (None: delivered, or not judged).

        A run cut short (interrupted, aborted, a problem) or stopped by --max-jobs is not
        judged: it was not meant to deliver the whole load.
        """
        asked = self.delivery
        if asked is None or self.interrupted or self.problem or self.aborted:
            return None
        if self.budget_exhausted:
            return None
        if asked.asked_rate > 0:
            submits = self.series.get("/entrance/submit")
            count = len(submits.values) if submits is not None else 0
            expected = asked.asked_rate * self.duration_s
            if expected < _MIN_EXPECTED or count >= DELIVERY_SHARE * expected - _SLACK:
                return None
            lag = [
                s
                for n, s in self.series.items()
                if n.startswith("arrival_lag") and s.values
            ]
            worst = max((percentile(s.values, 95) for s in lag), default=None)
            return (
                f"asked {asked.asked_rate:g} jobs/s, delivered "
                f"{count / self.duration_s:.1f} jobs/s ({count} submits in "
                f"{self.duration_s:.0f}s, {100 * count / expected:.0f}%)"
                + (
                    f", arrival_lag p95 {worst / 1000:.1f}s"
                    if worst is not None
                    else ""
                )
                + " (more users for the pool, or a higher --spawn-rate)"
            )
        if asked.asked_users > 0:
            peak = max((u for _, u in self.users), default=0)
            if peak < asked.asked_users:
                return (
                    f"asked {asked.asked_users} users, reached {peak} "
                    "(a higher --spawn-rate or a longer --run-time)"
                )
        return None

    @property
    def requests(self) -> int:
        return sum(len(s.values) for n, s in self.series.items() if n.startswith("/"))

    @property
    def failures(self) -> int:
        return sum(s.failures for s in self.series.values())

    @property
    def exit_code(self) -> int:
        if self.interrupted or self.problem:
            return ExitCode.NOT_RUN
        held = all(r.held for r in self.slas)
        left = self.cleanup.left_running or self.cleanup.unreadable
        if not held or self.violations or left or self.aborted:
            return ExitCode.FINDINGS
        if self.shortfall and not (self.delivery and self.delivery.accepted):
            return ExitCode.FINDINGS
        return ExitCode.OK


def summarize(
    raw: Raw,
    cleanup: Cleanup,
    slas: Sequence[Sla],
    *,
    problem: str | None,
    interrupted: bool,
) -> Result:
    samples = raw.samples or {}
    entries = samples.get("entries", {})
    series = {n: Series(n, e["values"], int(e["failures"])) for n, e in entries.items()}
    started = float(samples.get("started") or 0.0)
    duration = max(float(samples.get("stopped") or 0.0) - started, 0.001)
    return Result(
        duration_s=duration,
        series=series,
        times={n: e["times"] for n, e in entries.items()},
        users=[(float(t), int(u)) for t, u in samples.get("users", [])],
        started=started,
        violations=samples.get("violations", {}),
        errors=samples.get("errors", []),
        workers=samples.get("workers", {}),
        cleanup=cleanup,
        slas=evaluate(slas, series, duration_s=duration),
        problem=problem,
        interrupted=interrupted,
        aborted=samples.get("aborted"),
        budget_exhausted=bool(samples.get("budget_exhausted")),
    )


def _row(name: str, s: Series, duration: float) -> dict[str, Any]:
    values = s.values
    return {
        "name": name,
        "count": len(values),
        "failures": s.failures,
        "per_s": len(values) / duration,
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def rows(result: Result) -> list[dict[str, Any]]:
    """One row per entry: operations first, then lifecycle metrics (exact percentiles)."""
    names = sorted(result.series, key=lambda n: (not n.startswith("/"), n))
    return [
        _row(n, result.series[n], result.duration_s)
        for n in names
        if result.series[n].values
    ]


def _ms(value: float, name: str) -> str:
    if name.startswith("log_rate"):
        return f"{value:.0f}/s"
    return f"{value:.0f}ms" if value < 10_000 else f"{value / 1000:.1f}s"


def print_summary(result: Result, out: TextIO) -> None:
    """Write the end-of-run text: entries, violations, jobs, SLAs and the verdict."""
    out.write(
        f"\nrequests: {result.requests} in {result.duration_s:.1f}s "
        f"({result.requests / result.duration_s:.1f}/s), failures {result.failures}\n"
    )
    out.write(
        f"{'entry':<44} {'count':>7} {'fail':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}\n"
    )
    for row in rows(result):
        n = row["name"]
        out.write(
            f"{n[:44]:<44} {row['count']:>7} {row['failures']:>5} {_ms(row['p50'], n):>8} "
            f"{_ms(row['p95'], n):>8} {_ms(row['p99'], n):>8} {_ms(row['max'], n):>8}\n"
        )
    if result.violations:
        out.write("contract violations under load:\n")
        for key, info in sorted(
            result.violations.items(), key=lambda kv: -kv[1]["count"]
        ):
            out.write(
                f"  {info['count']:>6} x {key}\n         e.g. {info['example'][:300]}\n"
            )
    other = [
        e
        for e in result.errors
        if not str(e.get("error", "")).startswith("ContractViolation")
    ]
    if other:
        out.write("other failures:\n")
        for e in sorted(other, key=lambda e: -int(e["count"]))[:10]:
            out.write(
                f"  {e['count']:>6} x {e['method']} {e['name']}: {str(e['error'])[:200]}\n"
            )
    print_cleanup(result.cleanup, out)
    if result.budget_exhausted:
        out.write("job budget (--max-jobs) used up: users stopped submitting\n")
    shortfall = result.shortfall
    if shortfall:
        accepted = result.delivery is not None and result.delivery.accepted
        out.write(
            f"load under-delivered: {shortfall}"
            + (
                "; accepted (--accept-underdelivery)\n"
                if accepted
                else "; the SLAs above were measured under less load than asked "
                "(--accept-underdelivery accepts this)\n"
            )
        )
    if len(result.workers) > 1:
        shown = ", ".join(f"{n} samples" for n in sorted(result.workers.values()))
        out.write(f"workers reporting: {len(result.workers)} ({shown})\n")
    if result.slas:
        out.write(f"{'SLA':<36} {'observed':>12}  verdict\n")
        for r in result.slas:
            seen = r.sla.shown(r.observed) if r.observed is not None else "-"
            verdict = "held" if r.held else "BREACHED"
            note = f"  ({r.detail})" if r.observed is None else ""
            out.write(f"{r.sla.text:<36} {seen:>12}  {verdict}{note}\n")
    reasons = _reasons(result)
    verdict = "held" if not reasons else "; ".join(reasons)
    out.write(f"result: {verdict} (exit {int(result.exit_code)})\n")


def _reasons(result: Result) -> list[str]:
    reasons = []
    if result.interrupted:
        reasons.append("interrupted")
    if result.problem:
        reasons.append(result.problem)
    if result.aborted:
        reasons.append(f"aborted: {result.aborted}")
    breached = [r.sla.text for r in result.slas if not r.held]
    if breached:
        reasons.append(f"SLA breached: {', '.join(breached)}")
    if result.violations:
        reasons.append(
            f"{sum(v['count'] for v in result.violations.values())} contract violation(s)"
        )
    left = len(result.cleanup.left_running) + len(result.cleanup.unreadable)
    if left:
        reasons.append(f"{left} job(s) left running")
    if result.shortfall and not (result.delivery and result.delivery.accepted):
        reasons.append("under-delivered the asked load")
    return reasons


# -- files ----------------------------------------------------------------------------------------


def write_reports(
    result: Result,
    raw: Raw,
    directory: Path,
    *,
    target: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """summary.json, lifecycle.png and load-report.html (self-contained) next to Locust's reports."""
    cleanup = result.cleanup
    summary = {
        "target": target,
        "duration_s": result.duration_s,
        "requests": result.requests,
        "failures": result.failures,
        "entries": rows(result),
        "violations": result.violations,
        "workers": result.workers,
        "delivery": {
            "asked_rate": result.delivery.asked_rate if result.delivery else None,
            "asked_users": result.delivery.asked_users if result.delivery else None,
            "shortfall": result.shortfall,
            "accepted": bool(result.delivery and result.delivery.accepted),
        },
        "jobs": {
            "submitted": cleanup.submitted,
            "finished": dict(cleanup.finished),
            "killed_at_cleanup": cleanup.killed,
            "ended_after_stop": dict(cleanup.ended_after_stop),
            "left_running": len(cleanup.left_running) + len(cleanup.unreadable),
            "left_running_exec_ids": cleanup.left_running + cleanup.unreadable,
        },
        "slas": [
            {
                "sla": r.sla.text,
                "observed": r.observed,
                "shown": r.sla.shown(r.observed) if r.observed is not None else None,
                "held": r.held,
                "detail": r.detail,
            }
            for r in result.slas
        ],
        "aborted": result.aborted,
        "problem": result.problem,
        "exit_code": int(result.exit_code),
        "timeline": timeline(result),
        **(extra or {}),
    }
    jobs = throughput.job_times(directory / "raw" / "ledger.jsonl")
    flow = throughput.windows(
        raw.samples or {},
        jobs,
        start=result.started,
        duration=result.duration_s,
        width=_window(result),
    )
    summary["timeline"]["throughput"] = flow
    (directory / "summary.json").write_text(
        json.dumps(summary, indent=2), encoding="utf-8"
    )
    write_load_report(directory)


def _buckets(
    times: list[float], values: Sequence[float], start: float, width: float
) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {}
    for at, value in zip(times, values, strict=True):
        found.setdefault(int((at - start) // width), []).append(value)
    return found


def timeline(result: Result) -> dict[str, Any]:
    """Lifecycle percentiles per time window and users over time (seconds into the run)."""
    width = _window(result)
    lifecycle: dict[str, list[dict[str, float]]] = {}
    for family in ("job_running", "job_total"):
        names = [n for n in result.series if n.split(" ")[0] == family]
        times = [t for n in names for t in result.times[n]]
        values = [v for n in names for v in result.series[n].values]
        if not values:
            continue
        lifecycle[family] = [
            {
                "t": round((k + 0.5) * width, 3),
                "count": len(vs),
                "p50": percentile(vs, 50),
                "p95": percentile(vs, 95),
            }
            for k, vs in sorted(_buckets(times, values, result.started, width).items())
        ]
    users = [[round(t - result.started, 3), u] for t, u in result.users]
    return {"window_s": width, "lifecycle": lifecycle, "users": users}


def _window(result: Result) -> float:
    return max(result.duration_s / 30, 1.0)
