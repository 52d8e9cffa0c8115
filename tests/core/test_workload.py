"""Workloads: YAML → Workload, the submit body, and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from linkis_harness.core.directive import parse_directive
from linkis_harness.core.workload import PROFILES, Workload
from linkis_harness.errors import ConfigError
from linkis_harness.resources.workloads import load_workloads, select

GOOD: dict[str, Any] = {
    "name": "shell-quick",
    "engineType": "shell-1",
    "runType": "shell",
    "code": "# linkis-sim: duration=1 rows=3\necho hello\n",
    "expect": {"status": "Succeed", "within": 60, "rows": 3},
    "weight": 3,
    "profiles": ["smoke", "standard"],
}


def test_from_mapping_reads_every_field() -> None:
    workload = Workload.from_mapping(GOOD, source="w.yaml")
    assert (workload.name, workload.engine_type, workload.run_type) == (
        "shell-quick",
        "shell-1",
        "shell",
    )
    assert workload.expect_status == ("Succeed",)
    assert (workload.within, workload.rows, workload.weight) == (60.0, 3, 3)
    assert workload.profiles == ("smoke", "standard")
    assert workload.in_profile("smoke")
    assert not workload.in_profile("deep")
    assert not workload.runs_until_killed


def test_submit_body_is_the_1x_body_with_labels() -> None:
    workload = Workload.from_mapping(
        {**GOOD, "labels": {"jobRunningTimeout": 5}}, source="w.yaml"
    )
    body = workload.submit_body(user="alice")
    assert body["executionContent"] == {"code": GOOD["code"], "runType": "shell"}
    assert body["labels"] == {
        "engineType": "shell-1",
        "userCreator": "alice-IDE",
        "jobRunningTimeout": "5",
    }
    assert set(body["params"]["configuration"]) == {"startup", "runtime", "special"}


def test_status_list_and_cancelled() -> None:
    several = Workload.from_mapping(
        {**GOOD, "expect": {"status": ["Timeout", "Failed"], "within": 9}}, source="w"
    )
    assert several.expect_status == ("Timeout", "Failed")
    assert several.rows is None
    killed = Workload.from_mapping(
        {**GOOD, "expect": {"status": "Cancelled", "within": 9}}, source="w"
    )
    assert killed.runs_until_killed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "w.yaml: 'name' must be a non-empty string"),
        ({"colour": "red"}, "w.yaml: unknown key 'colour'"),
        ({"expect": "Succeed"}, "w.yaml: 'expect' must be a mapping"),
        (
            {"expect": {"status": "Succeeded", "within": 5}},
            "'expect.status' must be one of Cancelled, Failed, Succeed, Timeout",
        ),
        ({"expect": {"status": "Running", "within": 5}}, "got 'Running'"),
        (
            {"expect": {"status": "Succeed", "within": 0}},
            "'expect.within' must be a positive number, got 0",
        ),
        (
            {"expect": {"status": "Succeed", "within": 5, "rows": -1}},
            "'expect.rows' must be a whole number >= 0",
        ),
        (
            {"expect": {"status": "Succeed", "within": 5, "row": 1}},
            "unknown key 'expect.row'",
        ),
        (
            {"profiles": ["fast"]},
            "'profiles' entries must be one of smoke, standard, deep, got 'fast'",
        ),
        ({"labels": {"engineType": "x"}}, "'labels.engineType' is set by the harness"),
        ({"weight": True}, "'weight' must be a positive number"),
    ],
)
def test_errors_name_the_file_and_the_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=r"^w\.yaml: ") as caught:
        Workload.from_mapping({**GOOD, **change}, source="w.yaml")
    assert message in str(caught.value)


def test_not_a_mapping() -> None:
    with pytest.raises(ConfigError, match=r"^w.yaml: expected a mapping .* got list"):
        Workload.from_mapping([1, 2], source="w.yaml")


def test_shipped_workloads_load_and_cover_the_brief() -> None:
    workloads = load_workloads()
    states = {s for w in workloads for s in w.expect_status}
    assert {"Succeed", "Failed", "Timeout", "Cancelled"} <= states
    assert any(parse_directive(w.code).retries > 0 for w in workloads)
    long_logs = [w for w in workloads if parse_directive(w.code).lines >= 2000]
    assert long_logs
    assert all(w.in_profile("standard") for w in long_logs)
    assert any(w.run_type == "sql" and "-- linkis-sim:" in w.code for w in workloads)
    for profile in PROFILES:
        chosen = select(workloads, profile)
        assert any(w.runs_until_killed for w in chosen), profile
        assert any(w.rows for w in chosen), profile


def test_shipped_directives_match_expectations() -> None:
    for workload in load_workloads():
        directive = parse_directive(workload.code)
        if workload.runs_until_killed:
            continue
        assert directive.status in workload.expect_status, workload.name
        assert directive.rows == (workload.rows or 0), workload.name


def test_yaml_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        load_workloads(tmp_path)


def test_duplicate_names_and_empty_dirs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \*\.yaml workload files"):
        load_workloads(tmp_path)
    with pytest.raises(ConfigError, match="is not a directory"):
        load_workloads(tmp_path / "missing")
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"'shell-quick' is already used by .*a\.yaml"
    ):
        load_workloads(tmp_path)


def test_select_refuses_unknown_profile() -> None:
    with pytest.raises(
        ConfigError,
        match="--profile: expected one of smoke, standard, deep, got 'fast'",
    ):
        select([], "fast")
