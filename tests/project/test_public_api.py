"""The public Python API (docs/pytest.md): documented names stay, typed and importable.

A name that disappears, or a documented argument or attribute that changes, fails here, as
httpx' tests/test_exported_members.py does for httpx.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import pytest

import linkis_harness

DOCUMENTED = {
    "Client",
    "Job",
    "SubmitRefused",
    "Simulator",
    "Settings",
    "Violation",
    "check_envelope",
    "masked_crash",
    "first_illegal_step",
    "check_progress",
    "check_task_ids",
    "check_history_exec_id",
    "check_pages",
    "check_buckets",
    "HarnessError",
    "ContractViolation",
    "ExitCode",
    "ConfigError",
    "TargetError",
    "TargetUnreachable",
    "LoginFailed",
}


def test_documented_names_are_exported() -> None:
    assert set(linkis_harness.__all__) >= DOCUMENTED
    for name in linkis_harness.__all__:
        assert getattr(linkis_harness, name) is not None, name
    assert sorted(linkis_harness.__all__) == sorted(set(linkis_harness.__all__))


def test_documented_names_appear_in_the_docs() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "pytest.md").read_text(
        encoding="utf-8"
    )
    for name in DOCUMENTED - {
        "HarnessError",
        "ExitCode",
        "ConfigError",
        "TargetError",
        "TargetUnreachable",
        "LoginFailed",
        "Job",
        "Violation",
        "ContractViolation",
    }:
        assert f"`{name}" in text or f"{name}(" in text or f" {name}," in text, name


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        linkis_harness.Nope  # type: ignore[attr-defined]  # noqa: B018


def test_run_and_simulator_keep_their_documented_signatures() -> None:
    run = inspect.signature(linkis_harness.Client.run)
    assert list(run.parameters)[:2] == ["self", "code"]
    for keyword in ("engine", "run_type", "labels"):
        assert run.parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY
    hints = typing.get_type_hints(linkis_harness.Client.run)
    assert hints["return"] is linkis_harness.Job
    job_fields = set(linkis_harness.Job.__dataclass_fields__)
    assert {"status", "task_id", "exec_id", "log", "rows"} <= job_fields
    simulator = inspect.signature(linkis_harness.Simulator)
    for keyword in ("speed", "linkis_version", "users", "faults", "subprocess"):
        assert simulator.parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY
    for member in (
        "url",
        "users",
        "fault",
        "linkis_version",
        "jobs",
        "job",
        "start",
        "stop",
    ):
        assert hasattr(linkis_harness.Simulator, member) or member in (
            "users",
            "linkis_version",
        )


def test_public_names_carry_docstrings() -> None:
    for name in DOCUMENTED:
        value = getattr(linkis_harness, name)
        assert inspect.getdoc(value), name


def test_importing_the_package_is_cheap() -> None:
    probe = (
        "import sys, linkis_harness; "
        "heavy = [m for m in ('httpx', 'uvicorn', 'schemathesis', 'locust', 'linkis_harness.suite') "
        "if m in sys.modules]; print(heavy)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert shown == "[]"


def test_the_package_is_typed() -> None:
    from importlib import resources

    assert resources.files("linkis_harness").joinpath("py.typed").is_file()
