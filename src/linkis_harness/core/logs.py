"""The entrance `/log` endpoint's semantics (Linkis 1.4.0 LogReader.scala): line levels, page ranges, the four buckets.

Line model: a job log is a list of lines numbered from 0. A read consumes up to `size` lines from
`fromLine` and answers the next index, counting blank lines it does not show. The four-string
`log` array is `[error, warn, info, all]` (`LogReader.readArray`): blank lines are dropped,
non-ERROR lines containing an exclude keyword (`wds.linkis.log.exclude`, default `com.netflix`)
are dropped, untagged lines go to info. The simulator uses `page_range`, `buckets` and
`format_log_line` as its reference, so it and the checks (`core/logcheck.py`) agree on the
faithful path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "DEFAULT_EXCLUDE",
    "LEVEL_NAMES",
    "LogLevel",
    "LogPage",
    "buckets",
    "classify",
    "effective_size",
    "format_log_line",
    "is_excluded",
    "page_range",
    "read_lines",
    "split_log",
]

DEFAULT_EXCLUDE: tuple[str, ...] = ("com.netflix",)
DEFAULT_SIZE = 100
NEGATIVE_SIZE = 10000
LEVEL_NAMES = frozenset(
    {"INFO", "WARN", "ERROR", "SYSTEM-INFO", "SYSTEM-WARN", "SYSTEM-ERROR"}
)


class LogLevel(StrEnum):
    ERROR = "ERROR"
    WARN = "WARN"
    INFO = "INFO"


def _header(level: str) -> re.Pattern[str]:
    # LogReader's regexes, unanchored; Java's `.` stops at any line terminator and `\d` is ASCII.
    any_char = "[^\n\r\u0085\u2028\u2029]?"
    return re.compile(
        rf"[0-9\-]{{10}} [0-9:]{{8}}{any_char}\d{{0,3}} SYSTEM-{level} "
        rf"|[0-9\-/]{{10}} [0-9:]{{8}}{any_char}\d{{0,3}} {level} ",
        re.ASCII,
    )


_HEADERS = tuple((level, _header(level.value)) for level in LogLevel)


def classify(line: str) -> LogLevel | None:
    """Return the bucket level of a line: None for a blank line, INFO when untagged."""
    if not line.strip():
        return None
    for level, pattern in _HEADERS:
        if pattern.search(line):
            return level
    return LogLevel.INFO


def format_log_line(ts: datetime, level: str, text: str) -> str:
    """Render a Linkis log line; the "milliseconds" are the minute (`ss.mmm` format bug)."""
    if level not in LEVEL_NAMES:
        raise ValueError(
            f"log level {level!r}: expected one of {', '.join(sorted(LEVEL_NAMES))}"
        )
    return f"{ts:%Y-%m-%d %H:%M:%S}.{ts.minute:03d} {level} {text}"


def page_range(total: int, from_line: int | None, size: int | None) -> tuple[int, int]:
    """Return the `(start, end)` line indexes a read consumes; `end` is the answered fromLine.

    fromLine default 0, negative → 0; size default 100, negative → 10000, 0 → nothing. Past the
    end nothing is consumed and the (clamped) request fromLine is echoed.
    """
    start = max(from_line or 0, 0)
    return start, max(start, min(total, start + effective_size(size)))


def effective_size(size: int | None) -> int:
    """Return how many lines a read of `size` may consume (None 100, negative 10000)."""
    if size is None:
        return DEFAULT_SIZE
    return NEGATIVE_SIZE if size < 0 else size


def is_excluded(line: str, level: LogLevel, exclude: Sequence[str]) -> bool:
    """Say whether Linkis drops a non-blank line for an exclude keyword (ERROR lines stay)."""
    return level is not LogLevel.ERROR and any(k and k in line for k in exclude)


def buckets(
    lines: Sequence[str], *, exclude: Sequence[str] = DEFAULT_EXCLUDE
) -> tuple[str, str, str, str]:
    """Build the `[error, warn, info, all]` strings Linkis answers for consumed lines."""
    sorted_lines: dict[LogLevel, list[str]] = {level: [] for level in LogLevel}
    every: list[str] = []
    for line in lines:
        level = classify(line)
        if level is None or is_excluded(line, level, exclude):
            continue
        sorted_lines[level].append(line)
        every.append(line)
    error, warn, info = ("\n".join(sorted_lines[level]) for level in LogLevel)
    return error, warn, info, "\n".join(every)


def split_log(text: str) -> list[str]:
    r"""Split one `/log` answer's string into the lines the entrance joined; `""` is no lines.

    The entrance joins the lines it consumed with `\n` (`LogReader.readArray`/`read`), and a
    line it serves from its cache may itself hold a `\r` (`CacheLogWriter.write` splits what
    it is given on `\n` only): so an answer is split on `\n` only, never with
    `str.splitlines()`, to count the lines a read consumed.
    """
    return text.split("\n") if text else []


_LINE_END = re.compile(r"\r\n|\r|\n")


def read_lines(text: str) -> list[str]:
    r"""Split text into lines the way Linkis reads a log *file*: `BufferedReader.readLine`.

    Lines end at `\n`, `\r` or `\r\n` only (not at `\x0b`, `\x0c`, `\x1c`-`\x1e`, `\x85`,
    `\u2028`, `\u2029`, which `str.splitlines()` also splits on); a final line end adds no empty
    line. Used by the entrance when it serves a log from the file (`LogReader.readLog`,
    commons-io `LineIterator`) and by `openLog` (`StorageScriptFsReader`), so comparing what the
    entrance served with the file means reading both with this rule.
    """
    parts = _LINE_END.split(text)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


@dataclass(frozen=True, slots=True)
class LogPage:
    """One `/log` read: what was asked (None = parameter omitted) and what came back."""

    from_line: int | None
    size: int | None
    next_from_line: int
    log: tuple[str, str, str, str]
