"""The `linkis-sim:` directive: how a simulated job behaves, read from a comment in its code.

The simulator never runs the code it is given. A line anywhere in the code such as
`# linkis-sim: duration=2 rows=3 lines=50` (or `-- linkis-sim: ...` in SQL) sets the job's
behaviour; without one the defaults apply. Unknown keys and unusable values are ignored so a
workload written for a newer simulator still runs. The engine log model (which line is an ERROR,
where continuation and blank lines go) lives here too, so tests and the simulator agree on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

__all__ = [
    "DIRECTIVE_MARK",
    "MAX_COUNTS",
    "MAX_SECONDS",
    "TERMINAL_CHOICES",
    "Directive",
    "EngineLine",
    "engine_line",
    "engine_line_count",
    "engine_lines",
    "engine_output_size",
    "parse_directive",
]

DIRECTIVE_MARK = "linkis-sim:"
TERMINAL_CHOICES = ("Succeed", "Failed", "Timeout")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)")


@dataclass(frozen=True, slots=True)
class Directive:
    """What a job does: seconds Scheduled and Running, terminal state, result rows, retries, log lines."""

    duration: float = 1.0
    queue: float = 0.2
    status: str = "Succeed"
    rows: int = 1
    values: tuple[str, ...] = ()  # result values, one per row (`values=a,b,c`)
    retries: int = 0
    lines: int = 20


# Caps keep a hostile directive from planning a job past year 9999 or a log no page could hold.
MAX_SECONDS = 10_000_000.0
MAX_COUNTS = {"rows": 1_000_000, "retries": 100, "lines": 2_000_000}


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return min(value, MAX_SECONDS) if value >= 0 and value == value else None


def _count(text: str, cap: int) -> int | None:
    return min(int(text), cap) if text.isascii() and text.isdigit() else None


def parse_directive(code: str) -> Directive:
    """Read the first `linkis-sim:` line of `code`; defaults for anything absent or unusable.

    Values above `MAX_SECONDS` / `MAX_COUNTS` are clamped to them.
    """
    for line in code.splitlines():
        _, mark, rest = line.partition(DIRECTIVE_MARK)
        if mark:
            return _apply(Directive(), rest)
    return Directive()


def _apply(directive: Directive, text: str) -> Directive:
    changes: dict[str, object] = {}
    for key, value in _PAIR.findall(text):
        if key in ("duration", "queue"):
            seconds = _seconds(value)
            if seconds is not None:
                changes[key] = seconds
        elif key in ("rows", "retries", "lines"):
            count = _count(value, MAX_COUNTS[key])
            if count is not None:
                changes[key] = count
        elif key == "values" and value:
            changes[key] = tuple(value.split(",")[: MAX_COUNTS["rows"]])
        elif key == "status" and value in TERMINAL_CHOICES:
            changes[key] = value
    return replace(directive, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class EngineLine:
    """One line of the engine's output: `level` None for untagged and blank lines."""

    engine_index: int
    level: str | None
    text: str


def engine_output_size(count: int) -> int:
    """How many log lines the first `count` engine lines make (continuations and blanks included)."""
    return count + count // 7 + count // 13


def engine_line_count(size: int) -> int:
    """Count the complete engine lines within the first `size` output lines."""
    low, high = 0, size
    while low < high:
        mid = (low + high + 1) // 2
        if engine_output_size(mid) <= size:
            low = mid
        else:
            high = mid - 1
    return low


def engine_lines(start: int, stop: int, total: int) -> Iterator[EngineLine]:
    r"""Yield output lines `start` … `stop - 1` of an engine that emits `total` lines, in O(stop - start).

    Line k (1-based) is `linkis-harness: log line k of N` (what `shell-long-log` prints) at ERROR when k%10==0, WARN when k%5==0, else
    INFO; every 7th is followed by an untagged continuation `    at linkis.sim.Frame(k)` (every
    21st by a progress bar holding a `\r`: one line to the entrance, two in a file read with
    Java's line rule), every 13th by a blank line.
    """
    k = engine_line_count(start) + 1
    offset = start - engine_output_size(k - 1)
    for _ in range(start, stop):
        if offset == 0:
            level = "ERROR" if k % 10 == 0 else "WARN" if k % 5 == 0 else "INFO"
            yield EngineLine(k, level, f"linkis-harness: log line {k} of {total}")
        elif offset == 1 and k % 21 == 0:  # a progress bar: one line holding a \r
            yield EngineLine(k, None, f"    progress {k}: 50%\r    progress {k}: 100%")
        elif offset == 1 and k % 7 == 0:
            yield EngineLine(k, None, f"    at linkis.sim.Frame({k})")
        else:
            yield EngineLine(k, None, "")
        offset += 1
        if offset == 1 + (k % 7 == 0) + (k % 13 == 0):
            k, offset = k + 1, 0


def engine_line(index: int, total: int) -> EngineLine:
    """Return the `index`-th (0-based) output line of an engine that emits `total` lines."""
    return next(engine_lines(index, index + 1, total))
