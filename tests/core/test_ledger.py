"""The behaviour ledger: its format, its sources, and the fidelity guard.

The guard: a simulator behaviour an oracle depends on cites the ledger row it implements
(`ledger: <id>`), every cited id has a row with sources, every uncaught-exception answer the
simulator serves (`Responder.crash`) cites a row, and every accepted crash in `core.crash`
names a row that says Linkis throws.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from linkis_harness.core.crash import DOCUMENTED_CRASHES
from linkis_harness.core.families import FAMILIES
from linkis_harness.core.ledger import (
    LINES,
    Ledger,
    LedgerError,
    line_of,
    parse_rows,
    parse_span,
    rows_citing,
)
from linkis_harness.resources import data_dir
from linkis_harness.resources.ledger import load_ledger

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "linkis_harness"
MIRROR = Path("/work/.mirror/apache+linkis/repo")
_GOOD = {
    "id": "area.op.case",
    "what": "x",
    "answers": [
        {
            "lines": "1.0-1.8",
            "status": 1,
            "sources": [{"tag": "1.4.0", "file": "a/B.java", "line": 3}],
        }
    ],
}


def _with(**changes: object) -> dict[str, object]:
    row = dict(_GOOD)
    row.update(changes)
    return row


def _answer(**changes: object) -> dict[str, object]:
    answer = dict(_GOOD["answers"][0])  # type: ignore[index]
    answer.update(changes)
    return answer


def test_shipped_ledger_loads_from_the_data_dir() -> None:
    ledger = load_ledger()
    assert data_dir("ledger").is_dir()
    assert len(ledger) > 0
    for row in ledger:
        assert row.answers
        for answer in row.answers:
            assert answer.sources, row.id


def test_spans_name_release_lines() -> None:
    assert parse_span("1.0-1.4") == ("1.0", "1.1", "1.2", "1.4")
    assert parse_span("1.6") == ("1.6",)
    assert parse_span("1.0-1.8") == LINES
    for bad in ("1.3", "1.4-1.0", "2.0", "1.0-1.9", ""):
        with pytest.raises(LedgerError):
            parse_span(bad)


def test_versions_map_to_their_line() -> None:
    assert line_of("1.3.2") == "1.2"
    assert line_of("1.4.0") == "1.4"
    assert line_of("1.0") == "1.0"
    assert line_of("1.8") == "1.8"
    with pytest.raises(LedgerError):
        line_of("0.11")


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (_with(answers=[_answer(sources=[])]), "sources"),
        (_with(answers=[{"lines": "1.4", "status": 1}]), "sources"),
        (
            _with(answers=[_answer(sources=[{"tag": "9.9", "file": "a", "line": 1}])]),
            "tag",
        ),
        (_with(answers=[_answer(sources=[{"tag": "1.4.0", "file": "a"}])]), "line"),
        (
            _with(
                answers=[_answer(sources=[{"tag": "1.4.0", "file": "a", "line": 0}])]
            ),
            "line",
        ),
        (
            _with(
                answers=[_answer(sources=[{"tag": "1.4.0", "file": " ", "line": 2}])]
            ),
            "file",
        ),
        (_with(answers=[_answer(lines="1.4-1.0")]), "span"),
        (
            _with(answers=[_answer(lines="1.0-1.4"), _answer(lines="1.4-1.8")]),
            "two answers",
        ),
        (_with(answers=[]), "at least one answer"),
        (_with(id="noarea"), "<area>.<operation>.<case>"),
        (_with(answers=[_answer(message="(")]), "message"),
        (_with(probe={"method": "FETCH", "path": "/x"}), "probe method"),
        (_with(probe={"method": "GET", "path": "x"}), "must start with"),
    ],
)
def test_bad_rows_are_refused_with_the_reason(
    row: dict[str, object], words: str
) -> None:
    with pytest.raises(LedgerError, match=re.escape(words)):
        parse_rows([row], source="t.yaml")


def test_ids_are_unique_across_files() -> None:
    first = parse_rows([_GOOD], source="a.yaml")
    second = parse_rows([_GOOD], source="b.yaml")
    with pytest.raises(LedgerError, match=r"b\.yaml.*already used in a\.yaml"):
        Ledger([*first, *second])


def test_a_directory_with_a_bad_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("- id: a.b.c\n  answers: [{lines: 1.4}]\n")
    with pytest.raises(LedgerError, match="sources"):
        load_ledger(tmp_path)


def test_answers_compare_nested_data_and_messages() -> None:
    (row,) = parse_rows(
        [
            _with(
                answers=[
                    _answer(
                        http=400, message="^IOException", data={"errorMsg.errCode": 0}
                    )
                ]
            )
        ],
        source="t.yaml",
    )
    answer = row.answers[0]
    body = {
        "status": 1,
        "message": "IOException: x",
        "data": {"errorMsg": {"errCode": 0}},
    }
    assert answer.mismatches(400, body) == []
    assert answer.mismatches(200, body) == ["HTTP 200, expected 400"]
    wrong = {**body, "data": {"errorMsg": {"errCode": False}}}
    assert answer.mismatches(400, wrong) == [
        "data.errorMsg.errCode is False, expected 0"
    ]
    assert "data.errorMsg.errCode missing" in answer.mismatches(
        400, {"status": 1, "message": "IOException"}
    )


# -- the sources exist in the Linkis code -------------------------------------------------------


def _git_lines(tag: str, file: str) -> int | None:
    shown = subprocess.run(
        ["git", "-C", str(MIRROR), "show", f"refs/tags/{tag}:{file}"],
        capture_output=True,
        check=False,
    )
    return None if shown.returncode else shown.stdout.count(b"\n") + 1


@pytest.mark.skipif(
    not MIRROR.is_dir() or shutil.which("git") is None,
    reason="no Linkis source mirror on this machine (the sources are checked where it exists)",
)
def test_every_source_names_a_line_of_a_file_at_its_tag() -> None:
    files: dict[tuple[str, str], int | None] = {}
    wrong = []
    for row in load_ledger():
        for answer in row.answers:
            for source in answer.sources:
                key = (source.tag, source.file)
                if key not in files:
                    files[key] = _git_lines(*key)
                length = files[key]
                if length is None or source.line > length:
                    wrong.append(
                        f"{row.id}: {source} ({'no such file' if length is None else f'{length} lines'})"
                    )
    assert wrong == []


# -- the fidelity guard -------------------------------------------------------------------------


def _cited(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for row_id in rows_citing(line):
                found.setdefault(row_id, []).append(
                    f"{path.relative_to(ROOT)}:{number}"
                )
    return found


def test_every_cited_row_exists_and_has_sources() -> None:
    ledger = load_ledger()
    cited: dict[str, list[str]] = {}
    for folder in (PACKAGE, ROOT / "contract_tests"):
        for row_id, places in _cited(folder).items():
            cited.setdefault(row_id, []).extend(places)
    assert cited, "nothing cites the ledger"
    missing = {
        row_id: places for row_id, places in cited.items() if row_id not in ledger
    }
    assert missing == {}
    for row_id in cited:
        assert all(a.sources for a in ledger[row_id].answers)


def test_every_uncaught_answer_the_simulator_serves_cites_a_row() -> None:
    """`Responder.crash` is the simulator's uncaught exception: each call names the row it implements."""
    ledger = load_ledger()
    uncited = []
    for path in sorted((PACKAGE / "simulator").glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if ".crash(" not in line or line.lstrip().startswith("def "):
                continue
            window = "\n".join(lines[max(0, number - 6) : number + 1])
            if "faults." in window:
                continue  # a fault mode: the deviation a check must catch, not Linkis
            ids = [i for i in rows_citing(window) if i in ledger]
            if not ids:
                uncited.append(f"{path.relative_to(ROOT)}:{number}")
    assert uncited == []


def test_every_accepted_crash_in_core_cites_an_uncaught_row() -> None:
    ledger = load_ledger()
    for context, documented in DOCUMENTED_CRASHES.items():
        assert documented.ledger in ledger, context
        row = ledger[documented.ledger]
        assert any(a.uncaught for a in row.answers), (context, row.id)
        assert documented.exceptions, context


def test_checks_md_links_each_family_to_the_rows_it_relies_on() -> None:
    """Every row id docs/checks.md names exists; every row a family relies on is on its line."""
    ledger = load_ledger()
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    section = text.split("## The behaviour ledger rows each family relies on", 1)[1]
    table = section.split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z]+\.[\w{}.-]+\.[\w{}-]+)`", text))
    assert {
        n
        for n in named
        if n.split(".")[0]
        in {"filesystem", "entrance", "gateway", "user", "jobhistory"}
    } <= {row.id for row in ledger}
    lines = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| (\w+) \| (.*) \|$", table, re.MULTILINE)
    }
    missing = [
        f"{family}: {row.id}"
        for row in ledger
        for family in row.relied_on_by
        if family in FAMILIES and f"`{row.id}`" not in lines.get(family, "")
    ]
    assert missing == []


def test_an_uncaught_message_matches_across_lines_of_a_generated_path() -> None:
    # A generated path may hold a newline; Linkis echoes it into the message as it is.
    ledger = load_ledger()
    message = "operation failed(操作失败)s！the reason(原因)：IOException: path Jw\n±ê>%ó not exists."
    found = ledger.uncaught("GET", "/filesystem/openFile", message, line="1.4")
    assert found is not None
    assert found.row.id == "filesystem.openFile.missing-path"
