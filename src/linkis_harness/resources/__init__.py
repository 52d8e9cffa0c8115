"""Where the shipped data lives: inside the wheel, or at the checkout root when run from source."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parents[1]  # linkis_harness/
_NAMES = ("specs", "contract_tests", "load", "fixtures", "ledger")
# Data trees whose checkout folder differs from their name in the wheel.
_CHECKOUT = {"ledger": Path("docs") / "ledger"}


def data_dir(name: str) -> Path:
    """Return the directory of one shipped data tree (`specs`, `contract_tests`, `load`, `fixtures`, `ledger`)."""
    if name not in _NAMES:
        raise ValueError(
            f"unknown data tree {name!r}; expected one of {', '.join(_NAMES)}"
        )
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    # Editable install or a plain checkout: src/linkis_harness -> repository root.
    return _PACKAGE.parent.parent / _CHECKOUT.get(name, Path(name))
