"""The CI recipes' install lines work from a clean checkout (no package is on the index).

Each line is taken from examples/ci/ as written and run in a fresh virtual environment against
a `git clone` of this repository's HEAD: the GitHub recipe installs its checkout
(`./linkis-harness`), the GitLab recipe a pinned VCS URL (`git+URL@REF`). The runtime
dependencies are lent by this interpreter's site-packages (a .pth file), so nothing but the
build backend comes from the package cache and no network is needed beyond it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"


def _github_line() -> str:
    document = yaml.safe_load(
        (EXAMPLES / "github-actions.yml").read_text(encoding="utf-8")
    )
    steps = document["jobs"]["load"]["steps"]
    return next(s["run"] for s in steps if s.get("name") == "Install linkis-harness")


def _gitlab_line() -> str:
    document = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    return next(
        line for line in document["linkis-check"]["script"] if "pip install" in line
    )


def _git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120
    ).stdout.strip()


@pytest.fixture
def clean_checkout(tmp_path: Path) -> Path:
    if not (ROOT / ".git").exists():
        pytest.fail("the project's tests run from a git checkout (CI clones it)")
    clone = tmp_path / "linkis-harness"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone))
    return clone


def _venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies from this interpreter, linked one by one into a directory the new venv puts
    # on its path, leaving out linkis-harness itself: pip would take this interpreter's copy
    # (tox installs one) as already satisfying the recipe's requirement and install nothing.
    lent = where / "lent"
    lent.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "linkis_harness" not in entry.name and entry.suffix != ".pth":
            (lent / entry.name).symlink_to(entry)
    Path(purelib, "lent-dependencies.pth").write_text(f"{lent}\n", encoding="utf-8")
    return python


def _run_line(line: str, venv_python: Path, cwd: Path, env: dict[str, str]) -> None:
    path = f"{venv_python.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    shell_env = {
        **os.environ,
        **env,
        "PATH": path,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    shell_env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "-c", line],
        cwd=cwd,
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _assert_installed(venv_python: Path, venv: Path) -> None:
    probe = (
        "import linkis_harness, importlib.metadata as m;"
        "from linkis_harness.resources import data_dir;"
        "print(linkis_harness.__file__);"
        "print(data_dir('contract_tests') / 'conftest.py');"
        "print([e.value for e in m.entry_points(group='pytest11') if e.name == 'linkis'])"
    )
    shown = subprocess.run(
        [str(venv_python), "-c", probe], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert shown[0].startswith(str(venv)), (
        shown
    )  # the wheel in the new venv, not this checkout
    assert Path(shown[1]).is_file(), shown  # the suite ships inside the wheel
    assert shown[2] == "['linkis_harness.pytest_plugin']"
    helped = subprocess.run(
        [str(venv.joinpath("bin", "linkis-harness")), "check", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert helped.returncode == 0, helped.stderr
    assert "--peer-user" in helped.stdout


def test_github_recipe_installs_its_checkout(
    clean_checkout: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    python = _venv(venv)
    _run_line(_github_line(), python, clean_checkout.parent, {})
    _assert_installed(python, venv)


def test_gitlab_recipe_installs_a_pinned_vcs_url(
    clean_checkout: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    python = _venv(venv)
    env = {
        # file://localhost/...: the pip a fresh venv brings (23.x) wants a host in a direct URL.
        "LINKIS_HARNESS_REPO": "file://localhost" + clean_checkout.as_posix(),
        "LINKIS_HARNESS_REF": _git("rev-parse", "HEAD", cwd=clean_checkout),
    }
    _run_line(_gitlab_line(), python, tmp_path, env)
    _assert_installed(python, venv)
