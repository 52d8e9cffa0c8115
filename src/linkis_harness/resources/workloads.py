"""Load workloads from YAML files: the shipped `fixtures/workloads` or a `--workloads DIR`."""

from __future__ import annotations

from pathlib import Path

import yaml

from linkis_harness.core.workload import PROFILES, Workload
from linkis_harness.errors import ConfigError
from linkis_harness.resources import data_dir, yamltext

__all__ = ["default_dir", "load_workloads", "select"]


def default_dir() -> Path:
    """Return the shipped workloads directory."""
    return data_dir("fixtures") / "workloads"


def _load_file(path: Path) -> Workload:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read workload: {exc.strerror}") from None
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    return Workload.from_mapping(data, source=str(path))


def load_workloads(directory: Path | None = None) -> list[Workload]:
    """Read every `*.yaml`/`*.yml` in `directory` (default: the shipped ones), sorted by name."""
    directory = directory if directory is not None else default_dir()
    if not directory.is_dir():
        raise ConfigError(
            f"--workloads: {directory} is not a directory of workload YAML files"
        )
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise ConfigError(f"--workloads: no *.yaml workload files in {directory}")
    found = [_load_file(path) for path in files]
    seen: dict[str, str] = {}
    for workload in found:
        if workload.name in seen:
            raise ConfigError(
                f"{workload.source}: workload name {workload.name!r} is already used by {seen[workload.name]}"
            )
        seen[workload.name] = workload.source
    return sorted(found, key=lambda w: w.name)


def select(workloads: list[Workload], profile: str) -> list[Workload]:
    """Return the workloads of one profile."""
    if profile not in PROFILES:
        raise ConfigError(
            f"--profile: expected one of {', '.join(PROFILES)}, got {profile!r}"
        )
    return [w for w in workloads if w.in_profile(profile)]
