"""The README's pytest-native command passes on a healthy simulator, run exactly as written.

Only the target URL is the simulator's (the README names a gateway); the passwords come from
the environment as the README says. The schema family used to read its settings at import,
before pytest parsed the options, and failed 15 operations this way (issue 16).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from linkis_harness import Simulator

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README_TARGET = "http://gateway:9001"


def _readme_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`(pytest contract_tests [^`]+)`", text)
    assert found, "the README shows a pytest-native command"
    return found.group(1)


def test_readme_command_is_the_documented_one() -> None:
    command = _readme_command()
    for part in (
        "-p no:locust",
        "--linkis-target",
        "--linkis-user alice",
        "--linkis-peer-user bob",
    ):
        assert part in command


def test_readme_pytest_command_passes_on_a_healthy_simulator() -> None:
    command = _readme_command()
    assert README_TARGET in command
    with Simulator(speed=10) as sim:
        argv = shlex.split(command.replace(README_TARGET, sim.url))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LINKIS_", "PYTEST_"))
        }
        env.update(LINKIS_PASSWORD="alice123", LINKIS_PEER_PASSWORD="bob123")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
    tail = done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    summary = done.stdout.strip().splitlines()[-1]
    assert not re.search(r"\d+ (failed|errors?)\b", summary), summary
    passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
    assert passed >= 100, summary
