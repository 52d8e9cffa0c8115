"""Workload: one job the contract suite submits, and what it must do (pure, no I/O).

A workload is real code for a real engine (the shell engine by default) plus the outcome a
correct deployment produces: the terminal state(s), a time bound and the rows of its result.
The code may carry a `linkis-sim:` comment for the embedded simulator; real Linkis ignores it.

```yaml
name: shell-quick
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=1 lines=20 rows=3
  echo hello
expect: {status: Succeed, within: 60, rows: 3}
weight: 3
profiles: [smoke, standard, deep]
labels: {jobRunningTimeout: "5"}   # optional extra labels
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linkis_harness.core.jobstate import TERMINAL, JobState
from linkis_harness.errors import ConfigError

__all__ = ["PROFILES", "Workload"]

PROFILES = ("smoke", "standard", "deep")
_KEYS = frozenset(
    {"name", "engineType", "runType", "code", "expect", "weight", "profiles", "labels"}
)
_EXPECT_KEYS = frozenset({"status", "within", "rows", "numbered", "values"})
NUMBER_MARK = "{n}"
_TERMINAL_NAMES = tuple(sorted(str(s) for s in TERMINAL))


@dataclass(frozen=True, slots=True)
class Workload:
    """A job to submit and its expected outcome."""

    name: str
    engine_type: str
    run_type: str
    code: str
    expect_status: tuple[str, ...]
    within: float
    rows: int | None = None
    # Numbered log lines the job prints: (text with `{n}` for the number, count): lines
    # 1..count must each appear exactly once in the job's log (`core.logcheck.check_numbered`).
    numbered: tuple[str, int] | None = None
    # The result value of each row, in order over the job's result sets (a row holds it in one
    # of its cells); implies `rows` (`core.oracles.check_result_values`).
    values: tuple[str, ...] | None = None
    weight: int = 1
    profiles: tuple[str, ...] = PROFILES
    labels: tuple[tuple[str, str], ...] = ()
    source: str = ""

    @property
    def runs_until_killed(self) -> bool:
        """True for a workload expected to end Cancelled: the kill checks end it."""
        return self.expect_status == (str(JobState.CANCELLED),)

    def in_profile(self, profile: str) -> bool:
        """Say whether this workload runs in `profile`."""
        return profile in self.profiles

    def submit_body(self, *, user: str) -> dict[str, Any]:
        """Return the 1.x `/entrance/submit` body (labels engineType and `<user>-IDE`)."""
        labels: dict[str, str] = {
            "engineType": self.engine_type,
            "userCreator": f"{user}-IDE",
        }
        labels.update(dict(self.labels))
        return {
            "executionContent": {"code": self.code, "runType": self.run_type},
            "params": {
                "variable": {},
                "configuration": {"startup": {}, "runtime": {}, "special": {}},
            },
            "source": {"scriptPath": f"file:///tmp/linkis-harness/{self.name}"},
            "labels": labels,
        }

    @classmethod
    def from_mapping(cls, data: object, *, source: str) -> Workload:
        """Build a workload from parsed YAML; `ConfigError` names the file and the key."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"{source}: expected a mapping with name, engineType, runType, code, expect; got {type(data).__name__}"
            )
        unknown = sorted(set(map(str, data)) - _KEYS)
        if unknown:
            raise ConfigError(
                f"{source}: unknown key {unknown[0]!r}; expected one of {', '.join(sorted(_KEYS))}"
            )
        expect = data.get("expect")
        if not isinstance(expect, Mapping):
            raise ConfigError(
                f"{source}: 'expect' must be a mapping such as {{status: Succeed, within: 60, rows: 3}}, got {expect!r}"
            )
        bad = sorted(set(map(str, expect)) - _EXPECT_KEYS)
        if bad:
            raise ConfigError(
                f"{source}: unknown key 'expect.{bad[0]}'; expected status, within, rows, numbered, values"
            )
        return cls(
            name=_text(data, "name", source),
            engine_type=_text(data, "engineType", source),
            run_type=_text(data, "runType", source),
            code=_text(data, "code", source),
            expect_status=_statuses(expect.get("status"), source),
            within=_positive(expect.get("within"), "expect.within", source),
            rows=_rows(expect.get("rows"), source),
            numbered=_numbered(expect.get("numbered"), source),
            values=_values(expect.get("values"), expect.get("rows"), source),
            weight=int(_positive(data.get("weight", 1), "weight", source)),
            profiles=_profiles(data.get("profiles", list(PROFILES)), source),
            labels=_labels(data.get("labels", {}), source),
            source=source,
        )


def _text(data: Mapping[str, Any], key: str, source: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{source}: '{key}' must be a non-empty string, got {value!r}"
        )
    return value


def _statuses(value: object, source: str) -> tuple[str, ...]:
    names = value if isinstance(value, list) else [value]
    if not names:
        raise ConfigError(f"{source}: 'expect.status' must name a terminal state")
    for name in names:
        if name not in _TERMINAL_NAMES:
            raise ConfigError(
                f"{source}: 'expect.status' must be one of {', '.join(_TERMINAL_NAMES)} "
                f"(or a list of them), got {name!r}"
            )
    return tuple(str(n) for n in names)


def _positive(value: object, key: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{source}: '{key}' must be a positive number, got {value!r}")
    return float(value)


def _rows(value: object, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"{source}: 'expect.rows' must be a whole number >= 0, got {value!r}"
        )
    return value


def _profiles(value: object, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(
            f"{source}: 'profiles' must be a list such as [smoke, standard, deep], got {value!r}"
        )
    for name in value:
        if name not in PROFILES:
            raise ConfigError(
                f"{source}: 'profiles' entries must be one of {', '.join(PROFILES)}, got {name!r}"
            )
    return tuple(value)


def _labels(value: object, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{source}: 'labels' must be a mapping of label name to value, got {value!r}"
        )
    for key in ("engineType", "userCreator"):
        if key in value:
            raise ConfigError(
                f"{source}: 'labels.{key}' is set by the harness; use 'engineType' at the top level"
            )
    return tuple((str(k), str(v)) for k, v in value.items())


def _numbered(value: object, source: str) -> tuple[str, int] | None:
    if value is None:
        return None
    example = '{text: "log line {n} of 2000", count: 2000}'
    if not isinstance(value, Mapping) or set(map(str, value)) != {"text", "count"}:
        raise ConfigError(
            f"{source}: 'expect.numbered' must be a mapping such as {example}, got {value!r}"
        )
    text, count = value["text"], value["count"]
    if (
        not isinstance(text, str)
        or text.count(NUMBER_MARK) != 1
        or text.startswith(NUMBER_MARK)
    ):
        raise ConfigError(
            f"{source}: 'expect.numbered.text' must hold {NUMBER_MARK} once, after some text "
            f"(e.g. {example}), got {text!r}"
        )
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(
            f"{source}: 'expect.numbered.count' must be a whole number >= 1, got {count!r}"
        )
    return text, count


def _values(value: object, rows: object, source: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or any(
            isinstance(v, bool) or not isinstance(v, str | int | float) for v in value
        )
    ):
        raise ConfigError(
            f"{source}: 'expect.values' must be a non-empty list of values, one per result "
            f"row, such as [row-1, row-2], got {value!r}"
        )
    if rows is not None and rows != len(value):
        raise ConfigError(
            f"{source}: 'expect.values' lists {len(value)} value(s) but 'expect.rows' is {rows!r}"
        )
    return tuple(str(v) for v in value)
