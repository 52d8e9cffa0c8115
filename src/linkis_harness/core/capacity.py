"""The capacity search's decisions (pure): the backlog trend, a step's verdict, the next rate.

`load --find-capacity` offers an open-model arrival rate step by step. Rates go up
geometrically (x2) until a step breaches, then the search bisects (geometric mean) between the
last rate that held and the first that breached until they are within the resolution. The
capacity is the highest rate that held.

A step holds when every SLA held, nothing failed, the arrivals kept up with the offered rate and
the backlog (jobs submitted and not yet Running) did not grow over the measured window: a queue
that grows for the whole step breaches even when the step was too short for the percentiles to
show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "ARRIVAL_SHORTFALL",
    "GROWTH_SHARE",
    "MIN_GROWTH",
    "Search",
    "StepFigures",
    "backlog",
    "growth",
    "step_reasons",
]

# The backlog grows when it rises by more than this share of the window's arrivals (or by more
# than MIN_GROWTH jobs, whichever is larger). At 1.05x the capacity the queue takes ~5% of the
# arrivals, so the search can resolve to ~5% at best.
GROWTH_SHARE = 0.04
MIN_GROWTH = 2.0
# Arrivals behind the offered rate by more than this share: the target (or the pool) did not
# take the rate.
ARRIVAL_SHORTFALL = 0.1


def backlog(
    submitted: Sequence[float], dequeued: Sequence[float], times: Sequence[float]
) -> list[float]:
    """Jobs submitted and not yet dequeued (seen Running or terminal) at each of `times`."""
    subs, deqs = sorted(submitted), sorted(dequeued)
    out: list[float] = []
    i = j = 0
    for at in sorted(times):
        while i < len(subs) and subs[i] <= at:
            i += 1
        while j < len(deqs) and deqs[j] <= at:
            j += 1
        out.append(float(max(i - j, 0)))
    return out


def growth(times: Sequence[float], values: Sequence[float]) -> float:
    """How much `values` rose over the span of `times`: least-squares slope x span (0 if < 3 points)."""
    n = len(times)
    if n < 3 or n != len(values):
        return 0.0
    mean_t, mean_v = sum(times) / n, sum(values) / n
    var = sum((t - mean_t) ** 2 for t in times)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values, strict=True))
    return cov / var * (max(times) - min(times))


@dataclass(frozen=True, slots=True)
class StepFigures:
    """What one step measured over its window (after the warm-up)."""

    rate_per_min: float  # offered
    window_s: float
    arrivals: int  # jobs submitted in the window
    finished: int  # jobs that ended in the window
    backlog_growth: float  # jobs
    failures: int
    sla_breaches: tuple[str, ...] = ()

    @property
    def arrived_per_min(self) -> float:
        return self.arrivals / self.window_s * 60 if self.window_s > 0 else 0.0

    @property
    def throughput_per_min(self) -> float:
        return self.finished / self.window_s * 60 if self.window_s > 0 else 0.0

    @property
    def growth_limit(self) -> float:
        return max(MIN_GROWTH, GROWTH_SHARE * self.arrivals)


def step_reasons(figures: StepFigures) -> list[str]:
    """Why a step breached (empty: it held)."""
    reasons = [f"SLA breached: {text}" for text in figures.sla_breaches]
    if figures.failures:
        reasons.append(f"{figures.failures} failure(s)")
    offered = figures.rate_per_min * figures.window_s / 60
    if offered >= 5 and figures.arrivals < (1 - ARRIVAL_SHORTFALL) * offered:
        reasons.append(
            f"arrivals fell behind ({figures.arrived_per_min:.3g}/min offered "
            f"{figures.rate_per_min:.3g}/min)"
        )
    if figures.backlog_growth > figures.growth_limit:
        reasons.append(f"backlog grew by {figures.backlog_growth:.0f} jobs")
    return reasons


@dataclass
class Search:
    """Step up geometrically, then bisect; `next_rate()` is None when the search is done."""

    start: float  # jobs/min
    max_rate: float
    resolution: float = 0.10
    factor: float = 2.0
    held: list[float] = field(default_factory=list)
    breached: list[float] = field(default_factory=list)

    def record(self, rate: float, held: bool) -> None:
        """Note one step's verdict."""
        (self.held if held else self.breached).append(rate)

    @property
    def best(self) -> float | None:
        """The highest rate that held below every breached rate (None: none held)."""
        ceiling = min(self.breached, default=float("inf"))
        below = [r for r in self.held if r < ceiling]
        return max(below) if below else None

    def next_rate(self) -> float | None:
        """Return the next rate to offer, or None when the capacity is known to the resolution."""
        best = self.best
        if not self.breached:
            if best is None:
                return self.start
            if best >= self.max_rate:
                return None
            return min(best * self.factor, self.max_rate)
        ceiling = min(self.breached)
        if best is None:
            return None  # even the lowest rate breached
        if ceiling <= best * (1 + self.resolution):
            return None
        return float((best * ceiling) ** 0.5)

    @property
    def capped(self) -> bool:
        """True when the search stopped at --max-rate without a breach."""
        return not self.breached and (self.best or 0) >= self.max_rate
