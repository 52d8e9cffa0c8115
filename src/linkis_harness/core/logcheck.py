"""Checkers for what a client read from `/log`: continuity across pages and the four buckets.

`check_pages` proves reads that followed fromLine lost, duplicated and invented nothing;
`check_buckets` proves one answer's `[error, warn, info, all]` agree with Linkis'
classification. The line model is `core/logs.py`'s.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from linkis_harness.core.logs import (
    DEFAULT_EXCLUDE,
    LogPage,
    buckets,
    classify,
    effective_size,
    is_excluded,
    page_range,
    split_log,
)
from linkis_harness.core.violation import Violation

__all__ = ["check_buckets", "check_numbered", "check_pages", "numbered_counts"]

_CHECK = "log"


def _lines_text(entries: Sequence[tuple[int, str]], total: int) -> str:
    shown = ", ".join(f"line {i}{extra}" for i, extra in entries[:10])
    more = f" and {len(entries) - 10} more" if len(entries) > 10 else ""
    return f"{shown}{more} (of {total})"


class _PageAudit:
    """Accumulates what each page consumed and returned, then names the defects."""

    def __init__(self, full_lines: Sequence[str], exclude: Sequence[str]) -> None:
        self.full = full_lines
        self.exclude = exclude
        self.where: dict[str, list[int]] = {}
        for index, line in enumerate(full_lines):
            self.where.setdefault(line, []).append(index)
        self.consumed: dict[int, int] = {}  # kept line index -> page that consumed it
        self.returned: dict[int, list[int]] = {}
        self.foreign: list[tuple[int, str]] = []

    def kept(self, line: str) -> bool:
        level = classify(line)
        return level is not None and not is_excluded(line, level, self.exclude)

    def locate(self, text: str, start: int, stop: int) -> int | None:
        def distance(j: int) -> tuple[int, int]:
            if start <= j < stop:
                return (0, 0)
            return (start - j, 1) if j < start else (j - stop + 1, 0)

        candidates = self.where.get(text)
        return min(candidates, key=distance) if candidates else None

    def read(self, number: int, start: int, stop: int, all_text: str) -> None:
        expected = [i for i in range(start, stop) if self.kept(self.full[i])]
        for index in expected:
            self.consumed[index] = number
        actual = [line for line in split_log(all_text) if self.kept(line)]
        matcher = SequenceMatcher(
            None, [self.full[i] for i in expected], actual, autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for k in range(i1, i2):
                    self.returned.setdefault(expected[k], []).append(number)
                continue
            for text in actual[j1:j2]:
                where = self.locate(text, start, stop)
                if where is None:
                    self.foreign.append((number, text))
                else:
                    self.returned.setdefault(where, []).append(number)

    def _line_defects(self) -> tuple[tuple[str, str, list[tuple[int, str]], str], ...]:
        """Lines lost, returned twice, or returned from outside their page's range."""
        returned = sorted(self.returned.items())
        lost = [
            (i, f" (page {p})")
            for i, p in sorted(self.consumed.items())
            if i not in self.returned
        ]
        twice = [
            (i, f" (pages {', '.join(map(str, pages))})")
            for i, pages in returned
            if len(pages) > 1
        ]
        unconsumed = [
            (i, f" (page {pages[0]})")
            for i, pages in returned
            if len(pages) == 1 and i not in self.consumed
        ]
        first = (
            f"; first lost line {lost[0][0]}: {self.full[lost[0][0]][:120]!r}"
            if lost
            else ""
        )
        return (
            ("log lines lost", "consumed but never returned", lost, first),
            ("log lines duplicated", "returned more than once", twice, ""),
            (
                "page returned lines it did not consume",
                "outside the fromLine ranges",
                unconsumed,
                "",
            ),
        )

    def findings(self) -> list[Violation]:
        total = len(self.full)
        found = [
            Violation(_CHECK, title, f"{lead}: {_lines_text(entries, total)}{tail}")
            for title, lead, entries, tail in self._line_defects()
            if entries
        ]
        if self.foreign:
            page, text = self.foreign[0]
            found.append(
                Violation(
                    _CHECK,
                    "page returned text that is not in the log",
                    f"{len(self.foreign)} line(s); first on page {page}: {text[:120]!r}",
                )
            )
        return found


def _describe(number: int, page: LogPage) -> str:
    return f"page {number} (fromLine {page.from_line}, size {page.size})"


def _cursor(
    number: int, page: LogPage, total: int, *, finished: bool
) -> tuple[list[Violation], int | None]:
    """Check one page's returned fromLine; return the violations and where its data stops."""
    start, end = page_range(total, page.from_line, page.size)
    nxt = page.next_from_line
    name = _describe(number, page)
    if nxt < start:
        return [
            Violation(
                _CHECK, "fromLine went backwards", f"{name} returned fromLine {nxt}"
            )
        ], None
    found: list[Violation] = []
    allowed = effective_size(page.size)
    if nxt > total:
        found.append(
            Violation(
                _CHECK,
                "fromLine past the end of the log",
                f"{name} returned fromLine {nxt}; the full read has {total} lines",
            )
        )
    if nxt - start > allowed:
        found.append(
            Violation(
                _CHECK,
                "page consumed more lines than its size",
                f"{name} moved fromLine {start} -> {nxt}, {nxt - start} lines; size allows {allowed}",
            )
        )
    elif finished and nxt <= total and nxt != end:
        found.append(
            Violation(
                _CHECK,
                "page length wrong for a finished log",
                f"{name} returned fromLine {nxt}, expected {end} ({total} lines in the log)",
            )
        )
    return found, min(nxt, total)


