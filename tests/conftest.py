"""Shared test configuration: hypothesis profiles chosen with HYPOTHESIS_PROFILE (tox sets `ci`),
and the order tests start in, longest first, for pytest-xdist's `--dist load`."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The tests that take a minute or more of wall time (a capacity search, a full `check` at
# standard or deep, a wheel build), longest first, as measured on a 2-core machine. With
# `--dist load --maxschedchunk 1` the next free worker takes the next test: started first, they
# run side by side instead of one of them running alone in the last minutes. Only the order
# changes; a wrong entry costs time, never a result.
LONGEST_FIRST = (
    "tests/load/test_capacity.py::test_the_search_runs_with_local_workers",
    "tests/load/test_capacity.py::test_the_search_finds_the_slot_capacity",
    "tests/check/test_check.py::test_faithful_simulator_passes_every_check",
    "tests/check/test_readme_pytest.py",
    "tests/load/test_baseline.py",
    "tests/check/test_unreliable_targets.py::test_load_and_rules_report_a_target_breaking",
    "tests/project/test_ci_install.py",
    "tests/check/test_releases.py::test_check_passes_against_every_release",
    "tests/check/test_unreliable_targets.py",
    "tests/load/test_cleanup",
    "tests/load/test_capacity.py",
    "tests/cli/test_tls_settings.py",
    "tests/check/test_check.py",
    "tests/check/test_baseline.py",
    "tests/spec/test_spec_vs_simulator.py",
    "tests/load/test_web.py",
    "tests/check/test_releases.py",
    "tests/check/test_families.py",
    "tests/check/test_verdicts.py",
    "tests/check/test_accepted_defects.py",
    "tests/load/test_load.py",
    "tests/load/test_delivery.py",
)


def _rank(item: pytest.Item) -> int:
    for rank, prefix in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: within a rank, the files' own order
