"""ARCHITECTURE.md's import rules, checked with `ast` over src/linkis_harness, contract_tests/ and load/.

Every import counts, also those under `if TYPE_CHECKING:` and inside functions. A unit is a
top-level module or subpackage of `linkis_harness` (`rules.matrix` and `load.scenarios` are units
of their own: the first is client-level, the second runs under gevent); `contract_tests` and
`locustfile` are the top-level folders. The command folders (`check`, `load`, `rules`) may import
anything below them but `cli` and each other. No module takes part in an import cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "linkis_harness"

_CLIENT_LEVEL = frozenset({"errors", "core", "config", "resources", "safety", "client"})
ALLOWED: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "core": frozenset({"errors", "core"}),
    "safety": frozenset({"errors"}),
    "config": frozenset({"errors", "core"}),
    "resources": frozenset({"errors", "core", "config", "resources"}),
    "client": _CLIENT_LEVEL,
    "rules.matrix": _CLIENT_LEVEL | {"rules.matrix"},
    "reports": frozenset({"errors", "core", "reports"}),
    "simulator": frozenset({"errors", "core", "config", "resources", "simulator"}),
    "suite": _CLIENT_LEVEL | {"rules.matrix", "suite"},
    "contract_tests": _CLIENT_LEVEL | {"rules.matrix", "suite"},
    # The pytest11 entry point: options and fixtures over the suite and the simulator.
    "pytest_plugin": _CLIENT_LEVEL | {"suite", "simulator"},
    "load.scenarios": frozenset({"errors", "core", "safety", "load.scenarios"}),
    "locustfile": frozenset({"errors", "core", "safety", "load.scenarios"}),
}
COMMANDS = frozenset({"check", "load", "rules"})
ENTRY_POINT = Path("src/linkis_harness/cli/__init__.py")  # main(): the only sys.exit
STDLIB_ONLY = frozenset({"errors", "core", "safety"})
# No I/O, no clock, no environment in core.
CORE_FORBIDDEN_MODULES = frozenset(
    {
        "socket",
        "ssl",
        "subprocess",
        "http",
        "urllib.request",
        "shutil",
        "tempfile",
        "select",
        "signal",
        "multiprocessing",
        "threading",
        "asyncio",
    }
)
CORE_FORBIDDEN_CALLS = frozenset({"open", "input", "print", "breakpoint"})
CORE_FORBIDDEN_ATTRIBUTES = frozenset(
    {
        ("os", "environ"),
        ("os", "getenv"),
        ("os", "putenv"),
        ("time", "sleep"),
        ("time", "time"),
        ("time", "monotonic"),
        ("time", "perf_counter"),
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("date", "today"),
    }
)


def _module_name(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[:1] == ["src"]:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def unit_of(rel: Path) -> str:
    """The layer a file belongs to: core, simulator, client, ..., contract_tests, locustfile."""
    top = rel.parts[0]
    if top == "contract_tests":
        return top
    if top == "load":
        return "locustfile"
    return _internal_unit(_module_name(rel))


_NESTED_UNITS = frozenset({"rules.matrix", "load.scenarios"})


def _internal_unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    nested = ".".join(parts[1:3])
    return nested if nested in _NESTED_UNITS else parts[1]


def _is_subpackage(module: str) -> bool:
    path = ROOT / "src" / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imported_modules(rel: Path, tree: ast.AST) -> list[tuple[int, str]]:
    """Absolute names of every module a file imports, with line numbers."""
    package = _module_name(rel).split(".")
    if rel.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package[: len(package) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if _is_subpackage(full) else base))
    return found


def _local_names(rel: Path) -> set[str]:
    top = ROOT / rel.parts[0]
    if rel.parts[0] not in ("contract_tests", "load"):
        return set()
    return {p.stem for p in top.rglob("*.py")} | {
        p.name for p in top.rglob("*") if p.is_dir()
    }


def _import_problems(rel: Path, tree: ast.AST) -> list[str]:
    unit = unit_of(rel)
    local = _local_names(rel)
    problems: list[str] = []
    for line, module in imported_modules(rel, tree):
        top = module.split(".")[0]
        where = f"{rel}:{line}"
        if top == "linkis_harness":
            target = _internal_unit(module)
            if unit in ALLOWED:
                if target not in ALLOWED[unit]:
                    problems.append(
                        f"{where}: {unit} may not import {module} ({target})"
                    )
            elif unit not in ("cli", "__main__") and target in ("cli", "__main__"):
                problems.append(f"{where}: only the entry point may import {module}")
            elif unit in COMMANDS and target in COMMANDS - {unit}:
                problems.append(
                    f"{where}: command {unit} may not import another command's {module}"
                )
        elif top in sys.stdlib_module_names or top in local or top == "__future__":
            if unit == "core" and any(
                module == bad or module.startswith(bad + ".")
                for bad in CORE_FORBIDDEN_MODULES
            ):
                problems.append(
                    f"{where}: core may not import {module} (I/O or concurrency)"
                )
        elif unit in STDLIB_ONLY:
            problems.append(
                f"{where}: {unit} is stdlib-only, imports third-party {module}"
            )
    return problems


def _core_call_problems(rel: Path, tree: ast.AST) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in CORE_FORBIDDEN_CALLS
        ):
            problems.append(f"{rel}:{node.lineno}: core may not call {node.func.id}()")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in CORE_FORBIDDEN_ATTRIBUTES
        ):
            problems.append(
                f"{rel}:{node.lineno}: core may not use {node.value.id}.{node.attr}"
            )
        if isinstance(node, ast.ImportFrom) and any(
            [*(node.module or "").split(".")[-1:], alias.name] == list(pair)
            for alias in node.names
            for pair in CORE_FORBIDDEN_ATTRIBUTES
        ):
            problems.append(
                f"{rel}:{node.lineno}: core may not import from {node.module} what it may not use"
            )
    return problems


def _exit_problems(rel: Path, tree: ast.AST) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) == ("sys", "exit")
        ) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "sys"
            and any(a.name == "exit" for a in node.names)
        ):
            problems.append(f"{rel}:{node.lineno}: only cli/__init__.py calls sys.exit")
    return problems


def problems(rel: Path, source: str) -> list[str]:
    """Every layer-rule breach in one file's source."""
    tree = ast.parse(source, filename=str(rel))
    found = _import_problems(rel, tree)
    if unit_of(rel) == "core":
        found += _core_call_problems(rel, tree)
    if rel.parts[0] == "src" and rel != ENTRY_POINT:
        found += _exit_problems(rel, tree)
    return found


