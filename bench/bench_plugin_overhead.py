"""What installing linkis-harness costs an unrelated pytest suite (issue 16).

Runs a trivial suite (20 tests, no conftest) with the package's pytest plugin loaded (as any
pytest in this environment does) and blocked with `-p no:linkis` (what the run would be
without it), alternating, and prints the outcomes and the median wall times side by side.
No assertion on time: the ratio is for the notes.

    python bench/bench_plugin_overhead.py [runs]
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


def _run(where: Path, *extra: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    return took, done.stdout.strip().splitlines()[-1]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        (where / "test_trivial.py").write_text(TRIVIAL, encoding="utf-8")
        _run(where)  # warm the bytecode caches of both variants
        _run(where, "-p", "no:linkis")
        loaded: list[float] = []
        blocked: list[float] = []
        outcomes: set[tuple[str, str]] = set()
        for _ in range(runs):
            took, last = _run(where)
            loaded.append(took)
            outcomes.add(("with plugin", last.split(" in ")[0]))
            took, last = _run(where, "-p", "no:linkis")
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
