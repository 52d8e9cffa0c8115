"""Load shapes over the run time: ramp, step, spike (peak users = Locust's --users).

Each shape holds its last value after the run time: the locustfile's deadline ends the run
gracefully (so users kill their jobs and workers send their final samples), not the shape.
"""

from __future__ import annotations

from locust import LoadTestShape


class _Shape(LoadTestShape):
    abstract = True
    use_common_options = True  # reads --users and --spawn-rate

    def _params(self) -> tuple[int, float, float]:
        assert self.runner is not None  # Locust sets the runner before the first tick
        options = self.runner.environment.parsed_options
        assert options is not None
        users = int(options.num_users or 1)
        rate = float(options.spawn_rate or 1.0)
        run_time = float(getattr(options, "linkis_run_time", 0.0) or 60.0)
        return users, rate, run_time

    def users_at(self, fraction: float, peak: int) -> int:
        raise NotImplementedError

    def tick(self) -> tuple[int, float]:
        peak, rate, run_time = self._params()
        fraction = min(self.get_run_time() / run_time, 1.0)  # type: ignore[no-untyped-call]
        return max(1, self.users_at(fraction, peak)), rate


class RampShape(_Shape):
    """Linear from 1 user to the peak over the first 3/4 of the run, then hold."""

    def users_at(self, fraction: float, peak: int) -> int:
        return round(peak * min(fraction / 0.75, 1.0))


class StepShape(_Shape):
    """Four equal steps: 1/4, 1/2, 3/4, then all of the peak."""

    def users_at(self, fraction: float, peak: int) -> int:
        step = min(int(fraction * 4), 3) + 1
        return round(peak * step / 4)


class SpikeShape(_Shape):
    """A fifth of the peak, the full peak for the middle fifth of the run, then a fifth again."""

    def users_at(self, fraction: float, peak: int) -> int:
        return peak if 0.4 <= fraction < 0.6 else max(1, round(peak / 5))


SHAPES = {"ramp": RampShape, "step": StepShape, "spike": SpikeShape}
