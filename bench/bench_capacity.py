"""Accuracy of `load --find-capacity` against a simulator whose capacity is known.

The simulator gets J engine slots (`--sim-max-running J`) and one workload of fixed duration D
with no Scheduled time (`# linkis-sim: duration=D queue=0`), so its true capacity is
J x 60 / D jobs/min. Each setting runs a whole search through `linkis-harness load` and prints
the capacity found, the truth, their ratio (target within 0.85..1.15), the number of steps and
the jobs left running (target 0, checked by the search in job history).

    .venv/bin/python bench/bench_capacity.py [--settings 2x2,4x2,3x4] [--resolution 10%]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

from linkis_harness.cli import run

WORKLOAD = """\
name: fixed
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration={duration:g} queue=0 lines=5 rows=1
  echo capacity
expect: {{status: Succeed, within: 3600, rows: 1}}
weight: 1
"""


def search(
    slots: int, duration: float, resolution: str, base: Path
) -> dict[str, object]:
    """Run one capacity search against J slots of D-second jobs; return the figures."""
    workloads = base / f"wl-{slots}x{duration:g}"
    workloads.mkdir()
    (workloads / "fixed.yaml").write_text(WORKLOAD.format(duration=duration))
    report = base / f"report-{slots}x{duration:g}"
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = run(
        [
            "load",
            "--find-capacity",
            "--sim-max-running",
            str(slots),
            "--workloads",
            str(workloads),
            "--sla",
            "p95(job_total)<120s",
            "--submit-rate",
            "15/m",
            "--resolution",
            resolution,
            "--report-dir",
            str(report),
        ],
        out,
        err,
    )
    took = time.monotonic() - started
    data = json.loads((report / "capacity.json").read_text()) if code != 2 else {}
    truth = slots * 60 / duration
    found = data.get("jobs_per_min")
    return {
        "setting": f"J={slots}, D={duration:g}s",
        "truth": truth,
        "found": found,
        "ratio": (found / truth) if isinstance(found, float) else None,
        "steps": len(data.get("steps", [])),
        "left_running": sum(s["left_running"] for s in data.get("steps", [])),
        "exit": code,
        "minutes": took / 60,
        "log": out.getvalue() + err.getvalue(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settings", default="2x2,4x2,3x4", help="JxD,... (slots x s)")
    parser.add_argument("--resolution", default="10%")
    parser.add_argument("--logs", type=Path, help="write each search's output here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as tmp:
        for item in args.settings.split(","):
            slots, duration = item.split("x")
            row = search(int(slots), float(duration), args.resolution, Path(tmp))
            rows.append(row)
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                (args.logs / f"{item}.log").write_text(str(row["log"]))
            print(
                f"{row['setting']:<16} truth {row['truth']:7.1f}/min  found "
                f"{row['found']}/min  ratio {row['ratio']}  steps {row['steps']}  "
                f"left running {row['left_running']}  exit {row['exit']}  "
                f"{row['minutes']:.1f} min",
                flush=True,
            )
    inside = [r for r in rows if r["ratio"] is not None and 0.85 <= r["ratio"] <= 1.15]  # type: ignore[operator]
    print(f"within ±15%: {len(inside)} of {len(rows)}")


if __name__ == "__main__":
    main()
