"""The options of one `linkis-harness load` run, validated into a `LoadPlan`, and its workload mix.

The mix is handed to the Locust processes as JSON (`write_workload_file`): the locustfile
imports only `core`, so it rebuilds each workload with `Workload.from_mapping`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkis_harness.core.sla import Sla, parse_slas
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError
from linkis_harness.resources.workloads import load_workloads

__all__ = [
    "CLIENT_MODELS",
    "SHAPES",
    "LoadOptions",
    "LoadPlan",
    "make_plan",
    "parse_duration",
    "parse_rate",
    "workload_file",
    "write_workload_file",
]

SHAPES = ("ramp", "step", "spike")
CLIENT_MODELS = ("java", "cli")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, *, option: str = "--run-time") -> float:
    """Parse `30s`, `5m`, `1h30m` or bare seconds into seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip().replace(" ", ""):
        raise ConfigError(
            f"{option}: expected a duration such as 30s, 5m or 1h30m, got {text!r}"
        )
    seconds = sum(float(n) * _UNITS[u or "s"] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(f"{option}: the duration must be positive, got {text!r}")
    return seconds


def parse_rate(text: str) -> float:
    """Parse `--submit-rate` (`5/s`, `120/m`, `0.5`) into arrivals per second."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*", text)
    if match is None or float(match[1]) <= 0:
        raise ConfigError(
            f"--submit-rate: expected job arrivals per time such as 5/s or 120/m, got {text!r}"
        )
    return float(match[1]) / _UNITS[match[2] or "s"]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Every validated option of one load run."""

    users: int
    spawn_rate: float
    run_time: float
    workers: int
    slas: tuple[Sla, ...]
    sla_abort: bool
    submit_rate: float
    shape: str | None
    kill_fraction: float
    client_model: str
    role: str  # local | master | worker
    master_host: str
    master_port: int
    expect_workers: int
    sim_speed: float
    workloads: tuple[Workload, ...]
    sim_max_running: int = 0
    web: bool = False
    web_port: int = 8089
    # the embedded simulator's release (None: its newest)
    linkis_version: str | None = None


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """The `load` options as given on the command line (the defaults are the CLI's)."""

    users: int = 10
    spawn_rate: float = 5.0
    run_time: str = "30s"
    workers: int = 0
    slas: tuple[str, ...] = ()
    sla_abort: bool = False
    submit_rate: str | None = None
    shape: str | None = None
    kill_fraction: float = 0.0
    client_model: str = "java"
    master: bool = False
    worker: bool = False
    master_host: str | None = None
    master_port: int = 5557
    expect_workers: int | None = None
    sim_speed: float = 1.0
    workloads: Path | None = None
    sim_max_running: int = 0
    web: bool = False
    web_port: int = 8089
    linkis_version: str | None = None
    find_capacity: bool = False
    resolution: str = "10%"
    max_rate: str | None = None
    max_time: str = "1h"
    step_time: str = "2m"
    accept_underdelivery: bool = False
    baseline: Path | None = None
    max_regression: str = "10%"
    baseline_any_target: bool = False


def make_plan(o: LoadOptions) -> LoadPlan:
    """Validate the `load` options; `ConfigError` names the option and the bad value."""
    if not 0.0 <= o.kill_fraction <= 1.0:
        raise ConfigError(f"--kill-fraction: expected 0..1, got {o.kill_fraction!r}")
    if o.shape and o.submit_rate:
        raise ConfigError(
            "--shape and --submit-rate exclude each other: a shape varies users (closed "
            "model), --submit-rate fixes job arrivals (open model)"
        )
    if o.shape is not None and o.shape not in SHAPES:
        raise ConfigError(
            f"--shape: expected one of {', '.join(SHAPES)}, got {o.shape!r}"
        )
    if o.client_model not in CLIENT_MODELS:
        raise ConfigError(
            f"--client-model: expected java or cli, got {o.client_model!r}"
        )
    if o.master and o.worker:
        raise ConfigError("--master and --worker exclude each other")
    if o.worker and not o.master_host:
        raise ConfigError(
            "--worker needs --master-host HOST (the machine running --master)"
        )
    if o.workers and (o.master or o.worker):
        raise ConfigError(
            "--workers N starts local workers; do not combine it with --master/--worker"
        )
    role = "master" if o.master else "worker" if o.worker else "local"
    if o.web and o.worker:
        raise ConfigError("--web serves the master's UI; a --worker has none")
    if o.web and o.find_capacity:
        raise ConfigError(
            "--web and --find-capacity exclude each other: the search runs one Locust "
            "run per step"
        )
    return LoadPlan(
        users=o.users,
        spawn_rate=o.spawn_rate,
        run_time=parse_duration(o.run_time),
        workers=o.workers,
        slas=parse_slas(o.slas),
        sla_abort=o.sla_abort,
        submit_rate=parse_rate(o.submit_rate) if o.submit_rate else 0.0,
        shape=o.shape,
        kill_fraction=o.kill_fraction,
        client_model=o.client_model,
        role=role,
        master_host=o.master_host or "127.0.0.1",
        master_port=o.master_port,
        expect_workers=o.expect_workers or (o.workers or 1),
        sim_speed=o.sim_speed,
        workloads=tuple(load_workloads(o.workloads)),
        sim_max_running=o.sim_max_running,
        web=o.web,
        web_port=o.web_port,
        linkis_version=o.linkis_version,
    )


def workload_file(plan: LoadPlan, work: Path) -> Path:
    """Write the plan's mix to `work/workloads.json` and return the path."""
    path = work / "workloads.json"
    _write_workloads(plan.workloads, path)
    return path


def _write_workloads(workloads: Sequence[Workload], path: Path) -> None:
    data = [_workload_mapping(w) for w in workloads]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_workload_file(directory: Path | None, path: Path) -> int:
    """Write the JSON workload mix the locustfile reads (for Locust run by hand or on k8s).

    `directory` holds workload YAML files (None: the shipped ones); returns how many were written.
    """
    workloads = load_workloads(directory)
    try:
        _write_workloads(workloads, path)
    except OSError as exc:
        raise ConfigError(f"--write-workloads: cannot write {path}: {exc}") from None
    return len(workloads)


def _workload_mapping(w: Workload) -> dict[str, Any]:
    expect: dict[str, Any] = {"status": list(w.expect_status), "within": w.within}
    if w.rows is not None:
        expect["rows"] = w.rows
    if w.values is not None:
        expect["values"] = list(w.values)
    if w.numbered is not None:
        expect["numbered"] = {"text": w.numbered[0], "count": w.numbered[1]}
    return {
        "name": w.name,
        "engineType": w.engine_type,
        "runType": w.run_type,
        "code": w.code,
        "expect": expect,
        "weight": w.weight,
        "profiles": list(w.profiles),
        "labels": dict(w.labels),
    }
