"""`load` options become a LoadPlan, or a ConfigError that names the option (no process started)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from linkis_harness.errors import ConfigError
from linkis_harness.load.plan import (
    LoadOptions,
    LoadPlan,
    make_plan,
    parse_duration,
    parse_rate,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("90", 90.0), ("1.5m", 90.0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5x", "0s", "-3s", "5 m s"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(ConfigError, match="--run-time"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("5/s", 5.0), ("120/m", 2.0), ("0.5", 0.5), ("7200/h", 2.0)],
)
def test_rates(text: str, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["fast", "0/s", "5/d", "/s"])
def test_bad_rates_name_the_option(text: str) -> None:
    with pytest.raises(ConfigError, match="--submit-rate"):
        parse_rate(text)


def _plan(**options: Any) -> LoadPlan:
    return make_plan(LoadOptions(**options))


def test_plan_defaults_and_roles() -> None:
    plan = _plan(users=7, run_time="1m", slas=("p95(status)<1s",))
    assert (plan.users, plan.run_time, plan.role, plan.workers) == (7, 60.0, "local", 0)
    assert plan.slas[0].threshold == 1000.0
    assert plan.client_model == "java"
    assert {w.name for w in plan.workloads} >= {"shell-quick"}
    assert _plan(workers=3).expect_workers == 3
    worker = _plan(worker=True, master_host="10.0.0.5", master_port=6000)
    assert (worker.role, worker.master_host, worker.master_port) == (
        "worker",
        "10.0.0.5",
        6000,
    )
    assert _plan(master=True, expect_workers=4).role == "master"
    assert _plan(submit_rate="2/s").submit_rate == 2.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kill_fraction": 1.5}, "--kill-fraction: expected 0..1"),
        ({"shape": "zigzag"}, "--shape: expected one of ramp, step, spike"),
        ({"client_model": "go"}, "--client-model: expected java or cli"),
        ({"master": True, "worker": True}, "--master and --worker exclude each other"),
        ({"workers": 2, "master": True}, "do not combine it with --master/--worker"),
        ({"slas": ("rps(submit)>2ms",)}, "rps is per second"),
        ({"workloads": Path("/nonexistent/workloads")}, "--workloads"),
    ],
)
def test_bad_plans_name_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        _plan(**options)
