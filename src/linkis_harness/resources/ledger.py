"""Read the behaviour ledger (`docs/ledger/*.yaml`, shipped as `_data/ledger`) into a `Ledger`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from linkis_harness.core.ledger import Ledger, LedgerError, Row, parse_rows
from linkis_harness.resources import data_dir, yamltext

__all__ = ["default_dir", "load_ledger", "shipped_ledger"]


def default_dir() -> Path:
    """Return the shipped ledger directory."""
    return data_dir("ledger")


def _rows(path: Path) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read the ledger: {exc.strerror}") from None
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LedgerError(f"{path}{where}: not valid YAML") from None
    return parse_rows(data if data is not None else [], source=path.name)


def load_ledger(directory: Path | None = None) -> Ledger:
    """Every row of every `*.yaml` in `directory` (default: the shipped ledger)."""
    directory = directory if directory is not None else default_dir()
    if not directory.is_dir():
        raise LedgerError(f"{directory}: no ledger directory")
    rows: list[Row] = []
    for path in sorted(directory.glob("*.yaml")):
        rows.extend(_rows(path))
    return Ledger(rows)


@lru_cache(maxsize=1)
def shipped_ledger() -> Ledger:
    """Return the shipped ledger, read once per process."""
    return load_ledger()