def check_pages(
    full_lines: Sequence[str],
    pages: Sequence[LogPage],
    *,
    finished: bool,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
) -> list[Violation]:
    """Prove a sequence of reads that followed fromLine lost, duplicated and invented nothing.

    `full_lines`: the whole log from one `distinctLevel=false` read (see `split_log`), taken
    after the pages and under the same conditions (both while running, or both after the end).
    `finished=True` also requires every page to consume exactly what `page_range` says.
    Lines an exclude keyword may hide are not required (deployments configure the list).
    Raises ValueError when a page did not start at the previous page's fromLine.
    """
    audit = _PageAudit(full_lines, exclude)
    found: list[Violation] = []
    for number, page in enumerate(pages):
        if number and page.from_line != pages[number - 1].next_from_line:
            raise ValueError(
                f"{_describe(number, page)} does not start at the previous page's fromLine "
                f"{pages[number - 1].next_from_line}; check_pages needs a client that follows it"
            )
        violations, stop = _cursor(number, page, len(full_lines), finished=finished)
        found += violations
        if stop is not None:
            start, _ = page_range(len(full_lines), page.from_line, page.size)
            audit.read(number, start, stop, page.log[3])
    return found + audit.findings()


def _blank_lines(lines: Sequence[Sequence[str]]) -> list[Violation]:
    names = ("error", "warn", "info", "all")
    blanks = [
        name
        for name, bucket in zip(names, lines, strict=True)
        if any(not line.strip() for line in bucket)
    ]
    if not blanks:
        return []
    return [
        Violation(
            _CHECK,
            "blank line in a log bucket",
            f"buckets {', '.join(blanks)} hold blank lines",
        )
    ]


def _bucket_mismatch(
    name: str, have: Sequence[str], want: Sequence[str], every: Counter[str]
) -> list[Violation]:
    extra = Counter(have) - Counter(want)
    missing = Counter(want) - Counter(have)
    stray = [line for line in extra if line not in every]
    wrong = [line for line in extra if line in every and line.strip()]
    found: list[Violation] = []
    if stray:
        found.append(
            Violation(
                _CHECK,
                "bucket line not in all",
                f"{name} bucket has {len(stray)} line(s) missing from all, e.g. {stray[0][:120]!r}",
            )
        )
    if wrong:
        found.append(
            Violation(
                _CHECK,
                "log line in the wrong bucket",
                f"{name} bucket holds {len(wrong)} line(s) of another level, "
                f"e.g. {classify(wrong[0])} line {wrong[0][:120]!r}",
            )
        )
    if missing:
        found.append(
            Violation(
                _CHECK,
                "log line missing from its bucket",
                f"{name} bucket lacks {sum(missing.values())} line(s) of all, "
                f"e.g. {next(iter(missing))[:120]!r}",
            )
        )
    return found


def check_buckets(log: tuple[str, str, str, str]) -> list[Violation]:
    """Check one answer's `[error, warn, info, all]` agree with Linkis' classification."""
    lines = [split_log(text) for text in log]
    every = lines[3]
    found = _blank_lines(lines)
    expected = [split_log(text) for text in buckets(every, exclude=())[:3]]
    counted = Counter(every)
    for name, have, want in zip(
        ("error", "warn", "info"), lines[:3], expected, strict=True
    ):
        found += _bucket_mismatch(name, have, want, counted)
    return found


def _numbered_pattern(text: str) -> re.Pattern[str]:
    before, _, after = text.partition("{n}")
    # Digits right after the text before {n}, and no digit after them: line 5 is not line 50.
    return re.compile(re.escape(before) + r"(\d+)(?!\d)" + re.escape(after))


def numbered_counts(lines: Iterable[str], text: str) -> Counter[int]:
    """How often each number appears in `lines` where `text` has `{n}` (a line may hold several)."""
    pattern = _numbered_pattern(text)
    counts: Counter[int] = Counter()
    for line in lines:
        counts.update(int(m.group(1)) for m in pattern.finditer(line))
    return counts


def _numbers_text(numbers: Sequence[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def check_numbered(
    counts: Counter[int],
    text: str,
    count: int,
    *,
    where: str,
    at_most_once: bool = False,
) -> list[Violation]:
    """Each of the job's numbered lines 1..`count` appears exactly once in `where`.

    `counts` comes from `numbered_counts`. `at_most_once` checks only for duplicates and
    inventions (for reads that did not cover the whole log).
    """
    found: list[Violation] = []
    missing = [n for n in range(1, count + 1) if not counts[n]]
    twice = sorted(n for n, seen in counts.items() if seen > 1 and 1 <= n <= count)
    foreign = sorted(n for n in counts if not 1 <= n <= count)
    line = text.replace("{n}", "N")
    if missing and not at_most_once:
        found.append(
            Violation(
                _CHECK,
                "numbered log lines missing",
                f"{where}: {len(missing)} of the {count} lines {line!r} never appear: "
                f"N = {_numbers_text(missing)}",
            )
        )
    if twice:
        found.append(
            Violation(
                _CHECK,
                "numbered log lines repeated",
                f"{where}: {len(twice)} of the lines {line!r} appear more than once: "
                f"N = {_numbers_text(twice)}",
            )
        )
    if foreign:
        found.append(
            Violation(
                _CHECK,
                "numbered log line the job never printed",
                f"{where}: lines {line!r} with N outside 1..{count}: N = {_numbers_text(foreign)}",
            )
        )
    return found
