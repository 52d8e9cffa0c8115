"""Benchmarks of the load generator, measured side by side in one run (ratios, not wall clocks).

1. Generator efficiency: HTTP requests per CPU-second of the Locust process running lifecycle
   users, divided by the same for a bare `FastHttpUser` GET loop, both against the same
   simulator in the same run. Target: >= 0.7. CPU time is the Locust child's own user+system
   time (`RUSAGE_CHILDREN` around each run), so the simulator's work is not counted.
2. Scale: many concurrent lifecycle users against the simulator through `linkis-harness load`:
   zero failures and zero jobs left running are required; the generator's peak RSS is printed.

    .venv/bin/python bench/bench_load.py [--quick] [--scale-users 1000] [--scale-time 60]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from linkis_harness.cli import run
from linkis_harness.load.plan import write_workload_file
from linkis_harness.resources import data_dir
from linkis_harness.simulator.launch import start_simulator

BARE = """
from locust import FastHttpUser, constant, task


class Bare(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.post("/api/rest_j/v1/user/login", json={"userName": "alice", "password": "alice123"})
        body = {"executionContent": {"code": "# linkis-sim: duration=600", "runType": "shell"},
                "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"}}
        answer = self.client.post("/api/rest_j/v1/entrance/submit", json=body).json()
        self.path = f"/api/rest_j/v1/entrance/{answer['data']['execID']}/status"

    @task
    def status(self):
        self.client.get(self.path, name="bare status")
"""

WORKLOAD = """\
name: bench
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=3 lines=30 rows=2
  echo bench
expect: {status: Succeed, within: 120, rows: 2}
"""
WARMUP = 4.0  # seconds: all users started (spawn rate = users) and logged in
CREDENTIALS = {"LINKIS_USER": "alice", "LINKIS_PASSWORD": "alice123"}


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _locust(
    locustfile: Path,
    host: str,
    users: int,
    seconds: float,
    env: dict[str, str],
    extra: list[str],
) -> tuple[int, float]:
    """Run one headless Locust process; return HTTP requests and CPU seconds in steady state.

    The window starts once every user has started and logged in (WARMUP) and ends 1 s before
    the stop, so start-up and the final stop are counted for neither generator.
    """
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    argv = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host,
        "--users", str(users), "--spawn-rate", str(users), "--csv", str(work / "locust"),
        "--csv-full-history", "--only-summary", "--loglevel", "WARNING", *extra,
    ]  # fmt: skip
    popen = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process = psutil.Process(popen.pid)
    time.sleep(WARMUP)
    start = (time.time(), _cpu(process))
    time.sleep(max(seconds - WARMUP - 1.0, 1.0))
    end = (time.time(), _cpu(process))
    popen.wait(timeout=seconds + 120)
    requests = _requests_between(work / "locust_stats_history.csv", start[0], end[0])
    return requests, end[1] - start[1]


def _requests_between(history: Path, start: float, end: float) -> int:
    """HTTP requests (GET/POST entries) counted between two instants, from Locust's history CSV."""
    totals: dict[int, int] = {}
    with history.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Type"] in ("GET", "POST"):
                at = int(row["Timestamp"])
                totals[at] = totals.get(at, 0) + int(row["Total Request Count"])
    stamps = sorted(totals)

    def count_at(moment: float) -> int:
        before = [s for s in stamps if s <= moment]
        return totals[before[-1]] if before else 0

    return count_at(end) - count_at(start)


