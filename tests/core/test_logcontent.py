"""Content oracles: Linkis' line rule for files, numbered log lines, result values."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.directive import parse_directive
from linkis_harness.core.logcheck import check_numbered, numbered_counts
from linkis_harness.core.logs import read_lines, split_log
from linkis_harness.core.oracles import check_result_values
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError

TEXT = "linkis-harness: log line {n} of 5"


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\nb\n", ["a", "b"]),
        ("a\r\nb", ["a", "b"]),
        (
            "10%\r20%\r30%\n",
            ["10%", "20%", "30%"],
        ),  # a progress bar: three lines in a file
        ("a\x0cb\u2028c\x85d\x1ce\x0bf", ["a\x0cb\u2028c\x85d\x1ce\x0bf"]),
        ("a\n\nb", ["a", "", "b"]),
        ("", []),
        ("\n", [""]),
    ],
)
def test_read_lines_is_buffered_readers_rule(text: str, lines: list[str]) -> None:
    assert read_lines(text) == lines


def test_str_splitlines_would_disagree_where_java_does_not() -> None:
    line = "progress \x0c page\u2028break"
    assert read_lines(line) == [line]
    assert line.splitlines() != [line]


@given(st.lists(st.text(alphabet="ab \r\x0c\u2028", max_size=6), max_size=6))
def test_an_entrance_answer_splits_back_into_the_lines_it_joined(
    lines: list[str],
) -> None:
    if lines == [""]:
        return  # one blank line joins to "", which is no lines
    assert split_log("\n".join(lines)) == lines


def _lines(numbers: list[int]) -> list[str]:
    return [f"2024-01-01 00:00:00.000 INFO {TEXT.format(n=n)}" for n in numbers]


def test_every_numbered_line_once_holds() -> None:
    counts = numbered_counts(
        [*_lines([1, 2, 3, 4, 5]), 'echo "linkis-harness: log line $i of 5"'], TEXT
    )
    assert check_numbered(counts, TEXT, 5, where="x") == []


def test_a_missing_line_and_a_repeated_line_are_named() -> None:
    counts = numbered_counts(_lines([1, 2, 2, 4, 5]), TEXT)
    found = {v.title: v.detail for v in check_numbered(counts, TEXT, 5, where="pages")}
    assert set(found) == {"numbered log lines missing", "numbered log lines repeated"}
    assert "N = 3" in found["numbered log lines missing"]
    assert "N = 2" in found["numbered log lines repeated"]
    assert found["numbered log lines missing"].startswith("pages: ")


def test_line_5_is_not_line_50_and_an_invented_number_is_named() -> None:
    counts = numbered_counts([TEXT.format(n=50)], TEXT)
    assert counts == Counter({50: 1})
    titles = [v.title for v in check_numbered(counts, TEXT, 5, where="x")]
    assert "numbered log line the job never printed" in titles


def test_two_numbered_lines_in_one_cache_line_both_count() -> None:
    joined = TEXT.format(n=1) + "\r" + TEXT.format(n=2)
    assert numbered_counts([joined], TEXT) == Counter({1: 1, 2: 1})


def test_at_most_once_ignores_lines_not_read_yet() -> None:
    counts = numbered_counts(_lines([1, 2]), TEXT)
    assert check_numbered(counts, TEXT, 5, where="x", at_most_once=True) == []
    twice = numbered_counts(_lines([1, 1]), TEXT)
    assert check_numbered(twice, TEXT, 5, where="x", at_most_once=True)


BASE = {
    "name": "w",
    "engineType": "shell-1",
    "runType": "shell",
    "code": "echo",
}


def test_workload_declares_numbered_lines() -> None:
    numbered = {"text": "log line {n} of 20", "count": 20}
    workload = Workload.from_mapping(
        {**BASE, "expect": {"status": "Succeed", "within": 9, "numbered": numbered}},
        source="w.yaml",
    )
    assert workload.numbered == ("log line {n} of 20", 20)


@pytest.mark.parametrize(
    "numbered",
    [
        {"text": "no number", "count": 3},
        {"text": "{n} first", "count": 3},
        {"text": "x {n} {n}", "count": 3},
        {"text": "x {n}", "count": 0},
        {"text": "x {n}"},
        "x {n}",
    ],
)
def test_bad_numbered_declarations_name_the_key(numbered: object) -> None:
    with pytest.raises(ConfigError, match=r"expect\.numbered"):
        Workload.from_mapping(
            {
                **BASE,
                "expect": {"status": "Succeed", "within": 9, "numbered": numbered},
            },
            source="w.yaml",
        )


# -- result values -------------------------------------------------------------------------


def test_each_row_holds_its_declared_value_in_some_cell() -> None:
    rows = [["1", "row-1"], ["2", "row-2"], ["3", "row-3"]]
    assert check_result_values(rows, ("row-1", "row-2", "row-3")) == []
    assert check_result_values([[1], [2]], ("1", "2")) == []  # cells compare as text


def test_a_repeated_row_is_named_with_its_cells() -> None:
    rows = [["1", "row-1"], ["2", "row-2"], ["3", "row-2"]]
    (found,) = check_result_values(rows, ("row-1", "row-2", "row-3"))
    assert (found.check, found.title) == (
        "results",
        "result values differ from the workload's",
    )
    assert "row 3 ['3', 'row-2'] lacks 'row-3'" in found.detail


def test_workload_values_imply_their_row_count() -> None:
    expect = {"status": "Succeed", "within": 9, "rows": 2, "values": ["a", 2]}
    workload = Workload.from_mapping({**BASE, "expect": expect}, source="w.yaml")
    assert workload.values == ("a", "2")
    with pytest.raises(
        ConfigError, match=r"lists 2 value\(s\) but 'expect\.rows' is 3"
    ):
        Workload.from_mapping(
            {**BASE, "expect": {**expect, "rows": 3}}, source="w.yaml"
        )
    with pytest.raises(ConfigError, match=r"expect\.values"):
        Workload.from_mapping(
            {**BASE, "expect": {**expect, "values": []}}, source="w.yaml"
        )


def test_the_simulator_directive_carries_the_values() -> None:
    directive = parse_directive("# linkis-sim: rows=2 values=row-1,row-2\necho")
    assert directive.values == ("row-1", "row-2")
