"""Results of one `check` run: read from the report plugin's JSON lines, summed up, rendered.

`linkis_harness.suite.plugin` writes one JSON object per finished test; this module turns those
events into per-family counts, the final table, the failure details (rule, curl reproducer,
response) and the machine-readable `results.json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.families import FAMILIES

__all__ = ["FAMILY_ORDER", "Outcome", "RunResults", "parse_events", "render_summary"]

# The order of the final table: the families as the suite declares them.
FAMILY_ORDER = tuple(FAMILIES)
_COLUMNS = ("passed", "failed", "accepted", "skipped")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One finished test as the plugin reported it."""

    nodeid: str
    family: str
    outcome: str  # passed | failed | error | skipped | accepted | xfailed
    duration: float
    violation: Mapping[str, Any] | None = None
    message: str = ""
    reproducer: Mapping[str, str] | None = None
    reason: str = ""

    @property
    def column(self) -> str:
        """The summary column this outcome is counted in."""
        if self.outcome in ("failed", "error"):
            return "failed"
        if self.outcome == "xfailed":
            return "skipped"
        return self.outcome

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Outcome:
        return cls(
            nodeid=str(event.get("nodeid", "")),
            family=str(event.get("family", "")),
            outcome=str(event.get("outcome", "")),
            duration=float(event.get("duration", 0.0)),
            violation=event.get("violation"),
            message=str(event.get("message", "")),
            reproducer=event.get("reproducer"),
            reason=str(event.get("reason", "")),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nodeid": self.nodeid,
            "family": self.family,
            "outcome": self.outcome,
            "duration": self.duration,
        }
        if self.violation is not None:
            data["violation"] = dict(self.violation)
        if self.reproducer is not None:
            data["reproducer"] = dict(self.reproducer)
        if self.message:
            data["message"] = self.message
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(slots=True)
class RunResults:
    """Everything the plugin reported, in arrival order."""

    outcomes: list[Outcome] = field(default_factory=list)
    teardown: dict[str, float] = field(default_factory=dict)
    collected: int | None = None
    pytest_exit: int | None = None

    def add_event(self, event: Mapping[str, Any]) -> Outcome | None:
        """Fold one plugin event in; return the Outcome when it was a test result."""
        kind = event.get("event")
        if kind == "collected":
            self.collected = int(event.get("total", 0))
        elif kind == "teardown":
            family = str(event.get("family", ""))
            self.teardown[family] = self.teardown.get(family, 0.0) + float(
                event.get("duration", 0.0)
            )
        elif kind == "finish":
            self.pytest_exit = int(event.get("exitstatus", 0))
        elif kind == "result":
            outcome = Outcome.from_event(event)
            self.outcomes.append(outcome)
            return outcome
        return None

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.column == "failed"]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per family: passed, failed, accepted, skipped; families in the table order."""
        table: dict[str, dict[str, int]] = {}
        for outcome in self.outcomes:
            row = table.setdefault(outcome.family, dict.fromkeys(_COLUMNS, 0))
            row[outcome.column] += 1
        order = {name: i for i, name in enumerate(FAMILY_ORDER)}
        return dict(sorted(table.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))

    def durations(self) -> dict[str, float]:
        """Seconds spent per family: its tests' setup and call, and its fixtures' teardown."""
        spent: dict[str, float] = dict(self.teardown)
        for outcome in self.outcomes:
            spent[outcome.family] = spent.get(outcome.family, 0.0) + outcome.duration
        return spent

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            **extra,
            "collected": self.collected,
            "families": self.counts(),
            "results": [o.to_json() for o in self.outcomes],
        }


def parse_events(lines: Iterable[str]) -> RunResults:
    """Build RunResults from the plugin's JSON lines (a torn last line is ignored)."""
    results = RunResults()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            results.add_event(event)
    return results


