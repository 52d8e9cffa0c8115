"""The docs keep up with the code: every fault, check family and check in docs/checks.md; every
option of `check`, `load` and `rules` in docs/guide.md."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import click
import pytest

from linkis_harness.cli import cli
from linkis_harness.simulator.faults import FAULTS

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "docs" / "checks.md"
GUIDE = ROOT / "docs" / "guide.md"
SUITE = ROOT / "contract_tests"


def _mentioned(text: str) -> set[str]:
    """Every `code span` of a Markdown text."""
    return set(re.findall(r"`([^`\n]+)`", text))


def _modules() -> list[Path]:
    return sorted(SUITE.glob("test_*.py"))


def _markers(module: Path) -> set[str]:
    """The family markers a module sets with `pytestmark = pytest.mark.<family>`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            for sub in ast.walk(node.value):
                if (
                    isinstance(sub, ast.Attribute)
                    and isinstance(sub.value, ast.Attribute)
                    and sub.value.attr == "mark"
                ):
                    found.add(sub.attr)
    return found


def _tests(module: Path) -> list[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]


def test_the_suite_has_modules_to_document() -> None:
    assert len(_modules()) >= 11
    assert all(_markers(m) for m in _modules()), (
        "every contract module sets its family marker"
    )


def test_every_fault_mode_is_in_checks_md() -> None:
    mentioned = _mentioned(CHECKS.read_text(encoding="utf-8"))
    missing = sorted(set(FAULTS) - mentioned)
    assert not missing, (
        f"docs/checks.md does not mention fault mode(s) {missing}: add them"
    )


def test_every_family_module_and_check_is_in_checks_md() -> None:
    mentioned = _mentioned(CHECKS.read_text(encoding="utf-8"))
    missing = []
    for module in _modules():
        names = [module.name, *sorted(_markers(module)), *_tests(module)]
        missing += [f"{module.name}: {n}" for n in names if n not in mentioned]
    assert not missing, (
        "docs/checks.md does not mention these contract_tests modules, markers or checks "
        f"(add a row with the Linkis behaviour, its source (ledger row or Linkis file) and the fault): {missing}"
    )


def _options(command: str) -> list[str]:
    cmd = cli.commands[command]
    assert isinstance(cmd, click.Command)
    return sorted(
        opt
        for param in cmd.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    )


@pytest.mark.parametrize("command", ["check", "load", "rules"])
def test_every_cli_option_is_in_the_guide(command: str) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    options = _options(command)
    assert options, f"{command} has no options?"
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", guide)]
    assert not missing, f"docs/guide.md does not mention {command} option(s) {missing}"


def test_guide_covers_the_topics_of_issue_8() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for topic in (
        "## Install",
        "## check",
        "## load",
        "## rules",
        "linkis-sim:",
        "## Writing workloads",
        "## The known-quirks file",
        "load/k8s/README.md",
    ):
        assert topic in guide, topic
    assert (ROOT / "load" / "k8s" / "README.md").is_file()


def test_every_oracle_checks_md_names_exists() -> None:
    text = CHECKS.read_text(encoding="utf-8")
    named = set(re.findall(r"`(core\.\w+\.\w+)`", text))
    assert named, "checks.md names the oracles as `core.<module>.<function>`"
    missing = []
    for dotted in sorted(named):
        module, _, name = dotted.rpartition(".")
        try:
            found = hasattr(importlib.import_module(f"linkis_harness.{module}"), name)
        except ImportError:
            found = False
        if not found:
            missing.append(dotted)
    assert not missing, f"docs/checks.md names oracles that do not exist: {missing}"
