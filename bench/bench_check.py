"""`check` wall time against the embedded simulator, simulator start included (never asserted).

    .venv/bin/python bench/bench_check.py                   # smoke and standard
    .venv/bin/python bench/bench_check.py smoke             # one profile
    .venv/bin/python bench/bench_check.py smoke --sim-speed 1

Each profile runs `linkis-harness check --profile P` as a subprocess (exactly what a user
types, embedded simulator and all) with a report directory, and prints the wall time next to
its target (smoke < 15 s, standard < 60 s on a 2-core machine) and the per-family split taken
from results.json (setup + call of each family's tests, plus its fixtures' teardown; the rest
is process start, simulator start, login preflight and collection).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"smoke": 15.0, "standard": 60.0, "deep": None}


def run_profile(profile: str, extra: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        report = Path(tmp) / "report"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        argv = [
            sys.executable,
            "-m",
            "linkis_harness",
            "check",
            "--profile",
            profile,
            "--quiet",
            "--report-dir",
            str(report),
            *extra,
        ]
        started = time.monotonic()
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False
        )
        wall = time.monotonic() - started
        target = TARGETS.get(profile)
        verdict = (
            ""
            if target is None
            else (
                f"  target < {target:.0f} s: " + ("met" if wall < target else "MISSED")
            )
        )
        print(f"\n{profile}: exit {done.returncode}, {wall:.1f} s wall{verdict}")
        results_file = report / "results.json"
        if not results_file.is_file():
            print(done.stdout[-2000:], done.stderr[-2000:])
            return
        results = json.loads(results_file.read_text(encoding="utf-8"))
        durations: dict[str, float] = results.get("durations", {})
        counted = sum(durations.values())
        print(f"  {'family':<9} {'seconds':>8} {'tests':>6}")
        for family, row in results["families"].items():
            tests = sum(row.values())
            print(f"  {family:<9} {durations.get(family, 0.0):8.1f} {tests:6d}")
        print(
            f"  {'(other)':<9} {wall - counted:8.1f}        process, simulator start, preflight, collection"
        )


def main(args: list[str]) -> None:
    profiles = [a for a in args if a in TARGETS] or ["smoke", "standard"]
    extra = [a for a in args if a not in TARGETS]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"check against the embedded simulator; {os.cpu_count()} cores, load average {load:.1f}"
    )
    for profile in profiles:
        run_profile(profile, extra)


if __name__ == "__main__":
    main(sys.argv[1:])
