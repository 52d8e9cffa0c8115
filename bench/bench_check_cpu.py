"""CPU of one `check` run: hypothesis' tables rebuilt (a fresh store) vs kept (never asserted).

    .venv/bin/python bench/bench_check_cpu.py [ROUNDS] [-m MARKERS]

The suite runs in a new temporary directory each time; unless it is told where to keep them,
hypothesis rebuilds its tables of the characters a codec can encode in every run. `check` now
keeps them in `~/.cache/linkis-harness/hypothesis` (or `$HYPOTHESIS_STORAGE_DIRECTORY`). Against
one `serve --speed 4`, rounds alternate a run with a new empty store and a run with a store kept
from a warm-up run; the CPU of each run is the user + system time of `check` and everything it
waited for (its pytest process). Prints the median of each and their ratio.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from linkis_harness.simulator.launch import start_simulator


def _cpu_of(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, done.returncode


def main(args: list[str]) -> None:
    rounds = int(args[0]) if args and args[0].isdigit() else 3
    markers = args[args.index("-m") + 1] if "-m" in args else None
    base = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
    base.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    base["LINKIS_PASSWORD"] = "alice123"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{os.cpu_count()} cores, load average {load:.1f}; {rounds} rounds, -m {markers}"
    )
    with start_simulator(speed=4.0) as sim, tempfile.TemporaryDirectory() as tmp:
        argv = [
            sys.executable,
            "-m",
            "linkis_harness",
            "check",
            "--target",
            sim.url,
            "--user",
            "alice",
            "--profile",
            "smoke",
            "--quiet",
            *(["-m", markers] if markers else []),
        ]
        kept = Path(tmp) / "kept"
        warm = {**base, "HYPOTHESIS_STORAGE_DIRECTORY": str(kept)}
        _cpu_of(argv, warm)  # fills the kept store
        cpu: dict[str, list[float]] = {"rebuilt": [], "kept": []}
        for n in range(rounds):
            fresh = {**base, "HYPOTHESIS_STORAGE_DIRECTORY": str(Path(tmp) / f"new{n}")}
            for name, env in (("rebuilt", fresh), ("kept", warm)):
                used, code = _cpu_of(argv, env)
                cpu[name].append(used)
                print(f"  round {n + 1} {name:<8} {used:5.2f} s CPU (exit {code})")
    rebuilt, kept_cpu = (
        statistics.median(cpu["rebuilt"]),
        statistics.median(cpu["kept"]),
    )
    print(
        f"median CPU per run: rebuilt {rebuilt:.2f} s, kept {kept_cpu:.2f} s; "
        f"kept/rebuilt {kept_cpu / rebuilt:.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
