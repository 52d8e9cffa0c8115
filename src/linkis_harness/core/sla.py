"""SLA expressions for load runs, and their evaluation over exact raw samples (pure, no I/O).

An SLA is `<measure> <op> <threshold>`:

    p95(job_total)<30s      a percentile of one metric's samples (nearest rank, exact)
    avg(status)<=150ms      the mean; max(x) the largest sample
    fail_ratio<0.01         failed/all samples (all metrics); fail_ratio(status) for one metric
    rps(submit)>20          samples per second over the run's duration

A metric is an operation alias (`submit`, `status`, `log`, ...), a lifecycle family
(`job_running`, `job_total`, `log_rate`, optionally narrowed `job_total:shell-quick:Succeed`)
or a literal entry name starting with `/` (`/entrance/[execID]/status`). Time thresholds take
`ms`, `s`, `m` or `h`; a bare number is milliseconds (Locust's unit). Ratios take `%`.
Locust's own percentiles are rounded to two significant digits, hence the raw samples here.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from linkis_harness.errors import ConfigError

__all__ = [
    "LIFECYCLE",
    "OPERATIONS",
    "Kind",
    "Series",
    "Sla",
    "SlaResult",
    "evaluate",
    "parse_slas",
    "percentile",
    "select",
]

# Alias -> the Locust entry name the lifecycle user reports that operation under.
OPERATIONS: Mapping[str, str] = {
    "login": "/user/login",
    "submit": "/entrance/submit",
    "status": "/entrance/[execID]/status",
    "progress": "/entrance/[execID]/progress",
    "log": "/entrance/[execID]/log",
    "kill": "/entrance/[execID]/kill",
    "history": "/jobhistory/[taskID]/get",
    "results": "/filesystem/getDirFileTrees",
    "open_file": "/filesystem/openFile",
}
# Lifecycle families: entries named "<family> <workload> [<state>]" (see load/scenarios).
LIFECYCLE = ("job_running", "job_total", "log_rate", "arrival_lag")

_TIME_UNITS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_EXPR = re.compile(
    r"^\s*(?P<func>p\d+(?:\.\d+)?|avg|max|rps|fail_ratio)"
    r"\s*(?:\(\s*(?P<metric>[^()]*?)\s*\))?"
    r"\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?P<unit>[a-z%/]*)\s*$"
)
_HINT = "expected e.g. 'p95(job_total)<30s', 'p99(status)<200ms', 'fail_ratio<0.01', 'rps(submit)>20'"


class Kind(StrEnum):
    PERCENTILE = "percentile"
    AVG = "avg"
    MAX = "max"
    RPS = "rps"
    FAIL_RATIO = "fail_ratio"


@dataclass(frozen=True, slots=True)
class Sla:
    """One parsed SLA; `threshold` is in ms for time measures, a ratio or a rate otherwise."""

    text: str
    kind: Kind
    metric: str | None
    op: str
    threshold: float
    quantile: float | None = None

    @classmethod
    def parse(cls, text: str) -> Sla:
        """Parse one expression; `ConfigError` names the expression and what was expected."""
        match = _EXPR.match(text)
        if match is None:
            raise ConfigError(f"--sla {text!r}: not an SLA expression; {_HINT}")
        func, metric, op = match["func"], match["metric"], match["op"]
        kind, quantile = _kind(text, func)
        if metric is None and kind is not Kind.FAIL_RATIO:
            raise ConfigError(
                f"--sla {text!r}: {func} needs a metric in parentheses, e.g. {func}(status)"
            )
        if metric is not None:
            _check_metric(text, metric)
        threshold = _threshold(text, kind, float(match["number"]), match["unit"])
        return cls(text.strip(), kind, metric or None, op, threshold, quantile)

    def holds(self, observed: float) -> bool:
        """Say whether an observed value satisfies this SLA."""
        match self.op:
            case "<":
                return observed < self.threshold
            case "<=":
                return observed <= self.threshold
            case ">":
                return observed > self.threshold
            case _:
                return observed >= self.threshold

    def shown(self, value: float) -> str:
        """Format a value of this SLA's measure for a table (ms, ratio or per second)."""
        if self.kind is Kind.FAIL_RATIO:
            return f"{value:.4g}"
        if self.kind is Kind.RPS:
            return f"{value:.4g}/s"
        if self.metric is not None and self.metric.startswith("log_rate"):
            return f"{value:.4g} lines/s"
        return f"{value:.0f}ms" if value < 10_000 else f"{value / 1000:.2f}s"


