"""Result sets: a succeeded job with rows has `_N.dolphin` files, and paging returns exactly its rows.

Linkis 1.4.0 FsRestfulApi.java: `getDirFileTrees` lists one level under `resultLocation` (HDFS
order, so `_10.dolphin` sorts before `_2.dolphin`); `openFile` pages `.dolphin` rows, `totalPage` is
always 0, and clients page until an empty page (linkis-cli `resultHasNextPage`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.oracles import check_result_values
from linkis_harness.suite.lifecycle import FinishedJob, violation

pytestmark = pytest.mark.results

CHECK = "results"
_RESULT = re.compile(r"(?:.*_)?(\d+)\.dolphin")
PAGE_SIZE = 2  # small, so even a three-row result takes several pages
EXTRA_PAGES = 3  # pages tolerated past the expected rows before calling paging endless


def _result_files(answer: Answer) -> list[tuple[int, str]]:
    tree = answer.data.get("dirFileTrees") if answer.ok else None
    children = tree.get("children") if isinstance(tree, dict) else None
    found = []
    for child in children if isinstance(children, list) else []:
        name = child.get("name") if isinstance(child, dict) else None
        match = _RESULT.fullmatch(name) if isinstance(name, str) else None
        if match and isinstance(child.get("path"), str):
            found.append((int(match.group(1)), child["path"]))
    return sorted(found)


def _read_rows(
    client: LinkisClient, path: str, expected: int, exec_id: str | None
) -> list[Any]:
    rows: list[Any] = []
    limit = expected // PAGE_SIZE + 1 + EXTRA_PAGES
    for page in range(1, limit + 1):
        answer = client.open_file(path, page=page, page_size=PAGE_SIZE)
        content = answer.data.get("fileContent") if answer.ok else None
        if not isinstance(content, list):
            raise violation(
                CHECK,
                "result page unreadable",
                f"{path} page {page}: expected status 0 with a fileContent list",
                answer,
                operation="openFile",
                exec_id=exec_id,
            )
        if not content:
            return rows
        if len(content) > PAGE_SIZE:
            raise violation(
                CHECK,
                "result page larger than pageSize",
                f"{path} page {page} holds {len(content)} rows, pageSize {PAGE_SIZE}",
                answer,
                operation="openFile",
                exec_id=exec_id,
            )
        rows += content
    raise violation(
        CHECK,
        "result paging never ends",
        f"{path}: {limit} pages of {PAGE_SIZE} rows and still no empty page (expected {expected} rows)",
        answer,
        operation="openFile",
        exec_id=exec_id,
    )


def test_result_sets_hold_the_expected_rows(
    client: LinkisClient, finished: FinishedJob
) -> None:
    exec_id = finished.job.require(CHECK)
    workload = finished.workload
    if workload.rows is None or workload.rows == 0:
        pytest.skip(f"not applicable: {workload.name} expects no result rows")
    if finished.final_state != "Succeed":
        pytest.skip(
            f"{workload.name} ended {finished.final_state} (reported by the states checks)"
        )
    history = client.job_history(finished.task_id)
    task = history.data.get("task") if history.ok else None
    location = task.get("resultLocation") if isinstance(task, dict) else None
    if not isinstance(location, str) or not location:
        raise violation(
            CHECK,
            "succeeded job has no resultLocation",
            f"{workload.name} expects {workload.rows} rows",
            history,
            operation="jobhistory get",
            exec_id=exec_id,
        )
    listing = client.dir_file_trees(location)
    files = _result_files(listing)
    if not files:
        raise violation(
            CHECK,
            "no result set under resultLocation",
            f"{workload.name} expects {workload.rows} rows; no _N.dolphin file under {location}",
            listing,
            operation="getDirFileTrees",
            exec_id=exec_id,
        )
    rows = [
        row
        for _, path in files
        for row in _read_rows(client, path, workload.rows, exec_id)
    ]
    if len(rows) != workload.rows:
        raise violation(
            CHECK,
            "result sets hold the wrong number of rows",
            f"{workload.name}: {len(rows)} rows in {len(files)} result set(s), expected {workload.rows}",
            listing,
            operation="openFile",
            exec_id=exec_id,
        )
    for found in check_result_values(rows, workload.values or ()):
        raise violation(
            found.check,
            found.title,
            f"{workload.name}: {found.detail} (expect.values in {workload.source})",
            listing,
            operation="openFile",
            exec_id=exec_id,
        )
