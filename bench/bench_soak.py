"""Soak: the load generator's peak RSS after a short and a long run at the same load.

The Locust master/local process streams every raw sample to disk (`samples.jsonl`) and keeps
per entry only counts and an HdrHistogram, so its memory should not grow with the run's length.
This runs `linkis-harness load --users U` against the embedded simulator for T1 and then T2,
samples the RSS of the Locust process every 2 s, and prints both peaks and their ratio
(target <= 1.2). The issue asks for 10 vs 60 minutes at 200 users; on a shared 2-core machine
shorter pairs are what can be afforded: the durations are arguments.

    .venv/bin/python bench/bench_soak.py [--users 200] [--short 10m] [--long 60m]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil


def _locust_rss(parent: psutil.Process) -> int:
    """RSS of the Locust process(es) under `parent` (bytes; 0 before they start)."""
    total = 0
    for child in parent.children(recursive=True):
        try:
            if "locust" in " ".join(child.cmdline()):
                total += child.memory_info().rss
        except psutil.Error:
            continue
    return total


def soak(users: int, run_time: str, base: Path) -> dict[str, object]:
    """Run one load and return its peak generator RSS and its figures."""
    report = base / f"soak-{run_time}"
    argv = [sys.executable, "-m", "linkis_harness", "load", "--users", str(users)]
    argv += ["--spawn-rate", "50", "--run-time", run_time, "--report-dir", str(report)]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    parent = psutil.Process(proc.pid)
    peak: list[int] = [0]
    timeline: list[tuple[float, int]] = []

    def watch() -> None:
        while proc.poll() is None:
            rss = _locust_rss(parent)
            peak[0] = max(peak[0], rss)
            timeline.append((time.monotonic() - started, rss))
            time.sleep(2.0)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output, _ = proc.communicate()
    watcher.join(5)
    tail = [
        line
        for line in output.splitlines()
        if line.startswith(("requests:", "jobs:", "result:"))
    ]
    stream = report / "raw" / "samples.jsonl"
    return {
        "run_time": run_time,
        "peak_rss_mib": peak[0] / 2**20,
        "exit": proc.returncode,
        "summary": tail,
        "stream_mib": stream.stat().st_size / 2**20 if stream.exists() else 0.0,
        "rss_at": [
            (round(t), round(r / 2**20, 1))
            for t, r in timeline[:: max(len(timeline) // 12, 1)]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--short", default="10m")
    parser.add_argument("--long", default="60m")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        runs = [soak(args.users, t, Path(tmp)) for t in (args.short, args.long)]
    for run in runs:
        print(
            f"{run['run_time']:>5}: peak generator RSS {run['peak_rss_mib']:.1f} MiB, "
            f"samples stream {run['stream_mib']:.1f} MiB, exit {run['exit']}; "
            + " | ".join(run["summary"])  # type: ignore[arg-type]
        )
        print(f"       RSS over time (s, MiB): {run['rss_at']}")
    ratio = runs[1]["peak_rss_mib"] / runs[0]["peak_rss_mib"]  # type: ignore[operator]
    print(f"peak RSS ratio {args.long} / {args.short}: {ratio:.3f} (target <= 1.2)")


if __name__ == "__main__":
    main()
