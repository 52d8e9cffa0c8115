"""Accepted quirks: failures matching a known deviation (check + operation + pattern) are accepted.

Like schemathesis' `--baseline`: `--linkis-quirks FILE` (repeatable) names YAML files of
deviations a deployment is known to have, so they do not hide new ones.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from linkis_harness.core.families import FAMILIES
from linkis_harness.resources import yamltext

__all__ = ["Quirk", "load_quirks"]


@dataclass(frozen=True, slots=True)
class Quirk:
    """An accepted deviation: failures of `check` on `operation` whose text matches `pattern`."""

    check: str
    operation: str
    pattern: re.Pattern[str]
    reason: str
    source: str

    def matches(self, check: str, operation: str, text: str) -> bool:
        if self.check not in ("*", check):
            return False
        if self.operation != "*" and not fnmatch.fnmatchcase(operation, self.operation):
            return False
        return self.pattern.search(text) is not None


def load_quirks(path: Path) -> list[Quirk]:
    """Read a quirks file; raise `pytest.UsageError` naming the file and entry when it is wrong."""
    where = str(path)
    try:
        data = yamltext.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise pytest.UsageError(
            f"--linkis-quirks: cannot read {where}: {exc.strerror}"
        ) from None
    except yaml.YAMLError as exc:
        raise pytest.UsageError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return []
    entries = data.get("quirks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise pytest.UsageError(f"{where}: expected a mapping with a 'quirks' list")
    quirks = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise pytest.UsageError(f"{where}: quirk #{number}: expected a mapping")
        missing = [k for k in ("check", "reason") if not entry.get(k)]
        if missing:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: missing {', '.join(missing)}"
            )
        check = str(entry["check"])
        if check != "*" and check not in FAMILIES:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: unknown check {check!r}; expected one of {', '.join(FAMILIES)} or '*'"
            )
        try:
            pattern = re.compile(str(entry.get("pattern", "")))
        except re.error as exc:
            raise pytest.UsageError(
                f"{where}: quirk #{number}: bad pattern {entry.get('pattern')!r}: {exc}"
            ) from None
        quirks.append(
            Quirk(
                check=check,
                operation=str(entry.get("operation", "*")),
                pattern=pattern,
                reason=str(entry["reason"]),
                source=f"{path.name}#{number}",
            )
        )
    return quirks
