"""Results of one `check` run: read from the report plugin's JSON lines, summed up, rendered.

The linkis pytest plugin (`suite.events`) writes one JSON object per finished test; this module turns those
events into per-family counts, the final table, the failure details (rule, curl reproducer,
response) and the machine-readable `results.json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.families import FAMILIES

__all__ = [
    "FAMILY_ORDER",
    "NOT_APPLICABLE",
    "Outcome",
    "RunResults",
    "Verdict",
    "cli_reason",
    "parse_events",
    "render_summary",
]

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
    warning: str = (
        ""  # a security warning the check raised (it held, but this is a finding)
    )

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
            warning=str(event.get("warning", "")),
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
        if self.warning:
            data["security_warning"] = self.warning
        return data


@dataclass(slots=True)
class RunResults:
    """Everything the plugin reported, in arrival order."""

    outcomes: list[Outcome] = field(default_factory=list)
    teardown: dict[str, float] = field(default_factory=dict)
    collected: int | None = None
    pytest_exit: int | None = None
    cleanup: dict[str, Any] | None = None  # the suite's sweep of the run's jobs

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
        elif kind == "cleanup":
            self.cleanup = {k: v for k, v in event.items() if k != "event"}
        elif kind == "result":
            outcome = Outcome.from_event(event)
            self.outcomes.append(outcome)
            return outcome
        return None

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.column == "failed"]

    @property
    def warnings(self) -> list[Outcome]:
        """Checks that held but raised a security warning (a finding in every report)."""
        return [o for o in self.outcomes if o.warning]

    def not_run(self) -> list[dict[str, Any]]:
        """Return the checks that did not run, grouped by reason (largest group first).

        Skipped checks, and (when the suite ended early) checks collected but never reported.
        """
        groups: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            if outcome.column == "skipped" and not _not_applicable(outcome):
                reason = outcome.reason.strip() or "skipped (no reason given)"
                groups.setdefault(reason, []).append(outcome.nodeid)
        missing = (self.collected or 0) - len(self.outcomes)
        if missing > 0:
            groups.setdefault("the suite ended before these checks ran", []).extend(
                ["(not reported)"] * missing
            )
        return _grouped(groups)

    def not_applicable(self) -> list[dict[str, Any]]:
        """Return the checks with nothing to check here (e.g. rows of a job that has none)."""
        groups: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            if _not_applicable(outcome):
                reason = outcome.reason.strip().removeprefix(NOT_APPLICABLE)
                groups.setdefault(reason, []).append(outcome.nodeid)
        return _grouped(groups)

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
            "security_warnings": [
                {"nodeid": o.nodeid, "family": o.family, "warning": o.warning}
                for o in self.warnings
            ],
            "cleanup": self.cleanup,
            "collected": self.collected,
            "families": self.counts(),
            "results": [o.to_json() for o in self.outcomes],
        }


# A skip reason starting with this is not a gap in the run: the check has no subject here
# (a workload with no result rows, a release without the endpoint).
NOT_APPLICABLE = "not applicable: "


def _not_applicable(outcome: Outcome) -> bool:
    return outcome.column == "skipped" and outcome.reason.startswith(NOT_APPLICABLE)


def _grouped(groups: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {"reason": reason, "count": len(ids), "checks": ids}
        for reason, ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    ]


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


# The suite's pytest options and the `check` options that set them (same names without
# `--linkis-`, where check has one): a skip reason read through `check` names check's option.
_CLI_FLAGS = {
    "--linkis-target": "--target",
    "--linkis-user": "--user",
    "--linkis-password": "--password",
    "--linkis-token-code": "--token-code",
    "--linkis-token-user": "--token-user",
    "--linkis-peer-user": "--peer-user",
    "--linkis-peer-password": "--peer-password",
    "--linkis-proxy-rules": "--proxy-rules",
    "--linkis-token-rules": "--token-rules",
    "--linkis-profile": "--profile",
    "--linkis-workloads": "--workloads",
    "--linkis-quirks": "--quirks",
    "--linkis-seed": "--seed",
}
_PYTEST_FLAG = re.compile(r"--linkis-[a-z-]+")


def cli_reason(text: str) -> str:
    """Name `check`'s own options in a reason the suite wrote with its pytest options."""
    return _PYTEST_FLAG.sub(lambda m: _CLI_FLAGS.get(m.group(0), m.group(0)), text)


def for_cli(outcome: Outcome) -> Outcome:
    """Return the outcome as `check` shows it: reasons and warnings name check's options."""
    if not outcome.reason and not outcome.warning:
        return outcome
    return replace(
        outcome, reason=cli_reason(outcome.reason), warning=cli_reason(outcome.warning)
    )


