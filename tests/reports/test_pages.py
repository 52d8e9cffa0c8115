"""The HTML reports: self-contained, escaped, secrets never shown, jobs linked by execID."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from linkis_harness.errors import HarnessError
from linkis_harness.load import report as load_report
from linkis_harness.load.cleanup import Ledger
from linkis_harness.reports import checkpage, loadpage
from linkis_harness.reports.charts import lifecycle_chart
from linkis_harness.reports.jobs import anchor
from linkis_harness.reports.scrub import scrub
from tests.support.reports import (
    EXEC_A,
    EXEC_B,
    TICKET,
    TOKEN,
    check_results,
    load_result,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_check_report_shows_families_failures_quirks_and_skips(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(
        json.dumps(check_results()), encoding="utf-8"
    )
    path = checkpage.write_check_report(tmp_path)
    assert path == tmp_path / "report.html"
    page = path.read_text(encoding="utf-8")
    assert '<table id="family-table">' in page
    assert (
        '<tr id="family-log"><td>log</td><td class="num">0</td><td class="num failed">1</td>'
        in page
    )
    assert "VIOLATIONS FOUND: 1 failed" in page
    assert "a line was lost between pages" in page
    assert "fromLine 0 -&gt; 35 consumed 35 lines" in page
    assert "LDAP answers 400 on this cluster" in page  # accepted quirk
    assert "no token rules given" in page  # skip reason
    # The detail's evidence is shown once, as the reproducer.
    assert page.count("reproduce with") == 1


def test_check_report_escapes_and_never_shows_secrets(tmp_path: Path) -> None:
    page = checkpage.render_check_report(check_results(), secrets=["alice123"])
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert TICKET not in page
    assert "SECRETTICKET" not in page
    assert TOKEN not in page
    assert "linkis_user_session_ticket_id_v1=&lt;session&gt;" in page
    # self-contained: no script, no stylesheet or image fetched from anywhere
    assert "<script" not in page
    assert not re.search(r"<link\b|src=\"https?:|href=\"https?:|@import", page)


def test_scrub_replaces_named_secrets_cookies_and_token_headers() -> None:
    text = "pw=alice123 Cookie: bdp-user-ticket-id=abc; Validation-Code: xyz Token-Code=t0k"
    scrubbed = scrub(text, ["alice123"])
    assert scrubbed == (
        "pw=*** Cookie: bdp-user-ticket-id=<session>; Validation-Code: <token> Token-Code=<token>"
    )


def test_every_exec_id_gets_one_anchor_listing_its_requests(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(
        json.dumps(check_results()), encoding="utf-8"
    )
    requests = [
        {
            "seq": 1,
            "nodeid": "test_log.py::t",
            "method": "POST",
            "http_status": 200,
            "status": 0,
            "url": "http://h/api/rest_j/v1/entrance/submit",
            "exec_id": EXEC_A,
        },
        {
            "seq": 2,
            "nodeid": "test_log.py::t",
            "method": "GET",
            "http_status": 200,
            "status": 0,
            "url": f"http://h/api/rest_j/v1/entrance/{EXEC_A}/status",
            "exec_id": EXEC_A,
        },
        {
            "seq": 3,
            "nodeid": "test_kill.py::k",
            "method": "GET",
            "http_status": 200,
            "status": 0,
            "url": f"http://h/api/rest_j/v1/entrance/{EXEC_B}/kill",
            "exec_id": EXEC_B,
        },
        {
            "seq": 5,
            "nodeid": "test_kill.py::k",
            "method": "POST",
            "http_status": 200,
            "status": 0,
            "url": "http://h/api/rest_j/v1/entrance/submit",
            "exec_id": EXEC_B,
        },
        {
            "seq": 6,
            "nodeid": "test_schema.py::fuzz",
            "method": "GET",
            "http_status": 200,
            "status": 1,
            "url": "http://h/api/rest_j/v1/entrance/exec_id0/status",
            "exec_id": "exec_id0",
        },
        {
            "seq": 4,
            "nodeid": "test_auth.py::a",
            "method": "GET",
            "http_status": 401,
            "status": -1,
            "url": "http://h/api/rest_j/v1/jobhistory/list",
            "exec_id": None,
        },
    ]
    text = "\n".join(json.dumps(r) for r in requests) + "\n{torn"
    (tmp_path / "requests.jsonl").write_text(text, encoding="utf-8")
    page = checkpage.write_check_report(tmp_path).read_text(encoding="utf-8")
    anchors = re.findall(r'<div class="card job" id="([^"]+)"', page)
    # The run's jobs (a submit answer named them), in order; a fuzzed id gets no card.
    assert anchors == [anchor(e) for e in (EXEC_A, EXEC_B)]
    section = page.split(f'id="{anchor(EXEC_A)}"', 1)[1]
    section = section.split('<div class="card', 1)[0]
    assert "/entrance/submit" in page
    assert "requests that named it (2)" in section
    other = page.split(f'id="{anchor(EXEC_B)}"', 1)[1]
    assert "requests that named it (2)" in other.split('<div class="card', 1)[0]
    assert '<a href="#failure-1">' in section  # the failure that named the job
    assert "/status" in section  # and its requests
    assert "/kill" not in section  # not the other job's
    # execIDs inside the reproducer link to the job
    assert f'<a href="#{anchor(EXEC_A)}">{EXEC_A}</a>/log' in page


def test_missing_results_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"no results\.json"):
        checkpage.write_check_report(tmp_path)


def test_load_report_has_sla_table_charts_and_is_self_contained(tmp_path: Path) -> None:
    result = load_result(sla="p95(job_total)<1s")
    (tmp_path / "locust.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "locust_stats.csv").write_text("Type,Name\n", encoding="utf-8")
    load_report.write_reports(result, load_report.Raw(Ledger(), None), tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["timeline"]["lifecycle"]["job_total"][0]["p50"] == 2000.0
    assert summary["slas"][0]["shown"]
    page = (tmp_path / "load-report.html").read_text(encoding="utf-8")
    assert '<table id="sla-table">' in page
    assert '<tr class="breached"><td><code>p95(job_total)&lt;1s</code>' in page
    assert "SLA breached: p95(job_total)&lt;1s" in page
    # Two charts, each drawn once: inline SVG in the page, the same figures as PNGs beside it.
    assert page.count("<svg") == 2
    assert '<svg role="img" aria-label="Throughput and backlog over time' in page
    assert (tmp_path / "throughput.png").read_bytes()[:8] == PNG_MAGIC
    assert '<svg role="img" aria-label="Job lifecycle percentiles' in page
    assert ">job_total p95</text>" in page  # text stays text (searchable, readable)
    assert ">job_running p50</text>" in page
    assert ">Users over time</text>" in page
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page
    assert (tmp_path / "lifecycle.png").read_bytes()[:8] == PNG_MAGIC
    assert '<a href="lifecycle.png">lifecycle.png</a>' in page
    assert '<a href="locust.html">' in page
    assert '<a href="locust_stats.csv">' in page
    assert "fromLine 10 -&gt; 9" in page
    assert "<script" not in page
    assert not re.search(r"<link\b|src=\"https?:|href=\"https?:", page)


def test_load_report_that_held_says_so(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(
        json.dumps(
            {
                "exit_code": 0,
                "slas": [
                    {
                        "sla": "p95(job_total)<30s",
                        "observed": 3900.0,
                        "shown": "3.9s",
                        "held": True,
                        "detail": "",
                    }
                ],
                "entries": [],
                "jobs": {"submitted": 3},
                "duration_s": 10,
            }
        ),
        encoding="utf-8",
    )
    page = loadpage.write_load_report(tmp_path).read_text(encoding="utf-8")
    assert "held: every SLA met" in page
    assert '<tr class="held">' in page
    assert "3.9s" in page
    assert "No timeline in summary.json" in page  # an older summary still renders


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_lifecycle_chart_is_one_figure_as_svg_and_png() -> None:
    timeline = {
        "lifecycle": {
            "job_total": [{"t": 1.0, "p50": 1000.0, "p95": 3000.0}],
            "job_running": [{"t": 1.0, "p50": 500.0, "p95": 900.0}],
        },
        "users": [[0.0, 0], [5.0, 3]],
    }
    chart = lifecycle_chart(timeline)
    assert chart.name == "lifecycle"
    assert chart.svg.startswith("<svg ")
    assert chart.svg.rstrip().endswith("</svg>")
    labels = re.findall(r">(job_\w+ p\d\d)</text>", chart.svg)
    assert sorted(labels) == [
        "job_running p50",
        "job_running p95",
        "job_total p50",
        "job_total p95",
    ]
    assert "no samples" not in chart.svg
    # 10 x 6.5 inches at 90 dpi, as the PNG the runner wrote before
    assert _png_size(chart.png) == (900, 585)


def test_lifecycle_chart_without_samples_says_so_and_escapes_names() -> None:
    chart = lifecycle_chart({"lifecycle": {"<script>x</script>": []}, "users": []})
    assert chart.svg.count(">no samples</text>") == 2
    assert "<script" not in chart.svg


def test_secrets_are_scrubbed_before_long_text_is_cut(tmp_path: Path) -> None:
    # A secret across the 6,000-character cut must not leave its first half in the page.
    secret = "s3cr3t-value-0123456789"
    results = check_results()
    failure = results["results"][0]
    failure["violation"]["detail"] = "x" * 5990 + secret + " tail"
    failure["reproducer"] = {}
    results["results"][3]["nodeid"] = f"test_auth.py::test_token[{secret}]"
    page = checkpage.render_check_report(results, secrets=[secret])
    assert secret[:8] not in page
    assert "x" * 5990 + "***" in page
    assert "test_auth.py::test_token[***]" in page
