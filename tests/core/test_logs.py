"""Log paging: classification, buckets, page arithmetic, stitching, and the page/bucket checkers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.logcheck import check_buckets, check_pages
from linkis_harness.core.logs import (
    LogLevel,
    LogPage,
    buckets,
    classify,
    format_log_line,
    page_range,
    split_log,
)

TS = "2024-05-06 14:07:33.007"

# --- classification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level"),
    [
        (f"{TS} ERROR boom", LogLevel.ERROR),
        (f"{TS} SYSTEM-ERROR boom", LogLevel.ERROR),
        (
            "2024/05/06 14:07:33.007 ERROR slashes are allowed for plain ERROR",
            LogLevel.ERROR,
        ),
        (f"{TS} WARN careful", LogLevel.WARN),
        (f"{TS} SYSTEM-WARN careful", LogLevel.WARN),
        (f"{TS} INFO hi", LogLevel.INFO),
        (f"{TS} SYSTEM-INFO hi", LogLevel.INFO),
        (f"prefix text {TS} ERROR unanchored", LogLevel.ERROR),
        ("2024-05-06 14:07:33 ERROR no millis", LogLevel.ERROR),
        ("2024-05-06 14:07:33,1 WARN comma separator", LogLevel.WARN),
        (f"{TS} ERROR", LogLevel.INFO),  # the space after the level is mandatory
        (f"{TS} error lower case", LogLevel.INFO),
        (
            "2024/05/06 14:07:33.007 SYSTEM-ERROR slashes not allowed with SYSTEM-",
            LogLevel.INFO,
        ),
        ("2024-05-06 14:07:33\n1 ERROR dot is not a line terminator", LogLevel.INFO),
        (
            "2024-05-06 14:07:33.٠٠٧ ERROR arabic digits are not \\d in Java",
            LogLevel.INFO,
        ),
        ("    at org.apache.linkis.Frame(Frame.java:12)", LogLevel.INFO),
        (f"{TS} WARN then {TS} ERROR later", LogLevel.ERROR),
        ("", None),
        ("   \t", None),
    ],
)
def test_classify(line: str, level: LogLevel | None) -> None:
    assert classify(line) is level


def test_format_log_line_uses_the_minute_as_millis() -> None:
    ts = datetime(2024, 5, 6, 14, 7, 33, 999000)
    line = format_log_line(ts, "INFO", "Your job is Running now.")
    assert line == "2024-05-06 14:07:33.007 INFO Your job is Running now."
    assert classify(format_log_line(ts, "SYSTEM-ERROR", "x")) is LogLevel.ERROR


def test_format_log_line_refuses_unknown_levels() -> None:
    with pytest.raises(
        ValueError, match="log level 'DEBUG': expected one of ERROR, INFO"
    ):
        format_log_line(datetime(2024, 1, 1), "DEBUG", "x")


# --- page arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "from_line", "size", "expected"),
    [
        (250, None, None, (0, 100)),
        (250, 100, None, (100, 200)),
        (250, 200, None, (200, 250)),
        (250, -5, 10, (0, 10)),
        (250, 10, 0, (10, 10)),
        (250, 0, -1, (0, 250)),
        (20000, 0, -3, (0, 10000)),
        (250, 250, 10, (250, 250)),
        (250, 300, 10, (300, 300)),
        (0, None, None, (0, 0)),
    ],
)
def test_page_range(
    total: int, from_line: int | None, size: int | None, expected: tuple[int, int]
) -> None:
    assert page_range(total, from_line, size) == expected


# --- buckets ---------------------------------------------------------------------------------


def test_buckets_sort_lines_and_drop_blank_and_excluded() -> None:
    lines = [
        f"{TS} INFO start",
        "",
        f"{TS} ERROR bad",
        "    at Frame(1)",
        f"{TS} WARN com.netflix.eureka chatter",
        f"{TS} ERROR com.netflix.eureka failed",
        "  ",
        f"{TS} WARN careful",
    ]
    error, warn, info, every = buckets(lines)
    assert error == f"{TS} ERROR bad\n{TS} ERROR com.netflix.eureka failed"
    assert warn == f"{TS} WARN careful"
    assert info == f"{TS} INFO start\n    at Frame(1)"
    assert every.split("\n") == [lines[0], lines[2], lines[3], lines[5], lines[7]]
    assert not every.endswith("\n")


def test_buckets_of_nothing_are_empty_strings() -> None:
    assert buckets([]) == ("", "", "", "")
    assert buckets(["", " "]) == ("", "", "", "")


def test_buckets_exclude_is_configurable() -> None:
    lines = [f"{TS} INFO com.netflix x", f"{TS} INFO secret y", f"{TS} INFO z"]
    assert (
        buckets(lines, exclude=("secret", ""))[3]
        == f"{TS} INFO com.netflix x\n{TS} INFO z"
    )


def test_split_log() -> None:
    assert split_log("") == []
    assert split_log("a\n\nb") == ["a", "", "b"]


# --- a reference server and a following client -----------------------------------------------

Server = Callable[[Sequence[str], int | None, int | None], LogPage]


def faithful(lines: Sequence[str], from_line: int | None, size: int | None) -> LogPage:
    start, end = page_range(len(lines), from_line, size)
    return LogPage(from_line, size, end, buckets(lines[start:end]))


def follow(
    server: Server, lines: Sequence[str], sizes: Sequence[int | None]
) -> list[LogPage]:
    pages: list[LogPage] = []
    from_line: int | None = None
    for size in [*sizes, -1, 5]:
        page = server(lines, from_line, size)
        pages.append(page)
        from_line = page.next_from_line
    return pages


KINDS = (
    "info",
    "warn",
    "error",
    "sys-error",
    "untagged",
    "blank",
    "netflix",
    "netflix-error",
)


def render(kind: str, i: int) -> str:
    return {
        "info": f"{TS} INFO step {i}",
        "warn": f"{TS} WARN slow {i}",
        "error": f"{TS} ERROR failed {i}",
        "sys-error": f"{TS} SYSTEM-ERROR failed {i}",
        "untagged": f"    at Frame({i})",
        "blank": "",
        "netflix": f"{TS} INFO com.netflix.discovery {i}",
        "netflix-error": f"{TS} ERROR com.netflix.discovery {i}",
    }[kind]


logs = st.lists(st.sampled_from(KINDS), max_size=60).map(
    lambda kinds: [render(kind, i) for i, kind in enumerate(kinds)]
)
page_sizes = st.lists(
    st.one_of(st.none(), st.integers(min_value=-2, max_value=25)), max_size=12
)


@given(logs, page_sizes)
def test_following_from_line_stitches_back_to_the_full_log(
    lines: list[str], sizes: list[int | None]
) -> None:
    pages = follow(faithful, lines, sizes)
    stitched = [line for page in pages for line in split_log(page.log[3])]
    assert stitched == split_log(buckets(lines)[3])
    assert pages[-1].next_from_line == len(lines)
    assert check_pages(lines, pages, finished=True) == []
    for page in pages:
        assert check_buckets(page.log) == []


@given(logs, page_sizes, st.integers(min_value=0, max_value=30))
def test_pages_of_a_running_log_check_against_a_later_full_read(
    lines: list[str], sizes: list[int | None], cut: int
) -> None:
    early = lines[: min(cut, len(lines))]
    pages = follow(faithful, early, sizes)
    assert check_pages(lines, pages, finished=False) == []


def test_a_server_that_keeps_excluded_lines_is_accepted() -> None:
    lines = [render("info", 0), render("netflix", 1), render("warn", 2)]
    page = LogPage(None, None, 3, buckets(lines, exclude=()))
    assert check_pages(lines, [page], finished=True) == []


# --- defective servers -----------------------------------------------------------------------


def lose_last(lines: Sequence[str], from_line: int | None, size: int | None) -> LogPage:
    start, end = page_range(len(lines), from_line, size)
    return LogPage(from_line, size, end, buckets(lines[start : max(start, end - 1)]))


def duplicate(lines: Sequence[str], from_line: int | None, size: int | None) -> LogPage:
    page = faithful(lines, from_line, size)
    start, end = page_range(len(lines), from_line, size)
    return replace(page, next_from_line=end - 1) if end - start >= 2 else page


def overshoot(lines: Sequence[str], from_line: int | None, size: int | None) -> LogPage:
    page = faithful(lines, from_line, size)
    start, end = page_range(len(lines), from_line, size)
    requested = 100 if size is None else size
    return (
        replace(page, next_from_line=start + requested)
        if end - start < requested
        else page
    )


def wrong_bucket(
    lines: Sequence[str], from_line: int | None, size: int | None
) -> LogPage:
    page = faithful(lines, from_line, size)
    error, warn, info, every = page.log
    return replace(page, log=("", "\n".join(filter(None, [warn, error])), info, every))


TEN = [render("info", i) for i in range(10)]


def test_lost_lines_are_named() -> None:
    pages = follow(lose_last, TEN, [3, 3])
    found = check_pages(TEN, pages, finished=True)
    assert [v.title for v in found] == ["log lines lost"]
    assert (
        "line 2 (page 0), line 5 (page 1), line 9 (page 2) (of 10)" in found[0].detail
    )
    assert f"first lost line 2: {TEN[2]!r}" in found[0].detail
    assert found[0].check == "log"


def test_lost_blank_lines_are_not_losses() -> None:
    lines = [render("info", 0), "", render("info", 2), ""]
    assert check_pages(lines, follow(lose_last, lines, [2, 2]), finished=True) == []


def test_duplicated_lines_are_named() -> None:
    pages = follow(duplicate, TEN, [4, 4])
    found = check_pages(TEN, pages, finished=True)
    assert "log lines duplicated" in [v.title for v in found]
    dup = next(v for v in found if v.title == "log lines duplicated")
    assert "line 3 (pages 0, 1)" in dup.detail
    assert "line 6 (pages 1, 2)" in dup.detail
    assert "lost" not in " ".join(v.title for v in found)


def test_overshoot_past_the_data_is_named() -> None:
    pages = follow(overshoot, TEN, [4, 4, 4])
    found = check_pages(TEN, pages, finished=True)
    titles = [v.title for v in found]
    assert "fromLine past the end of the log" in titles
    past = next(v for v in found if v.title == "fromLine past the end of the log")
    assert (
        "page 2 (fromLine 8, size 4) returned fromLine 12; the full read has 10 lines"
        in past.detail
    )


def test_wrong_bucket_is_named() -> None:
    lines = [render("info", 0), render("error", 1), render("warn", 2)]
    page = wrong_bucket(lines, None, None)
    found = check_buckets(page.log)
    titles = [v.title for v in found]
    assert titles == [
        "log line missing from its bucket",
        "log line in the wrong bucket",
    ]
    assert "error bucket lacks 1 line(s) of all" in found[0].detail
    assert (
        f"warn bucket holds 1 line(s) of another level, e.g. ERROR line {lines[1]!r}"
        in found[1].detail
    )


@given(logs, page_sizes)
def test_lose_lines_fault_is_caught_whenever_a_kept_line_was_dropped(
    lines: list[str], sizes: list[int | None]
) -> None:
    pages = follow(lose_last, lines, sizes)
    dropped = [
        page.next_from_line - 1
        for page in pages
        if page.next_from_line > max(page.from_line or 0, 0)
    ]
    kept = [i for i in dropped if lines[i] and "INFO com.netflix" not in lines[i]]
    found = check_pages(lines, pages, finished=True)
    if kept:
        assert [v.title for v in found] == ["log lines lost"]
        for index in kept[:10]:
            assert f"line {index} (" in found[0].detail
    else:
        assert found == []


@given(logs, page_sizes)
def test_wrong_bucket_fault_is_caught_whenever_an_error_line_was_returned(
    lines: list[str], sizes: list[int | None]
) -> None:
    pages = follow(wrong_bucket, lines, sizes)
    caught = any(check_buckets(page.log) for page in pages)
    assert caught == any(classify(line) is LogLevel.ERROR for line in lines)


# --- the remaining cursor defects, built by hand ---------------------------------------------


def _page(
    from_line: int | None, size: int | None, nxt: int, lines: Sequence[str]
) -> LogPage:
    return LogPage(from_line, size, nxt, buckets(lines))


def test_backwards_from_line() -> None:
    pages = [_page(None, 5, 5, TEN[:5]), _page(5, 5, 3, [])]
    found = check_pages(TEN, pages, finished=False)
    assert [v.title for v in found] == ["fromLine went backwards"]
    assert "page 1 (fromLine 5, size 5) returned fromLine 3" in found[0].detail


def test_consuming_more_than_size() -> None:
    found = check_pages(TEN, [_page(0, 3, 5, TEN[:5])], finished=True)
    assert [v.title for v in found] == ["page consumed more lines than its size"]
    assert "moved fromLine 0 -> 5, 5 lines; size allows 3" in found[0].detail


def test_short_page_of_a_finished_log() -> None:
    found = check_pages(TEN, [_page(0, 5, 3, TEN[:3])], finished=True)
    assert [v.title for v in found] == ["page length wrong for a finished log"]
    assert "returned fromLine 3, expected 5 (10 lines in the log)" in found[0].detail
    assert check_pages(TEN, [_page(0, 5, 3, TEN[:3])], finished=False) == []


def test_returned_lines_beyond_the_last_from_line() -> None:
    found = check_pages(TEN, [_page(0, 5, 4, TEN[:5])], finished=False)
    assert [v.title for v in found] == ["page returned lines it did not consume"]
    assert "line 4 (page 0) (of 10)" in found[0].detail


def test_returned_lines_before_the_page_are_located() -> None:
    pages = [_page(None, 3, 3, TEN[:3]), _page(3, 3, 6, [TEN[0], *TEN[3:6]])]
    found = check_pages(TEN, pages, finished=True)
    assert [v.title for v in found] == ["log lines duplicated"]
    assert "line 0 (pages 0, 1)" in found[0].detail


def test_invented_text() -> None:
    found = check_pages(
        TEN, [_page(0, 2, 2, [TEN[0], "made up", TEN[1]])], finished=True
    )
    assert [v.title for v in found] == ["page returned text that is not in the log"]
    assert "1 line(s); first on page 0: 'made up'" in found[0].detail


def test_many_lost_lines_are_summarised() -> None:
    lines = [render("info", i) for i in range(30)]
    found = check_pages(lines, [_page(None, 30, 30, [])], finished=True)
    assert "line 9 (page 0) and 20 more (of 30)" in found[0].detail


def test_a_client_that_does_not_follow_is_refused() -> None:
    pages = [_page(None, 3, 3, TEN[:3]), _page(5, 3, 8, TEN[5:8])]
    with pytest.raises(
        ValueError, match="does not start at the previous page's fromLine 3"
    ):
        check_pages(TEN, pages, finished=True)


# --- bucket checker --------------------------------------------------------------------------


def test_bucket_line_not_in_all() -> None:
    found = check_buckets((f"{TS} ERROR ghost", "", "", f"{TS} INFO x"))
    assert [v.title for v in found] == [
        "bucket line not in all",
        "log line missing from its bucket",
    ]
    assert "error bucket has 1 line(s) missing from all" in found[0].detail


def test_blank_lines_in_buckets() -> None:
    found = check_buckets(
        ("", "", f"{TS} INFO a\n\n{TS} INFO b", f"{TS} INFO a\n\n{TS} INFO b")
    )
    assert [v.title for v in found] == ["blank line in a log bucket"]
    assert "buckets info, all hold blank lines" in found[0].detail


def test_untagged_lines_belong_to_info() -> None:
    assert check_buckets(("", "", "    at X", "    at X")) == []
    found = check_buckets(("", "    at X", "", "    at X"))
    assert [v.title for v in found] == [
        "log line in the wrong bucket",
        "log line missing from its bucket",
    ]


def test_order_within_a_page_is_not_judged() -> None:
    # Only loss, duplication and invention are findings; a reordered page loses nothing.
    assert check_pages(TEN, [_page(0, 2, 2, [TEN[1], TEN[0]])], finished=False) == []
