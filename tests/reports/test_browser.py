"""The check and load HTML reports rendered by a real headless Chromium (screenshots in tmp).

Needs Debian's `chromium` package (`apt-get install -y chromium`); skips with that reason when
`/usr/bin/chromium` is absent. The screenshots stay under the test's tmp dir, never the repo.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from linkis_harness.load import report as load_report
from linkis_harness.load.cleanup import Ledger
from linkis_harness.reports.checkpage import write_check_report
from linkis_harness.reports.jobs import anchor
from linkis_harness.reports.loadpage import LOAD_REPORT
from tests.support.reports import EXEC_A, TICKET, TOKEN, check_results, load_result

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="headless Chromium not installed (/usr/bin/chromium; apt-get install chromium)",
    ),
]


def _chromium(
    tmp_path: Path, page: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    argv = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,2000",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=120, check=False
    )


def _render(tmp_path: Path, page: Path, name: str) -> tuple[Path, str]:
    """Screenshot the page and return (png, the DOM as Chromium built it)."""
    shot = tmp_path / f"{name}.png"
    done = _chromium(tmp_path, page, f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    return shot, dom.stdout


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_check_report_renders_in_chromium(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    (report_dir / "results.json").write_text(
        json.dumps(check_results()), encoding="utf-8"
    )
    page = write_check_report(report_dir)
    shot, dom = _render(tmp_path, page, "check-report")
    assert _is_png(shot)
    # A blank page compresses to a few kB; tables, cards and code blocks do not.
    assert shot.stat().st_size > 30_000
    assert "<title>linkis-harness check — http://127.0.0.1:18731</title>" in dom
    assert '<table id="family-table">' in dom
    assert "a line was lost between pages" in dom
    # the failure's curl reproducer, its execID a link to the job's anchor
    job = anchor(EXEC_A)
    assert f'/entrance/<a href="#{job}">{EXEC_A}</a>/log' in dom
    assert f'id="{job}"' in dom
    assert "curl -sS -X GET" in dom
    assert "<script>alert" not in dom  # the hostile message stayed text
    assert TICKET not in dom
    assert TOKEN not in dom


def test_load_report_renders_in_chromium(tmp_path: Path) -> None:
    report_dir = tmp_path / "load"
    report_dir.mkdir()
    load_report.write_reports(
        load_result(sla="p95(job_total)<1s"),
        load_report.Raw(Ledger(), None),
        report_dir,
    )
    page = report_dir / LOAD_REPORT
    shot, dom = _render(tmp_path, page, "load-report")
    assert _is_png(shot)
    assert shot.stat().st_size > 30_000
    assert '<table id="sla-table">' in dom
    assert "BREACHED" in dom
    # the matplotlib charts (lifecycle, throughput), inline: titles and legend are text
    assert dom.count("<svg") == 2
    assert ">Backlog (jobs submitted, not yet Running)</text>" in dom
    assert "Lifecycle percentiles per window" in dom
    assert ">job_total p95</text>" in dom
    assert ">Users over time</text>" in dom
