"""`check --baseline DIR/results.json`: this run's violations against an earlier run's.

Violations are keyed by test node id, check and title (`core.baseline.violation_keys`); the run
lists the new, fixed and unchanged ones and exits 1 only when there is a new one. A baseline that
is missing, not a results.json, or from another target is one line and exit 2
(`--baseline-any-target` compares across targets anyway).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.baseline import (
    ViolationDiff,
    diff_violations,
    same_target,
    violation_keys,
)
from linkis_harness.errors import ConfigError

__all__ = ["EMBEDDED", "compare", "print_diff", "read_baseline", "target_id", "to_json"]

EMBEDDED = "embedded simulator"


def target_id(target: str | None) -> str:
    """Name a target across runs (the embedded simulator's port changes every run)."""
    return target or EMBEDDED


def read_baseline(path: Path, target: str, *, any_target: bool) -> dict[str, str]:
    """Read an earlier results.json: its violations by key (`ConfigError` when unusable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"--baseline {path}: cannot read it ({exc.strerror})"
        ) from None
    except ValueError as exc:
        raise ConfigError(f"--baseline {path}: not JSON ({exc})") from None
    keys = violation_keys(data, str(path))
    if not any_target and not same_target(data, target):
        theirs = data.get("target_id") or data.get("target")
        raise ConfigError(
            f"--baseline {path}: measured against {theirs}, this run targets {target}; "
            "pass --baseline-any-target to compare them anyway"
        )
    return keys


def compare(baseline: dict[str, str], results: dict[str, Any]) -> ViolationDiff:
    """Diff this run's violations (its results.json data) against the baseline's."""
    return diff_violations(baseline, violation_keys(results, "this run"))


def print_diff(diff: ViolationDiff, path: Path, out: TextIO) -> None:
    """List new, fixed and unchanged violations, new ones first."""
    out.write(
        f"\nbaseline {path}: {len(diff.new)} new, {len(diff.fixed)} fixed, "
        f"{len(diff.unchanged)} unchanged violation(s)\n"
    )
    for word, group in (
        ("NEW", diff.new),
        ("fixed", diff.fixed),
        ("unchanged", diff.unchanged),
    ):
        for key, detail in sorted(group.items()):
            out.write(f"  {word:<9} {key}" + (f": {detail}" if detail else "") + "\n")


def to_json(diff: ViolationDiff, path: Path) -> dict[str, Any]:
    """Return the diff as results.json's `baseline` section."""
    return {
        "path": str(path),
        "new": sorted(diff.new),
        "fixed": sorted(diff.fixed),
        "unchanged": sorted(diff.unchanged),
    }
