"""`load --baseline DIR/summary.json`: this run's entries beside an earlier run's.

The baseline is read and checked before anything starts (missing, not JSON, wrong shape, or
another target: one line, exit 2; `--baseline-any-target` compares across targets anyway).
After the run every operation and lifecycle entry is printed with both runs' rate, p50/p95/p99
and failures and the change; a percentile past `--max-regression` makes the run exit 1. The
comparison also goes into summary.json (`baseline`) and `baseline-report.html`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.baseline import (
    FLOOR_MS,
    PERCENTILES,
    EntryChange,
    compare_entries,
    parse_share,
    same_target,
    summary_entries,
)
from linkis_harness.errors import ConfigError

__all__ = [
    "BASELINE_REPORT",
    "EMBEDDED",
    "Baseline",
    "print_comparison",
    "read_baseline",
    "target_id",
    "to_json",
    "write_html",
]

EMBEDDED = "embedded simulator"
BASELINE_REPORT = "baseline-report.html"


def target_id(target: str | None) -> str:
    """Name a target across runs (the embedded simulator's port changes every run)."""
    return target or EMBEDDED


@dataclass(frozen=True, slots=True)
class Baseline:
    """An earlier run's summary and the threshold this run is held to."""

    path: Path
    data: dict[str, Any]
    entries: list[dict[str, Any]]
    threshold: float

    def compare(self, rows: list[dict[str, Any]], poll_ms: float) -> list[EntryChange]:
        """Pair this run's entries with the baseline's (`poll_ms`: this run's poll interval)."""
        theirs = float(self.data.get("poll_interval_ms") or poll_ms)
        return compare_entries(
            self.entries, rows, self.threshold, poll_ms=max(poll_ms, theirs)
        )


def read_baseline(
    path: Path, target: str, *, threshold: str, any_target: bool
) -> Baseline:
    """Read and check a baseline summary.json before the run (`ConfigError` otherwise)."""
    share = parse_share(threshold)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"--baseline {path}: cannot read it ({exc.strerror})"
        ) from None
    except ValueError as exc:
        raise ConfigError(f"--baseline {path}: not JSON ({exc})") from None
    entries = summary_entries(data, str(path))
    if not any_target and not same_target(data, target):
        theirs = data.get("target_id") or data.get("target")
        raise ConfigError(
            f"--baseline {path}: measured against {theirs}, this run targets {target}; "
            "pass --baseline-any-target to compare them anyway"
        )
    return Baseline(path, data, entries, share)


def _figure(entry: Any, key: str) -> str:
    if entry is None:
        return "-"
    value = float(entry[key])
    if key == "per_s":
        return f"{value:.2f}/s"
    if key == "failures":
        return str(int(value))
    if str(entry["name"]).startswith("log_rate"):
        return f"{value:.0f}/s"
    return f"{value:.0f}ms" if value < 10_000 else f"{value / 1000:.1f}s"


def _cell(change: EntryChange, key: str) -> str:
    rel = change.change(key)
    shift = f" ({rel:+.0%})" if rel is not None else ""
    return f"{_figure(change.base, key)}→{_figure(change.now, key)}{shift}"


def print_comparison(
    baseline: Baseline, changes: list[EntryChange], out: TextIO
) -> int:
    """Print both runs side by side; return the number of regressed entries."""
    out.write(
        f"\nbaseline {baseline.path} (max regression {baseline.threshold:.0%}, "
        f"changes under {FLOOR_MS:.0f}ms, or one poll interval more for job_running/"
        "job_total, not counted): baseline→now (change)\n"
    )
    for c in changes:
        cells = [_cell(c, k) for k in ("per_s", *PERCENTILES, "failures")]
        flag = f"  REGRESSED {', '.join(c.regressions)}" if c.regressions else ""
        out.write(f"  {c.name[:40]:<40} " + "  ".join(cells) + flag + "\n")
    regressed = [c for c in changes if c.regressions]
    verdict = (
        f"{len(regressed)} entr{'y' if len(regressed) == 1 else 'ies'} regressed past "
        f"{baseline.threshold:.0%}"
        if regressed
        else "no regression"
    )
    out.write(f"baseline: {verdict}\n")
    return len(regressed)


def to_json(baseline: Baseline, changes: list[EntryChange]) -> dict[str, Any]:
    """Return the comparison as summary.json's `baseline` section."""
    return {
        "path": str(baseline.path),
        "target": baseline.data.get("target_id") or baseline.data.get("target"),
        "max_regression": baseline.threshold,
        "entries": [
            {
                "name": c.name,
                "baseline": dict(c.base) if c.base else None,
                "now": dict(c.now) if c.now else None,
                "regressions": list(c.regressions),
            }
            for c in changes
        ],
        "regressed": sum(1 for c in changes if c.regressions),
    }


def write_html(baseline: Baseline, changes: list[EntryChange], directory: Path) -> Path:
    """baseline-report.html: both runs side by side, regressions marked."""
    e = html.escape
    head = ["entry", "rate/s", *PERCENTILES, "failures", "regressed"]
    rows = []
    for c in changes:
        cells = [e(c.name)]
        cells += [e(_cell(c, k)) for k in ("per_s", *PERCENTILES, "failures")]
        cells.append(e(", ".join(c.regressions)))
        style = " style='background:#fdd'" if c.regressions else ""
        rows.append(f"<tr{style}>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Baseline</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>This run against {e(str(baseline.path))}</h1>"
        f"<p>baseline → now (change); max regression {baseline.threshold:.0%}</p><table><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    path = directory / BASELINE_REPORT
    path.write_text(page, encoding="utf-8")
    return path
