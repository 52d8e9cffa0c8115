"""YAML text to data and back, through libyaml when PyYAML has it (ten times faster).

Only the safe subset: `load` builds plain data (no Python objects) and raises `yaml.YAMLError`
as `yaml.safe_load` does; `dump` writes what `yaml.safe_dump` would.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["dump", "load"]

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> Any:
    """Parse one YAML document (the safe subset)."""
    return yaml.load(text, Loader=_Loader)


def dump(document: Any, **options: Any) -> str:
    """Write `document` as YAML (the safe subset); `options` as `yaml.safe_dump`'s."""
    return str(yaml.dump(document, Dumper=_Dumper, **options))
