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


def make_plan(**o: Any) -> LoadPlan:
    """Validate the `load` options; `ConfigError` names the option and the bad value."""
    kill = float(o.get("kill_fraction") or 0.0)
    if not 0.0 <= kill <= 1.0:
        raise ConfigError(f"--kill-fraction: expected 0..1, got {kill!r}")
    shape, rate_text = o.get("shape"), o.get("submit_rate")
    if shape and rate_text:
        raise ConfigError(
            "--shape and --submit-rate exclude each other: a shape varies users (closed "
            "model), --submit-rate fixes job arrivals (open model)"
        )
    if shape is not None and shape not in SHAPES:
        raise ConfigError(
            f"--shape: expected one of {', '.join(SHAPES)}, got {shape!r}"
        )
    model = o.get("client_model") or "java"
    if model not in CLIENT_MODELS:
        raise ConfigError(f"--client-model: expected java or cli, got {model!r}")
    master, worker = bool(o.get("master")), bool(o.get("worker"))
    if master and worker:
        raise ConfigError("--master and --worker exclude each other")
    if worker and not o.get("master_host"):
        raise ConfigError(
            "--worker needs --master-host HOST (the machine running --master)"
        )
    workers = int(o.get("workers") or 0)
    if workers and (master or worker):
        raise ConfigError(
            "--workers N starts local workers; do not combine it with --master/--worker"
        )
    role = "master" if master else "worker" if worker else "local"
    expect = int(o.get("expect_workers") or (workers or 1))
    return LoadPlan(
        users=int(o.get("users") or 10),
        spawn_rate=float(o.get("spawn_rate") or 5.0),
        run_time=parse_duration(str(o.get("run_time") or "30s")),
        workers=workers,
        slas=parse_slas(o.get("slas") or ()),
        sla_abort=bool(o.get("sla_abort")),
        submit_rate=parse_rate(rate_text) if rate_text else 0.0,
        shape=shape,
        kill_fraction=kill,
        client_model=model,
        role=role,
        master_host=str(o.get("master_host") or "127.0.0.1"),
        master_port=int(o.get("master_port") or 5557),
        expect_workers=expect,
        sim_speed=float(o.get("sim_speed") or 1.0),
        workloads=tuple(load_workloads(_path(o.get("workloads")))),
    )


def workload_file(plan: LoadPlan, work: Path) -> Path:
    """Write the plan's mix to `work/workloads.json` and return the path."""
    path = work / "workloads.json"
    _write_workloads(plan.workloads, path)
    return path


def _write_workloads(workloads: Sequence[Workload], path: Path) -> None:
    data = [_workload_mapping(w) for w in workloads]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_workload_file(directory: Path | str | None, path: Path | str) -> None:
    """Write the JSON workload mix the locustfile reads (for Locust run by hand or on k8s)."""
    chosen = Path(directory) if directory is not None else None
    _write_workloads(load_workloads(chosen), Path(path))


def _workload_mapping(w: Workload) -> dict[str, Any]:
    expect: dict[str, Any] = {"status": list(w.expect_status), "within": w.within}
    if w.rows is not None:
        expect["rows"] = w.rows
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


def _path(value: object) -> Path | None:
    return None if value is None else Path(str(value))