def efficiency(seconds: float, users: int) -> float:
    """Print and return lifecycle requests per CPU-second / bare requests per CPU-second."""
    work = Path(tempfile.mkdtemp(prefix="bench-load-files-"))
    bare = work / "bare_locustfile.py"
    bare.write_text(BARE, encoding="utf-8")
    (work / "wl").mkdir()
    (work / "wl" / "bench.yaml").write_text(WORKLOAD, encoding="utf-8")
    write_workload_file(work / "wl", work / "workloads.json")
    env = {
        **CREDENTIALS,
        "LINKIS_LOAD_WORKLOADS": str(work / "workloads.json"),
        "LINKIS_LOAD_OUT": str(work / "raw"),
    }
    with start_simulator() as sim:
        bare_n, bare_cpu = _locust(
            bare, sim.url, 4, seconds, env, ["--run-time", f"{seconds:g}s"]
        )
        life_n, life_cpu = _locust(
            data_dir("load") / "locustfile.py", sim.url, users, seconds, env,
            ["--linkis-run-time", f"{seconds:g}"],
        )  # fmt: skip
    bare_rate, life_rate = bare_n / bare_cpu, life_n / life_cpu
    ratio = life_rate / bare_rate
    print(
        f"bare GET loop:   {bare_n:>7} requests, {bare_cpu:6.2f} CPU s -> {bare_rate:7.0f} req/CPU-s"
    )
    print(
        f"lifecycle users: {life_n:>7} requests, {life_cpu:6.2f} CPU s -> {life_rate:7.0f} req/CPU-s ({users} users)"
    )
    print(f"generator efficiency (lifecycle / bare): {ratio:.2f}  (target >= 0.7)")
    return ratio


def _peak_rss(stop: threading.Event, peak: list[int]) -> None:
    me = psutil.Process()
    while not stop.is_set():
        for child in me.children(recursive=True):
            try:
                if "locust" in " ".join(child.cmdline()):
                    peak[0] = max(peak[0], child.memory_info().rss)
            except psutil.Error:
                continue
        time.sleep(0.5)


def scale(users: int, seconds: float, spawn_rate: float, *, model: str = "cli") -> int:
    """Run `linkis-harness load` with many users; print failures, jobs left and peak memory."""
    work = Path(tempfile.mkdtemp(prefix="bench-load-scale-"))
    (work / "wl").mkdir()
    (work / "wl" / "bench.yaml").write_text(WORKLOAD, encoding="utf-8")
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_peak_rss, args=(stop, peak), daemon=True)
    sampler.start()
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "load", "--users", str(users), "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{seconds:g}s",
        "--client-model", model, "--workloads", str(work / "wl"), "--report-dir", str(work / "report"),
    ]  # fmt: skip
    code = run(argv, out, err)
    stop.set()
    sampler.join()
    summary = json.loads((work / "report" / "summary.json").read_text(encoding="utf-8"))
    jobs = summary["jobs"]
    print(
        f"scale: {users} lifecycle users for {seconds:g}s ({model} client model): exit {code}, "
        f"{summary['requests']} requests, {summary['failures']} failures, "
        f"{jobs['submitted']} jobs submitted, {jobs['left_running']} left running, "
        f"p95 status {_p95(summary, '/entrance/[execID]/status')}, "
        f"generator peak RSS {peak[0] / 2**20:.0f} MiB"
    )
    if code != 0:
        print(err.getvalue()[-2000:])
    return code


def _p95(summary: dict[str, object], name: str) -> str:
    for entry in summary["entries"]:  # type: ignore[attr-defined]
        if entry["name"] == name:
            return f"{entry['p95']:.0f} ms"
    return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--eff-users", type=int, default=200)
    parser.add_argument("--scale-users", type=int, default=1000)
    parser.add_argument("--scale-time", type=float, default=60.0)
    parser.add_argument("--scale-model", choices=["cli", "java"], default="cli")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-efficiency", action="store_true")
    args = parser.parse_args()
    seconds = 8.0 if args.quick else 20.0
    if not args.skip_efficiency:
        efficiency(seconds, args.eff_users)
    if not args.skip_scale:
        spawn_rate = max(args.scale_users / 10, 1)
        scale(args.scale_users, args.scale_time, spawn_rate, model=args.scale_model)


if __name__ == "__main__":
    main()
