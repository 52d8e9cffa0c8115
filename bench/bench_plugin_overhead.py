"""What installing linkis-harness costs an unrelated pytest suite (issue 16).

Runs a trivial suite (20 tests, no conftest) with the package's pytest plugin loaded (as any
pytest in this environment does) and without it, alternating, and prints the outcomes and the
median wall times side by side. "Without" is `-p no:linkis` in this environment, or, given
`--without PYTHON`, another environment's interpreter that has the same packages but not
linkis-harness. No assertion on time: the ratio is for the notes.

    python bench/bench_plugin_overhead.py [runs] [--without PYTHON]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL = "\n".join(
    f"def test_{i}():\n    assert {i} + 1 == {i + 1}\n" for i in range(20)
)


def _run(where: Path, *extra: str, python: str = sys.executable) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    return took, done.stdout.strip().splitlines()[-1]


def main() -> None:
    args = sys.argv[1:]
    other = args[args.index("--without") + 1] if "--without" in args else None
    numbers = [a for a in args if a.isdigit()]
    runs = int(numbers[0]) if numbers else 10
    blocker: tuple[str, ...] = () if other else ("-p", "no:linkis")
    python = other or sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        (where / "test_trivial.py").write_text(TRIVIAL, encoding="utf-8")
        _run(where)  # warm the bytecode caches of both variants
        _run(where, *blocker, python=python)
        loaded: list[float] = []
        blocked: list[float] = []
        outcomes: set[tuple[str, str]] = set()
        for _ in range(runs):
            took, last = _run(where)
            loaded.append(took)
            outcomes.add(("with plugin", last.split(" in ")[0]))
            took, last = _run(where, *blocker, python=python)
            blocked.append(took)
            outcomes.add(("without plugin", last.split(" in ")[0]))
    for name, outcome in sorted(outcomes):
        print(f"{name:15} {outcome}")
    with_plugin, without = statistics.median(loaded), statistics.median(blocked)
    print(
        f"median wall time: with {with_plugin:.3f}s, without {without:.3f}s, "
        f"ratio {with_plugin / without:.3f} over {runs} runs each"
    )


if __name__ == "__main__":
    main()