def progress_line(outcome: Outcome) -> str:
    """One terminal line for a finished test (a skip with its reason)."""
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
    elif outcome.column == "skipped" and outcome.reason:
        line += f"  -- {outcome.reason}"
    if outcome.warning:
        line += f"  -- SECURITY WARNING: {outcome.warning}"
    return line


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a run showed, as every report states it.

    `problem` is set when the run could not be made or did not end (a usage error, Ctrl-C,
    a target that failed mid-run): such a run never says "held".
    """

    failed: int
    not_run: tuple[tuple[str, int], ...]
    warnings: int
    problem: str | None = None
    left_running: int = 0  # jobs of the run cleanup could not prove ended

    @classmethod
    def of(cls, results: RunResults, *, problem: str | None = None) -> Verdict:
        cleanup = results.cleanup or {}
        left = len(cleanup.get("left_running") or []) + (
            1 if cleanup.get("unreadable") else 0
        )
        return cls(
            failed=len(results.failures),
            not_run=tuple((g["reason"], g["count"]) for g in results.not_run()),
            warnings=len(results.warnings),
            problem=problem,
            left_running=left,
        )

    @property
    def complete(self) -> bool:
        """Every selected check ran to a verdict (none skipped, none left unreported)."""
        return self.problem is None and not self.not_run

    @property
    def skipped(self) -> int:
        return sum(count for _, count in self.not_run)

    @property
    def word(self) -> str:
        """`violations`, `not run`, `held, incomplete` or `held` (results.json's `verdict`)."""
        if self.failed:
            return "violations"
        if self.problem is not None:
            return "not run"
        if self.left_running:
            return "jobs left running"
        return "held" if self.complete else "held, incomplete"

    def headline(self) -> str:
        """Return the closing line's head: never "held" for a run that did not run."""
        if self.failed:
            head = "VIOLATIONS FOUND"
            if self.problem is not None:
                head += f" (and the run did not complete: {self.problem})"
        elif self.problem is not None:
            head = f"NOT RUN: {self.problem}"
        elif self.left_running:
            head = (
                "JOBS LEFT RUNNING: cleanup could not prove every job of this run ended "
                "(see the jobs line above)"
            )
        elif self.not_run:
            head = f"held, but {self.skipped} check(s) did not run"
        else:
            head = "all checks held"
        if self.warnings:
            head += f", {self.warnings} security warning(s)"
        return head

    def reasons(self) -> str:
        """Return the reasons checks did not run, grouped: `reason (N); reason (M)`."""
        return "; ".join(f"{reason} ({count})" for reason, count in self.not_run)


def render_summary(
    results: RunResults,
    out: TextIO,
    *,
    wall: float | None = None,
    quiet: bool = False,
    verdict: Verdict | None = None,
) -> None:
    """Write the failure details (unless quiet: one line each) and the per-family table."""
    verdict = verdict if verdict is not None else Verdict.of(results)
    failures = results.failures
    if failures:
        out.write(f"\n{len(failures)} failure(s):\n")
        for number, outcome in enumerate(failures, start=1):
            _render_failure(number, outcome, out, quiet=quiet)
    if results.warnings:
        out.write(f"\n{len(results.warnings)} security warning(s):\n")
        for outcome in results.warnings:
            out.write(f"  {outcome.family:<9} {outcome.nodeid}: {outcome.warning}\n")
    accepted = [o for o in results.outcomes if o.outcome == "accepted"]
    if accepted and not quiet:
        out.write(f"\n{len(accepted)} accepted deviation(s) (known-quirks file):\n")
        for outcome in accepted:
            out.write(f"  {outcome.family:<9} {outcome.nodeid}: {outcome.reason}\n")
    if verdict.not_run and not quiet:
        out.write(f"\n{verdict.skipped} check(s) did not run:\n")
        for reason, count in verdict.not_run:
            out.write(f"  {count:>4}  {reason}\n")
    if results.cleanup is not None:
        out.write("\n" + cleanup_line(results.cleanup) + "\n")
    inapplicable = sum(g["count"] for g in results.not_applicable())
    if inapplicable and not quiet:
        out.write(
            f"({inapplicable} check(s) had nothing to check here, e.g. result rows of a "
            "job that has none; counted as skipped in the table)\n"
        )
    out.write("\n")
    _render_table(results.counts(), out)
    totals = dict.fromkeys(_COLUMNS, 0)
    for row in results.counts().values():
        for key in _COLUMNS:
            totals[key] += row[key]
    timing = f" in {wall:.1f}s" if wall is not None else ""
    counts = (
        f"{totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['accepted']} accepted, {totals['skipped']} skipped{timing}"
    )
    if verdict.word == "held, incomplete":
        out.write(f"\n{verdict.headline()}: {verdict.reasons()} ({counts})\n")
    else:
        out.write(f"\n{verdict.headline()}: {counts}\n")


def cleanup_line(cleanup: Mapping[str, Any]) -> str:
    """Return one line on the run's jobs after cleanup (found by the run marker)."""
    if cleanup.get("unreadable"):
        return (
            f"jobs: cleanup could not read job history ({cleanup['unreadable']}); "
            "the run's jobs are not proven ended"
        )
    left = list(cleanup.get("left_running") or [])
    return (
        f"jobs: {cleanup.get('found', 0)} of this run in job history "
        f"(marker {cleanup.get('marker')}), killed at cleanup {cleanup.get('killed', 0)}, "
        f"left running {len(left)}" + (f": {', '.join(left)}" if left else "")
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


def write_results(
    path: Path,
    results: RunResults,
    *,
    verdict: Verdict | None = None,
    **extra: Any,
) -> None:
    """Write results.json (machine-readable: the verdict, what did not run, every outcome).

    `complete` is false when a check was skipped or the run did not end, and `not_run` lists
    the reasons, grouped, with the checks of each.
    """
    verdict = verdict if verdict is not None else Verdict.of(results)
    data = {
        "verdict": verdict.word,
        "headline": verdict.headline(),
        "complete": verdict.complete,
        "problem": verdict.problem,
        "not_run": results.not_run(),
        "not_applicable": results.not_applicable(),
        **results.to_json(**extra),
    }
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
