"""What the wheel ships: every file of the package, templates included (hatchling honours .gitignore)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "linkis_harness"


def _package_files() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs a git checkout (hatchling leaves out what .gitignore ignores)",
)
def test_gitignore_leaves_out_no_file_of_the_package() -> None:
    files = _package_files()
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ROOT,
        input="\n".join(files),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.split() == []


def test_the_report_templates_are_in_the_package() -> None:
    templates = {p.name for p in (PACKAGE / "reports" / "templates").iterdir()}
    assert {"base.html.j2", "check.html.j2", "load.html.j2", "report.css"} <= templates
