"""Start the simulator as a subprocess (`python -m linkis_harness serve --port 0`) and stop it.

Used by the runners (`check`, `load`, `rules` without `--target`) and by the tests:

    with start_simulator(fault="kill-noop", speed=20) as sim:
        httpx.get(sim.url + "/api/rest_j/v1/user/userInfo")
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from linkis_harness.errors import HarnessError
from linkis_harness.simulator.server import BANNER

__all__ = ["RunningSimulator", "SimulatorError", "start_simulator"]


class SimulatorError(HarnessError):
    """The embedded simulator did not start (its stderr is in the message)."""


@dataclass
class RunningSimulator:
    """A simulator subprocess; `url` is its gateway root `http://127.0.0.1:PORT`."""

    url: str
    process: subprocess.Popen[str]
    _stderr: list[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        """What the simulator wrote to stderr so far."""
        return "".join(self._stderr)

    def stop(self, timeout: float = 5.0) -> None:
        """End the subprocess (SIGTERM, then SIGKILL after `timeout`)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def _drain(stream: object, sink: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line)


def _command(
    fault: str | None,
    proxy_rules: Path | str | None,
    token_rules: Path | str | None,
    speed: float,
    extra_args: Sequence[str],
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "linkis_harness",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    command += ["--speed", repr(float(speed))]
    if fault:
        command += ["--fault", fault]
    if proxy_rules is not None:
        command += ["--proxy-rules", str(proxy_rules)]
    if token_rules is not None:
        command += ["--token-rules", str(token_rules)]
    return command + list(extra_args)


def _wait_for_banner(process: subprocess.Popen[str], timeout: float) -> str:
    """Read the first stdout line within `timeout`; return the URL it announces."""
    found: list[str] = []
    stdout = process.stdout
    assert stdout is not None  # Popen(stdout=PIPE)
    reader = threading.Thread(
        target=lambda: found.append(stdout.readline()), daemon=True
    )
    reader.start()
    reader.join(timeout)
    line = found[0].strip() if found else ""
    if not line.startswith(BANNER):
        return ""
    return line[len(BANNER) :].strip()


@contextmanager
def start_simulator(
    fault: str | None = None,
    proxy_rules: Path | str | None = None,
    token_rules: Path | str | None = None,
    speed: float = 1.0,
    extra_args: Sequence[str] = (),
    timeout: float = 20.0,
) -> Iterator[RunningSimulator]:
    """Run a simulator for the duration of the `with` block; raise `SimulatorError` if it cannot start."""
    command = _command(fault, proxy_rules, token_rules, speed, extra_args)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    stderr: list[str] = []
    started = time.monotonic()
    url = _wait_for_banner(process, timeout)
    drain = threading.Thread(target=_drain, args=(process.stderr, stderr), daemon=True)
    drain.start()
    threading.Thread(target=_drain, args=(process.stdout, []), daemon=True).start()
    sim = RunningSimulator(url=url, process=process, _stderr=stderr)
    if not url:
        waited = time.monotonic() - started
        try:
            code = process.wait(0.5 if process.poll() is None else 5)
            drain.join(
                5
            )  # the process is gone: read what it said before closing the pipes
            what = f"exited with code {code} before it listened"
        except subprocess.TimeoutExpired:
            what = f"did not start within {waited:.1f}s"
        sim.stop()
        detail = sim.stderr.strip() or "(no output)"
        raise SimulatorError(
            f"the embedded simulator {what} (command: {' '.join(command[1:])}).\n\n{detail}"
        )
    try:
        yield sim
    finally:
        sim.stop()
