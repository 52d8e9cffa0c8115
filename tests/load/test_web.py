"""`load --web`: Locust's own web UI serves the run's statistics while it runs (loopback only)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stats(url: str) -> dict[str, object] | None:
    try:
        answer = httpx.get(url, timeout=2.0)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def test_the_web_ui_serves_lifecycle_rows_during_the_run_then_reports_as_headless(
    tmp_path: Path,
) -> None:
    port = _free_port()
    report = tmp_path / "report"
    argv = [sys.executable, "-m", "linkis_harness", "load", "--web", "--web-port"]
    argv += [
        str(port),
        "--run-time",
        "15s",
        "--users",
        "3",
        "--report-dir",
        str(report),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    seen: dict[str, object] | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            stats = _stats(f"http://127.0.0.1:{port}/stats/requests")
            names = {s["name"] for s in stats["stats"]} if stats else set()  # type: ignore[index, union-attr]
            if "/entrance/submit" in names and any(n.startswith("job_") for n in names):
                seen = stats
                break
            time.sleep(0.5)
        running_while_seen = proc.poll() is None
        output, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert seen is not None, "the web UI never showed the run's rows"
    assert running_while_seen
    assert seen["state"] in ("running", "spawning")
    assert proc.returncode == 0, output
    assert f"Locust web UI at http://127.0.0.1:{port}" in output
    assert "result: held (exit 0)" in output
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["jobs"]["left_running"] == 0
    assert (
        _stats(f"http://127.0.0.1:{port}/stats/requests") is None
    )  # the UI ended with the run
