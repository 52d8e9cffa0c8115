"""What the wheel ships: every file of the package, templates included (hatchling honours .gitignore)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "linkis_harness"


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs a git checkout (hatchling leaves out what .gitignore ignores)",
)
def test_gitignore_ignores_no_file_of_the_package() -> None:
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard", "--", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_the_report_templates_are_in_the_package() -> None:
    templates = {p.name for p in (PACKAGE / "reports" / "templates").iterdir()}
    assert {"base.html.j2", "check.html.j2", "load.html.j2", "report.css"} <= templates
