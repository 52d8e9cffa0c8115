import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.sla import (
    Kind,
    Series,
    Sla,
    evaluate,
    parse_slas,
    percentile,
    select,
)
from linkis_harness.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "kind", "metric", "op", "threshold", "quantile"),
    [
        ("p95(job_total)<30s", Kind.PERCENTILE, "job_total", "<", 30_000.0, 95.0),
        ("p99(status)<200ms", Kind.PERCENTILE, "status", "<", 200.0, 99.0),
        ("p99.9(status) <= 1.5s", Kind.PERCENTILE, "status", "<=", 1500.0, 99.9),
        ("fail_ratio<0.01", Kind.FAIL_RATIO, None, "<", 0.01, None),
        ("fail_ratio(log)<1%", Kind.FAIL_RATIO, "log", "<", 0.01, None),
        ("rps(submit)>20", Kind.RPS, "submit", ">", 20.0, None),
        ("rps(submit)>=2/s", Kind.RPS, "submit", ">=", 2.0, None),
        (
            "avg(/entrance/[execID]/status)<150",
            Kind.AVG,
            "/entrance/[execID]/status",
            "<",
            150.0,
            None,
        ),
        (
            "max(job_running:shell-quick)<2m",
            Kind.MAX,
            "job_running:shell-quick",
            "<",
            120_000.0,
            None,
        ),
    ],
)
def test_parse_reads_every_form(text, kind, metric, op, threshold, quantile):
    sla = Sla.parse(text)
    assert (sla.kind, sla.metric, sla.op, sla.quantile) == (kind, metric, op, quantile)
    assert math.isclose(sla.threshold, threshold)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95 job_total 30s", "not an SLA expression"),
        ("p95(job_totl)<30s", "did you mean 'job_total'"),
        ("p95(stauts)<30s", "did you mean 'status'"),
        ("p0(status)<1s", "out of range"),
        ("p95<1s", "needs a metric"),
        ("p95(status)<3parsecs", "unknown unit 'parsecs'"),
        ("fail_ratio<2", "between 0 and 1"),
        ("fail_ratio<1s", "takes no unit but '%'"),
        ("rps(submit)>2ms", "rps is per second"),
    ],
)
def test_bad_expressions_name_themselves(text, message):
    with pytest.raises(ConfigError) as info:
        parse_slas(["p50(status)<1s", text])
    assert repr(text) in str(info.value)
    assert message in str(info.value)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200), st.floats(0.1, 100))
def test_percentile_is_nearest_rank(values, q):
    got = percentile(values, q)
    ordered = sorted(values)
    below = sum(1 for v in ordered if v <= got)
    # nearest rank: at least q% of samples are <= the answer, and it is a real sample
    assert got in values
    assert below >= q / 100 * len(values) - 1e-9
    strictly_below = sum(1 for v in ordered if v < got)
    assert strictly_below < q / 100 * len(values) + 1e-9


def test_percentile_is_exact_not_rounded():
    values = [float(v) for v in range(1, 1001)]  # 1..1000 ms
    assert percentile(values, 95) == 950.0
    assert percentile(values, 99.9) == 999.0
    assert percentile([1234.0], 50) == 1234.0


def test_select_by_alias_family_and_filter():
    names = [
        "/entrance/[execID]/status",
        "/entrance/submit",
        "job_total shell-quick Succeed",
        "job_total shell-slow Cancelled",
        "job_running shell-quick",
    ]
    assert select("status", names) == ["/entrance/[execID]/status"]
    assert select("job_total", names) == names[2:4]
    assert select("job_total:shell-slow", names) == [names[3]]
    assert select("job_total:shell-quick:Failed", names) == []
    assert select(None, names) == names


def test_evaluate_holds_and_breaches():
    series = {
        "/entrance/submit": Series("/entrance/submit", [10.0] * 100, failures=0),
        "/entrance/[execID]/status": Series(
            "/entrance/[execID]/status", [float(v) for v in range(1, 101)], failures=3
        ),
        "job_total shell-quick Succeed": Series(
            "job_total shell-quick Succeed", [2000.0, 2500.0, 40_000.0]
        ),
    }
    slas = parse_slas(
        [
            "p99(status)<100ms",
            "p99(status)<=99ms",
            "fail_ratio<0.01",
            "fail_ratio(submit)<=0",
            "rps(submit)>20",
            "rps(submit)>=10",
            "max(job_total)<30s",
            "p50(job_total)<30s",
            "p95(kill)<1s",
        ]
    )
    results = evaluate(slas, series, duration_s=10.0)
    verdicts = {r.sla.text: (r.observed, r.held) for r in results}
    assert verdicts["p99(status)<100ms"] == (99.0, True)
    assert verdicts["p99(status)<=99ms"] == (99.0, True)
    assert verdicts["fail_ratio<0.01"] == (pytest.approx(3 / 203), False)
    assert verdicts["fail_ratio(submit)<=0"] == (0.0, True)
    assert verdicts["rps(submit)>20"] == (10.0, False)
    assert verdicts["rps(submit)>=10"] == (10.0, True)
    assert verdicts["max(job_total)<30s"] == (40_000.0, False)
    assert verdicts["p50(job_total)<30s"] == (2500.0, True)
    missing = results[-1]
    assert missing.observed is None
    assert not missing.held
    assert "no samples for 'kill'" in missing.detail


def test_shown_uses_the_measure_unit():
    assert Sla.parse("p95(status)<1s").shown(250.0) == "250ms"
    assert Sla.parse("p95(job_total)<1m").shown(31_500.0) == "31.50s"
    assert Sla.parse("rps(submit)>1").shown(2.5) == "2.5/s"
    assert Sla.parse("fail_ratio<0.1").shown(0.05) == "0.05"