def _kind(text: str, func: str) -> tuple[Kind, float | None]:
    if not func.startswith("p"):
        return Kind(func), None
    quantile = float(func[1:])
    if not 0 < quantile <= 100:
        raise ConfigError(
            f"--sla {text!r}: percentile {func} out of range; expected p1..p100"
        )
    return Kind.PERCENTILE, quantile


def _check_metric(text: str, metric: str) -> None:
    if metric.startswith("/") or metric in OPERATIONS:
        return
    family = metric.split(":", 1)[0]
    if family in LIFECYCLE and all(metric.split(":")):
        return
    known = [*OPERATIONS, *LIFECYCLE]
    close = difflib.get_close_matches(metric, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"--sla {text!r}: unknown metric {metric!r}; {hint}known: {', '.join(known)}, "
        "or an entry name such as '/entrance/[execID]/status'"
    )


def _threshold(text: str, kind: Kind, number: float, unit: str) -> float:
    if kind is Kind.FAIL_RATIO:
        if unit == "%":
            return number / 100
        if unit:
            raise ConfigError(
                f"--sla {text!r}: a ratio takes no unit but '%', got {unit!r}"
            )
        if number > 1:
            raise ConfigError(
                f"--sla {text!r}: a ratio is between 0 and 1 (or write {number:g}%)"
            )
        return number
    if kind is Kind.RPS:
        if unit not in ("", "/s"):
            raise ConfigError(
                f"--sla {text!r}: rps is per second; write a bare number, got unit {unit!r}"
            )
        return number
    if unit in ("", "/s"):
        return number
    if unit not in _TIME_UNITS:
        raise ConfigError(
            f"--sla {text!r}: unknown unit {unit!r}; expected one of {', '.join(_TIME_UNITS)}"
        )
    return number * _TIME_UNITS[unit]


def parse_slas(texts: Iterable[str]) -> tuple[Sla, ...]:
    """Parse every `--sla` expression (the first bad one raises `ConfigError`)."""
    return tuple(Sla.parse(text) for text in texts)


@dataclass(frozen=True, slots=True)
class Series:
    """The raw samples of one entry: every value (ms, or lines/s) and how many failed."""

    name: str
    values: Sequence[float]
    failures: int = 0


@dataclass(frozen=True, slots=True)
class SlaResult:
    """The verdict on one SLA: the observed value (None: no samples) and whether it held."""

    sla: Sla
    observed: float | None
    held: bool
    detail: str = ""


def percentile(values: Sequence[float], quantile: float) -> float:
    """Nearest-rank percentile of unsorted `values` (`quantile` in 0..100], exact, no rounding)."""
    if not values:
        raise ValueError("percentile of no samples")
    ordered = sorted(values)
    # The epsilon keeps 99.9% of 1000 at rank 999 despite binary floating point.
    rank = max(1, math.ceil(quantile * len(ordered) / 100 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def select(metric: str | None, names: Iterable[str]) -> list[str]:
    """Return the entry names a metric covers (all of them for `None`)."""
    names = list(names)
    if metric is None:
        return names
    if metric in OPERATIONS:
        metric = OPERATIONS[metric]
    if metric.startswith("/"):
        return [n for n in names if n == metric]
    parts = metric.split(":")
    return [n for n in names if n.split(" ")[: len(parts)] == parts]


def evaluate(
    slas: Sequence[Sla], series: Mapping[str, Series], *, duration_s: float
) -> list[SlaResult]:
    """Evaluate each SLA over the raw samples of a run that lasted `duration_s` seconds."""
    return [_evaluate_one(sla, series, duration_s) for sla in slas]


def _evaluate_one(
    sla: Sla, series: Mapping[str, Series], duration_s: float
) -> SlaResult:
    chosen = [series[name] for name in select(sla.metric, series)]
    count = sum(len(s.values) for s in chosen)
    if count == 0:
        known = ", ".join(sorted(series)) or "none"
        return SlaResult(
            sla, None, False, f"no samples for {sla.metric!r} (entries: {known})"
        )
    observed = _measure(sla, chosen, count, duration_s)
    return SlaResult(sla, observed, sla.holds(observed), f"{count} samples")


def _measure(
    sla: Sla, chosen: Sequence[Series], count: int, duration_s: float
) -> float:
    match sla.kind:
        case Kind.FAIL_RATIO:
            return sum(s.failures for s in chosen) / count
        case Kind.RPS:
            return count / duration_s if duration_s > 0 else 0.0
        case Kind.MAX:
            return max(max(s.values) for s in chosen if s.values)
        case Kind.AVG:
            return sum(sum(s.values) for s in chosen) / count
        case _:
            values = [v for s in chosen for v in s.values]
            return percentile(values, sla.quantile or 100.0)
