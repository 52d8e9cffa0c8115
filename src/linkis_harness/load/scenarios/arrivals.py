"""Open-model arrivals: job starts on a fixed schedule, whether or not the target keeps up."""

from __future__ import annotations

import time


class ArrivalClock:
    """Hand out arrival times `start + k / rate` to whichever user is free.

    Users take the next slot when they are ready for a job and sleep until it. When every user
    is busy, slots go by unclaimed and the next one is late: the lateness is reported as
    `arrival_lag`, so a pool that is too small for the rate is visible, not hidden.
    """

    def __init__(self, rate: float, *, now: float | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"arrival rate must be positive, got {rate!r}")
        self.interval = 1.0 / rate
        self.start = time.time() if now is None else now
        self.count = 0

    def claim(self) -> float:
        """Return the next arrival time (epoch seconds)."""
        at = self.start + self.count * self.interval
        self.count += 1
        return at