def _files() -> list[Path]:
    roots = [PACKAGE, ROOT / "contract_tests", ROOT / "load"]
    return sorted(
        p.relative_to(ROOT)
        for root in roots
        if root.is_dir()
        for p in root.rglob("*.py")
    )


@pytest.mark.parametrize("rel", _files(), ids=str)
def test_imports_point_down(rel: Path) -> None:
    assert problems(rel, (ROOT / rel).read_text(encoding="utf-8")) == []


def test_the_walk_covers_every_layer() -> None:
    units = {unit_of(rel) for rel in _files()}
    assert {"core", "errors", "config", "cli", "package"} <= units


# --- the checker itself must be able to fail -------------------------------------------------

CORE = Path("src/linkis_harness/core/example.py")


@pytest.mark.parametrize(
    ("rel", "source", "fragment"),
    [
        (CORE, "import httpx\n", "core is stdlib-only, imports third-party httpx"),
        (
            CORE,
            "from linkis_harness.client import LinkisClient\n",
            "core may not import linkis_harness.client (client)",
        ),
        (
            CORE,
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from linkis_harness import config\n",
            "core may not import linkis_harness.config",
        ),
        (CORE, "from .. import config\n", "core may not import linkis_harness.config"),
        (CORE, "import socket\n", "core may not import socket"),
        (CORE, "import urllib.request\n", "core may not import urllib.request"),
        (CORE, "x = open('f')\n", "core may not call open()"),
        (CORE, "import os\nx = os.environ['A']\n", "core may not use os.environ"),
        (CORE, "import time\ntime.sleep(1)\n", "core may not use time.sleep"),
        (CORE, "from time import sleep\n", "core may not import from time"),
        (
            CORE,
            "from datetime import datetime\nnow = datetime.now()\n",
            "core may not use datetime.now",
        ),
        (
            Path("src/linkis_harness/simulator/x.py"),
            "from linkis_harness.client import Answer\n",
            "simulator may not import linkis_harness.client",
        ),
        (
            Path("src/linkis_harness/simulator/x.py"),
            "def f():\n    import linkis_harness.client.polling\n",
            "simulator may not import linkis_harness.client.polling",
        ),
        (
            Path("contract_tests/test_x.py"),
            "from linkis_harness.simulator.launch import start_simulator\n",
            "contract_tests may not import linkis_harness.simulator.launch",
        ),
        (
            Path("load/locustfile.py"),
            "from linkis_harness.client import LinkisClient\n",
            "locustfile may not import linkis_harness.client",
        ),
        (
            Path("src/linkis_harness/load/scenarios/job.py"),
            "from linkis_harness.client import LinkisClient\n",
            "load.scenarios may not import linkis_harness.client",
        ),
        (
            Path("src/linkis_harness/rules/matrix/runner.py"),
            "from linkis_harness.simulator.launch import start_simulator\n",
            "rules.matrix may not import linkis_harness.simulator.launch",
        ),
        (
            Path("src/linkis_harness/load/runner.py"),
            "from linkis_harness.check.report import RunResults\n",
            "command load may not import another command's linkis_harness.check.report",
        ),
        (
            Path("src/linkis_harness/errors.py"),
            "from linkis_harness import config\n",
            "errors may not import linkis_harness.config",
        ),
        (
            Path("src/linkis_harness/check/runner.py"),
            "from linkis_harness.cli import run\n",
            "only the entry point may import linkis_harness.cli",
        ),
        (
            Path("src/linkis_harness/check/runner.py"),
            "import sys\nsys.exit(1)\n",
            "only cli/__init__.py calls sys.exit",
        ),
        (
            Path("src/linkis_harness/check/report.py"),
            "from sys import exit\n",
            "only cli/__init__.py calls sys.exit",
        ),
    ],
)
def test_breaches_are_reported(rel: Path, source: str, fragment: str) -> None:
    found = problems(rel, source)
    assert any(fragment in p for p in found), found