def progress_line(outcome: Outcome) -> str:
    """One terminal line for a finished test."""
    word = {
        "passed": "ok",
        "failed": "FAIL",
        "error": "ERROR",
        "skipped": "skip",
        "accepted": "accepted",
        "xfailed": "skip",
    }.get(outcome.outcome, outcome.outcome)
    name = outcome.nodeid.split("::", 1)[-1]
    line = f"  {word:<8} {outcome.family:<9} {name}"
    if outcome.column == "failed" and outcome.violation:
        line += f"  -- {outcome.violation.get('title', '')}"
    return line


def render_summary(
    results: RunResults, out: TextIO, *, wall: float | None = None, quiet: bool = False
) -> None:
    """Write the failure details (unless quiet: one line each) and the per-family table."""
    failures = results.failures
    if failures:
        out.write(f"\n{len(failures)} failure(s):\n")
        for number, outcome in enumerate(failures, start=1):
            _render_failure(number, outcome, out, quiet=quiet)
    accepted = [o for o in results.outcomes if o.outcome == "accepted"]
    if accepted and not quiet:
        out.write(f"\n{len(accepted)} accepted deviation(s) (known-quirks file):\n")
        for outcome in accepted:
            out.write(f"  {outcome.family:<9} {outcome.nodeid}: {outcome.reason}\n")
    out.write("\n")
    _render_table(results.counts(), out)
    totals = dict.fromkeys(_COLUMNS, 0)
    for row in results.counts().values():
        for key in _COLUMNS:
            totals[key] += row[key]
    verdict = "VIOLATIONS FOUND" if totals["failed"] else "all checks held"
    timing = f" in {wall:.1f}s" if wall is not None else ""
    out.write(
        f"\n{verdict}: {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['accepted']} accepted, {totals['skipped']} skipped{timing}\n"
    )


def _render_table(counts: Mapping[str, Mapping[str, int]], out: TextIO) -> None:
    header = ("family", *_COLUMNS)
    rows: list[Sequence[str]] = [header]
    rows += [
        (family, *(str(row[c]) for c in _COLUMNS)) for family, row in counts.items()
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(widths[i + 1]) for i, cell in enumerate(row[1:])
        ]
        out.write("  " + "  ".join(cells) + "\n")
        if index == 0:
            out.write("  " + "  ".join("-" * w for w in widths) + "\n")


def _render_failure(number: int, outcome: Outcome, out: TextIO, *, quiet: bool) -> None:
    violation = outcome.violation or {}
    title = (
        violation.get("title") or outcome.message.splitlines()[0:1] or ["(no message)"]
    )
    if isinstance(title, list):
        title = title[0] if title else ""
    out.write(f"\n{number}. [{outcome.family}] {outcome.nodeid}\n")
    rule = violation.get("check", outcome.family)
    operation = violation.get("operation")
    out.write(
        f"   broke:    [{rule}] {title}"
        + (f" ({operation})" if operation else "")
        + "\n"
    )
    if quiet:
        return
    detail = str(violation.get("detail") or "").strip()
    reproducer = outcome.reproducer or {}
    if reproducer.get("curl"):
        # The request/response the detail states is shown once, below, as the reproducer.
        detail = ("\n" + detail).split("\nrequest:", 1)[0].strip()
    if detail and detail != title:
        out.write(_indent("detail:   ", _clip(detail, 1500)))
    if reproducer.get("curl"):
        out.write(_indent("request:  ", reproducer["curl"]))
    if reproducer.get("response"):
        out.write(_indent("response: ", _clip(reproducer["response"], 800)))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def _indent(label: str, text: str) -> str:
    lines = text.splitlines() or [""]
    pad = " " * (3 + len(label))
    return (
        "   "
        + label
        + lines[0]
        + "\n"
        + "".join(f"{pad}{line}\n" for line in lines[1:])
    )


def write_results(path: Path, results: RunResults, **extra: Any) -> None:
    """Write results.json (machine-readable: counts per family and every test's outcome)."""
    path.write_text(
        json.dumps(results.to_json(**extra), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
