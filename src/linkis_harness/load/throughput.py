"""Throughput over time: requests/s, jobs submitted and finished per second, failures, backlog.

Read from what the run left: the raw samples (every request's end time, and the times of the
failed ones) and the ledger (when each job was submitted, first seen Running, seen ending). The
backlog at a moment is the jobs submitted and not yet seen Running or ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkis_harness.core.capacity import backlog

__all__ = ["JobTimes", "job_times", "windows"]


@dataclass
class JobTimes:
    """Epoch seconds of every ledger event of the run, by kind."""

    submitted: list[float] = field(default_factory=list)
    dequeued: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)


def job_times(ledger: Path) -> JobTimes:
    """Read the ledger's submit, first-Running-or-ended and end times."""
    found = JobTimes()
    if not ledger.exists():
        return found
    seen: set[str] = set()
    for line in ledger.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        at, exec_id, kind = (
            float(event.get("at") or 0),
            str(event.get("exec_id")),
            event.get("event"),
        )
        if kind == "submitted":
            found.submitted.append(at)
        elif kind in ("running", "finished"):
            if exec_id not in seen:
                seen.add(exec_id)
                found.dequeued.append(at)
            if kind == "finished":
                found.finished.append(at)
    return found


def _count(times: list[float], start: float, width: float, n: int) -> list[int]:
    counts = [0] * n
    for at in times:
        k = int((at - start) // width)
        if 0 <= k < n:
            counts[k] += 1
    return counts


def windows(
    samples: dict[str, Any],
    jobs: JobTimes,
    *,
    start: float,
    duration: float,
    width: float,
) -> list[dict[str, float]]:
    """One row per window: t (mid, seconds into the run) and the rates and backlog in it."""
    n = max(int(duration // width) + 1, 1)
    entries = samples.get("entries") or {}
    requests = [
        t for name, e in entries.items() if name.startswith("/") for t in e["times"]
    ]
    failed = [t for e in entries.values() for t in e.get("fail_times", [])]
    per = {
        "requests_per_s": _count(requests, start, width, n),
        "submitted_per_s": _count(jobs.submitted, start, width, n),
        "finished_per_s": _count(jobs.finished, start, width, n),
        "failures_per_s": _count(failed, start, width, n),
    }
    ends = [start + (k + 1) * width for k in range(n)]
    queue = backlog(jobs.submitted, jobs.dequeued, ends)
    return [
        {
            "t": round((k + 0.5) * width, 3),
            **{key: round(values[k] / width, 3) for key, values in per.items()},
            "backlog": queue[k],
        }
        for k in range(n)
    ]
