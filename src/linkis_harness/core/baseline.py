"""Holding a run against an earlier one (pure): load entries side by side, check violations diffed.

`load --baseline DIR/summary.json`: every operation and lifecycle entry of both runs, with its
rate, p50/p95/p99 and failures, and the change; a percentile regresses when it grew by more
than the threshold (and by more than `FLOOR_MS`, so a 3 ms → 4 ms status poll on a busy
machine is not a regression; for job_running/job_total by more than `FLOOR_MS` plus one poll
interval, since the client sees a state change only at its next poll). Entries with fewer than `MIN_SAMPLES` samples on either side, and
`log_rate` (higher is better) and `arrival_lag` (the generator's own lateness), are shown but
not judged.

`check --baseline DIR/results.json`: violations keyed by test and check, split into new, fixed
and unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from linkis_harness.errors import ConfigError

__all__ = [
    "FLOOR_MS",
    "MIN_SAMPLES",
    "PERCENTILES",
    "EntryChange",
    "ViolationDiff",
    "compare_entries",
    "diff_violations",
    "parse_share",
    "same_target",
    "summary_entries",
    "violation_keys",
]

PERCENTILES = ("p50", "p95", "p99")
FLOOR_MS = 50.0
MIN_SAMPLES = 5
_ENTRY_KEYS = ("name", "count", "failures", "per_s", *PERCENTILES)
# log_rate is lines per second (higher is better); arrival_lag measures the generator.
_UNJUDGED = ("log_rate", "arrival_lag")
# Lifecycle metrics the client times by polling: resolution one poll interval.
_POLLED = ("job_running", "job_total")


def parse_share(text: str, *, option: str = "--max-regression") -> float:
    """Parse `10%` or `0.1` into 0.1 (`ConfigError` otherwise)."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(
            f"{option}: expected a share such as 10% or 0.1, got {text!r}"
        )
    return value


def same_target(baseline: Mapping[str, Any], target_id: str) -> bool:
    """Say whether the baseline was measured against the same target."""
    return str(baseline.get("target_id") or baseline.get("target")) == target_id


def summary_entries(data: Any, source: str) -> list[dict[str, Any]]:
    """Return the entries of a load summary.json, checked for shape (else `ConfigError`)."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"--baseline {source}: not a load summary.json (no 'entries' list); "
            "pass the summary.json of an earlier `load --report-dir` run"
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(k in entry for k in _ENTRY_KEYS):
            raise ConfigError(
                f"--baseline {source}: entries[{index}] lacks one of {', '.join(_ENTRY_KEYS)}"
            )
    return entries


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One entry in both runs (either side None when the entry is in one run only)."""

    name: str
    base: Mapping[str, Any] | None
    now: Mapping[str, Any] | None
    regressions: tuple[str, ...]  # e.g. ("p95 +180%",)

    def change(self, key: str) -> float | None:
        """Relative change of one figure (None when not in both runs or from zero)."""
        if self.base is None or self.now is None:
            return None
        old, new = float(self.base[key]), float(self.now[key])
        return None if old == 0 else (new - old) / old


def _regressions(
    base: Mapping[str, Any], now: Mapping[str, Any], threshold: float, poll_ms: float
) -> tuple[str, ...]:
    if min(int(base["count"]), int(now["count"])) < MIN_SAMPLES:
        return ()
    if str(base["name"]).startswith(_UNJUDGED):
        return ()
    floor = FLOOR_MS
    if str(base["name"]).startswith(_POLLED):
        floor += (
            poll_ms  # seen only at the next poll: one interval of jitter run to run
        )
    found = []
    for key in PERCENTILES:
        old, new = float(base[key]), float(now[key])
        if new - old > max(threshold * old, floor):
            change = f"+{(new - old) / old:.0%}" if old else f"+{new - old:.0f}ms"
            found.append(f"{key} {change}")
    return tuple(found)


def compare_entries(
    base: Sequence[Mapping[str, Any]],
    now: Sequence[Mapping[str, Any]],
    threshold: float,
    *,
    poll_ms: float = 500.0,
) -> list[EntryChange]:
    """Pair the entries of two runs by name (operations first, like the summary).

    `poll_ms` is the clients' poll interval: job_running/job_total are only seen at a poll, so
    changes within one interval (plus `FLOOR_MS`) are not regressions.
    """
    old = {str(e["name"]): e for e in base}
    new = {str(e["name"]): e for e in now}
    names = sorted(old.keys() | new.keys(), key=lambda n: (not n.startswith("/"), n))
    changes = []
    for name in names:
        b, n = old.get(name), new.get(name)
        found = (
            _regressions(b, n, threshold, poll_ms)
            if b is not None and n is not None
            else ()
        )
        changes.append(EntryChange(name, b, n, found))
    return changes


def violation_keys(data: Any, source: str) -> dict[str, str]:
    """Key → description of every failed test in a check results.json (shape checked)."""
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ConfigError(
            f"--baseline {source}: not a check results.json (no 'results' list); "
            "pass the results.json of an earlier `check --report-dir` run"
        )
    keys: dict[str, str] = {}
    for item in results:
        if not isinstance(item, dict) or item.get("outcome") not in ("failed", "error"):
            continue
        violation = item.get("violation") or {}
        check = violation.get("check") or item.get("outcome")
        title = violation.get("title") or ""
        key = f"{item.get('nodeid')} [{check}] {title}".rstrip()
        keys[key] = str(violation.get("detail") or item.get("message") or "")[:200]
    return keys


@dataclass(frozen=True, slots=True)
class ViolationDiff:
    """Violations of this run against the baseline's."""

    new: dict[str, str]
    fixed: dict[str, str]
    unchanged: dict[str, str]


def diff_violations(base: Mapping[str, str], now: Mapping[str, str]) -> ViolationDiff:
    """Split violations into new, fixed and unchanged."""
    return ViolationDiff(
        new={k: v for k, v in now.items() if k not in base},
        fixed={k: v for k, v in base.items() if k not in now},
        unchanged={k: v for k, v in now.items() if k in base},
    )