@pytest.mark.parametrize(
    ("rel", "source"),
    [
        (
            CORE,
            "from __future__ import annotations\nimport re\nfrom linkis_harness.errors import InvalidExecId\nfrom .execid import ExecId\n",
        ),
        (
            CORE,
            "from datetime import datetime\ndef f(ts: datetime) -> str:\n    return f'{ts:%Y}'\n",
        ),
        (
            Path("contract_tests/test_x.py"),
            "import pytest\nfrom linkis_harness.suite.lifecycle import JobTracker\nfrom linkis_harness.client import LinkisClient\n",
        ),
        (
            Path("load/locustfile.py"),
            "from locust import task\nfrom linkis_harness.load.scenarios.lifecycle import X\nfrom linkis_harness.safety import RequestGuard\n",
        ),
        (
            ENTRY_POINT,
            "import sys\nfrom linkis_harness.simulator import server\nsys.exit(0)\n",
        ),
    ],
)
def test_allowed_imports_pass(rel: Path, source: str) -> None:
    assert problems(rel, source) == []


# --- no import cycles -----------------------------------------------------------------------


def import_graph(files: dict[str, str]) -> dict[str, set[str]]:
    """Module → the package modules it imports (any import, at any depth), from sources."""
    graph: dict[str, set[str]] = {}
    for module, source in files.items():
        rel = Path("src", *module.split(".")).with_suffix(".py")
        if module.rsplit(".", 1)[-1] != module and (PACKAGE.parent / rel).is_dir():
            rel = rel.with_suffix("") / "__init__.py"
        graph[module] = {
            name
            for _, name in imported_modules(rel, ast.parse(source))
            if name in files and name != module
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    files = {
        _module_name(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in PACKAGE.rglob("*.py")
    }
    assert cycles(import_graph(files)) == []


def test_cycle_finder_finds_a_cycle_through_type_checking() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    found = import_graph(
        {
            "linkis_harness.simulator.jobs": "from linkis_harness.simulator.history import History\n",
            "linkis_harness.simulator.history": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from linkis_harness.simulator.jobs import Job\n",
        }
    )
    assert cycles(found) == [
        ["linkis_harness.simulator.history", "linkis_harness.simulator.jobs"]
    ]


# --- the public surface ----------------------------------------------------------------------


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then CamelCase, then the rest."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_isort_key_orders_like_ruff() -> None:
    names = ["b_func", "JobState", "TERMINAL", "A_CONST", "Alpha", "a_func"]
    assert sorted(names, key=_isort_key) == [
        "A_CONST",
        "TERMINAL",
        "Alpha",
        "JobState",
        "a_func",
        "b_func",
    ]


def test_package_all_is_sorted_and_importable() -> None:
    import linkis_harness

    names = list(linkis_harness.__all__)
    assert names == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(linkis_harness, name) is not None


@pytest.mark.parametrize(
    "module",
    [
        "errors",
        "config",
        "core.execid",
        "core.envelope",
        "core.jobstate",
        "core.logs",
        "core.oracles",
        "core.violation",
    ],
)
def test_module_all_is_sorted_and_importable(module: str) -> None:
    import importlib

    loaded = importlib.import_module(f"linkis_harness.{module}")
    names = list(loaded.__all__)
    assert names == sorted(names, key=_isort_key)
    for name in names:
        assert hasattr(loaded, name), name
