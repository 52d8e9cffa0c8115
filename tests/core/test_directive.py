"""The `linkis-sim:` directive and the engine log model it drives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.directive import (
    MAX_COUNTS,
    MAX_SECONDS,
    Directive,
    engine_line,
    engine_line_count,
    engine_lines,
    engine_output_size,
    parse_directive,
)


def test_no_directive_gives_the_documented_defaults() -> None:
    directive = parse_directive("echo hello\n")
    assert directive == Directive(
        duration=1.0, queue=0.2, status="Succeed", rows=1, retries=0, lines=20
    )


def test_directive_is_read_from_a_comment_in_any_language() -> None:
    shell = parse_directive("echo a\n# linkis-sim: duration=2.5 rows=3 lines=50\n")
    sql = parse_directive("-- linkis-sim: status=Failed retries=2 queue=0\nselect 1")
    assert (shell.duration, shell.rows, shell.lines) == (2.5, 3, 50)
    assert (sql.status, sql.retries, sql.queue) == ("Failed", 2, 0.0)


def test_unknown_keys_and_unusable_values_are_ignored() -> None:
    directive = parse_directive(
        "# linkis-sim: colour=red duration=-1 rows=x status=Running lines=7"
    )
    assert directive == Directive(lines=7)


def test_only_the_first_directive_line_counts() -> None:
    directive = parse_directive("# linkis-sim: rows=2\n# linkis-sim: rows=9")
    assert directive.rows == 2


def test_engine_lines_follow_the_issue_format() -> None:
    lines = [engine_line(i, 20) for i in range(engine_output_size(20))]
    mains = [line for line in lines if line.level is not None]
    assert [line.text for line in mains][:2] == [
        "linkis-harness: log line 1 of 20",
        "linkis-harness: log line 2 of 20",
    ]
    levels = {line.engine_index: line.level for line in mains}
    assert levels[10] == levels[20] == "ERROR"
    assert levels[5] == levels[15] == "WARN"
    assert levels[7] == "INFO"
    continuation = lines[lines.index(mains[6]) + 1]  # after line 7
    assert continuation.text == "    at linkis.sim.Frame(7)"
    assert continuation.level is None
    blank = lines[lines.index(mains[12]) + 1]  # after line 13
    assert blank.text == ""
    assert blank.level is None
    assert len(lines) == 20 + 2 + 1


def test_a_line_that_is_both_7th_and_13th_gets_continuation_then_blank() -> None:
    start = engine_output_size(90)
    texts = [engine_line(start + i, 100).text for i in range(3)]
    assert texts == [
        "linkis-harness: log line 91 of 100",
        "    at linkis.sim.Frame(91)",
        "",
    ]


@given(st.integers(min_value=0, max_value=10**7))
def test_engine_line_count_inverts_output_size(count: int) -> None:
    size = engine_output_size(count)
    assert engine_line_count(size) == count
    assert (
        engine_line_count(size - 1) == count - 1 if count else engine_line_count(0) == 0
    )


@given(st.integers(min_value=0, max_value=5000))
def test_every_output_index_maps_to_the_engine_line_it_belongs_to(index: int) -> None:
    line = engine_line(index, 10**6)
    assert (
        engine_output_size(line.engine_index - 1)
        <= index
        < engine_output_size(line.engine_index)
    )


def test_hostile_values_are_clamped() -> None:
    directive = parse_directive(
        "# linkis-sim: duration=1e300 queue=inf rows=99999999999 retries=10000 lines=10000000000"
    )
    assert directive.duration == directive.queue == MAX_SECONDS
    assert (directive.rows, directive.retries, directive.lines) == (
        MAX_COUNTS["rows"],
        MAX_COUNTS["retries"],
        MAX_COUNTS["lines"],
    )
    assert parse_directive("# linkis-sim: rows=² duration=nan").rows == 1


def test_every_21st_continuation_is_a_progress_bar_holding_a_carriage_return() -> None:
    texts = [line.text for line in engine_lines(0, engine_output_size(42), 42)]
    bars = [text for text in texts if "\r" in text]
    assert bars == [
        "    progress 21: 50%\r    progress 21: 100%",
        "    progress 42: 50%\r    progress 42: 100%",
    ]
