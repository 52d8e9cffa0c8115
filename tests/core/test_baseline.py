"""Holding a run against a baseline (pure): entries side by side, violations diffed."""

from __future__ import annotations

import pytest

from linkis_harness.core.baseline import (
    compare_entries,
    diff_violations,
    parse_share,
    same_target,
    summary_entries,
    violation_keys,
)
from linkis_harness.errors import ConfigError


def _entry(
    name: str, p50: float, p95: float, p99: float, count: int = 50
) -> dict[str, object]:
    return {
        "name": name,
        "count": count,
        "failures": 0,
        "per_s": 1.0,
        "p50": p50,
        "p95": p95,
        "p99": p99,
    }


def test_a_percentile_past_the_threshold_and_the_floor_regresses() -> None:
    base = [_entry("job_total fixed Succeed", 1000, 1500, 1600)]
    slower = [_entry("job_total fixed Succeed", 1050, 3000, 3500)]
    (change,) = compare_entries(base, slower, 0.10)
    assert change.regressions == ("p95 +100%", "p99 +119%")
    assert change.change("p50") == pytest.approx(0.05)


def test_small_absolute_changes_and_thin_entries_are_not_judged() -> None:
    base = [_entry("/entrance/[execID]/status", 3, 5, 8), _entry("kill", 10, 10, 10, 2)]
    now = [
        _entry("/entrance/[execID]/status", 6, 12, 40),
        _entry("kill", 900, 900, 900, 2),
    ]
    assert [c.regressions for c in compare_entries(base, now, 0.10)] == [(), ()]


def test_entries_in_one_run_only_are_listed_unjudged() -> None:
    changes = compare_entries([_entry("a", 1, 1, 1)], [_entry("b", 1, 1, 1)], 0.1)
    assert [(c.name, c.base is None, c.now is None) for c in changes] == [
        ("a", False, True),
        ("b", True, False),
    ]


def test_faster_is_never_a_regression() -> None:
    base = [_entry("job_total x Succeed", 5000, 9000, 9900)]
    now = [_entry("job_total x Succeed", 1000, 1500, 1600)]
    assert compare_entries(base, now, 0.1)[0].regressions == ()


@pytest.mark.parametrize(
    "data", [None, [], {"entries": []}, {"entries": [{"name": "x"}]}, {"nope": 1}]
)
def test_a_summary_of_the_wrong_shape_is_refused(data: object) -> None:
    with pytest.raises(ConfigError, match=r"--baseline old\.json"):
        summary_entries(data, "old.json")


def test_targets_are_matched_by_their_id_and_shares_parse() -> None:
    assert same_target({"target_id": "embedded simulator"}, "embedded simulator")
    assert same_target({"target": "http://gw:9001"}, "http://gw:9001")
    assert not same_target({"target_id": "http://gw:9001"}, "http://other:9001")
    assert parse_share("10%") == pytest.approx(0.1)
    assert parse_share("0.25") == pytest.approx(0.25)
    with pytest.raises(ConfigError, match="--max-regression"):
        parse_share("lots")


def test_violations_split_into_new_fixed_and_unchanged() -> None:
    def results(*failed: tuple[str, str]) -> dict[str, object]:
        return {
            "results": [
                {
                    "nodeid": n,
                    "outcome": "failed",
                    "violation": {"check": c, "title": "t"},
                }
                for n, c in failed
            ]
            + [{"nodeid": "ok", "outcome": "passed"}]
        }

    base = violation_keys(results(("a", "log"), ("b", "kill")), "base")
    now = violation_keys(results(("b", "kill"), ("c", "states")), "now")
    diff = diff_violations(base, now)
    assert list(diff.new) == ["c [states] t"]
    assert list(diff.fixed) == ["a [log] t"]
    assert list(diff.unchanged) == ["b [kill] t"]
    with pytest.raises(ConfigError, match=r"not a check results\.json"):
        violation_keys({"entries": []}, "x.json")


def test_generator_lag_and_log_rates_are_shown_but_never_judged() -> None:
    base = [_entry("arrival_lag fixed", 0, 0, 10), _entry("log_rate fixed", 12, 12, 12)]
    now = [_entry("arrival_lag fixed", 0, 0, 900), _entry("log_rate fixed", 90, 90, 90)]
    assert [c.regressions for c in compare_entries(base, now, 0.1)] == [(), ()]


def test_lifecycle_metrics_move_by_a_poll_interval_without_regressing() -> None:
    # A 1 s job polled every 500 ms is seen ending at 1.09 s or 1.54 s depending on the phase.
    base = [_entry("job_total fixed Succeed", 1093, 1572, 1578)]
    now = [_entry("job_total fixed Succeed", 1540, 1576, 1582)]
    assert compare_entries(base, now, 0.1, poll_ms=500)[0].regressions == ()
    slower = [_entry("job_total fixed Succeed", 4236, 7287, 7287)]
    assert compare_entries(base, slower, 0.1, poll_ms=500)[0].regressions == (
        "p50 +288%",
        "p95 +364%",
        "p99 +362%",
    )
