"""The HTML report of one `load` run, rendered by `templates/load.html.j2`, and its chart.

Input, from `--report-dir`: `summary.json` (`load.report.write_reports`, with its `timeline` of
lifecycle percentiles per window). Output: `load-report.html` with the chart inline as SVG, the
same chart as `lifecycle.png`, and links to Locust's own HTML and CSVs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from linkis_harness.errors import HarnessError
from linkis_harness.reports.charts import Chart, lifecycle_chart, throughput_chart
from linkis_harness.reports.html import read_json, render
from linkis_harness.reports.scrub import scrub_all

__all__ = ["LOAD_REPORT", "load_context", "render_load_report", "write_load_report"]

LOAD_REPORT = "load-report.html"


def write_load_report(report_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """Render `report_dir/summary.json` into `load-report.html`; write its chart as a PNG too."""
    summary = read_json(report_dir / "summary.json")
    if not isinstance(summary, dict):
        raise HarnessError(f"{report_dir / 'summary.json'}: not a summary object")
    timeline = summary.get("timeline")
    charts = [lifecycle_chart(timeline)] if isinstance(timeline, dict) else []
    if isinstance(timeline, dict) and timeline.get("throughput"):
        charts.append(throughput_chart(timeline))
    for chart in charts:
        (report_dir / f"{chart.name}.png").write_bytes(chart.png)
    files = sorted(
        p.name
        for p in report_dir.iterdir()
        if p.is_file() and (p.name == "locust.html" or p.suffix == ".csv")
    )
    path = report_dir / LOAD_REPORT
    path.write_text(
        render_load_report(summary, files=files, charts=charts, secrets=secrets),
        encoding="utf-8",
    )
    return path


def render_load_report(
    summary: Mapping[str, Any],
    *,
    files: Sequence[str] = (),
    charts: Sequence[Chart] = (),
    secrets: Sequence[str] = (),
) -> str:
    """Return the HTML of one load run (see the module docstring for the inputs)."""
    context = scrub_all(load_context(summary, files=files), secrets)
    # Charts are markup matplotlib drew from numbers and fixed labels: nothing to scrub.
    context["charts"] = {chart.name: chart for chart in charts}
    return render("load.html.j2", context)


def _ms(value: Any, name: str) -> str:
    if not isinstance(value, int | float):
        return "-"
    if name.startswith("log_rate"):
        return f"{value:.0f}/s"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def _load_verdict(summary: Mapping[str, Any]) -> dict[str, str]:
    exit_code = summary.get("exit_code")
    if exit_code == 0:
        return {"kind": "ok", "text": "held: every SLA met, no job left running"}
    jobs = summary.get("jobs") or {}
    breached = [
        s for s in summary.get("slas", []) if isinstance(s, dict) and not s.get("held")
    ]
    reasons = []
    if breached:
        reasons.append(
            "SLA breached: " + ", ".join(str(s.get("sla")) for s in breached)
        )
    if summary.get("violations"):
        reasons.append("contract violations under load")
    if jobs.get("left_running"):
        reasons.append(f"{jobs['left_running']} job(s) left running")
    delivery = summary.get("delivery") or {}
    if delivery.get("shortfall") and not delivery.get("accepted"):
        reasons.append(f"under-delivered: {delivery['shortfall']}")
    if summary.get("aborted"):
        reasons.append(f"aborted: {summary['aborted']}")
    if summary.get("problem"):
        reasons.append(str(summary["problem"]))
    return {
        "kind": "bad",
        "text": f"{'; '.join(reasons) or 'not held'} (exit {exit_code})",
    }


def load_context(
    summary: Mapping[str, Any], *, files: Sequence[str] = ()
) -> dict[str, Any]:
    """Return the values `load.html.j2` shows (not scrubbed yet; the caller adds the charts)."""
    jobs = summary.get("jobs") or {}
    finished = jobs.get("finished") or {}
    job_rows = [("submitted", jobs.get("submitted", 0))]
    job_rows += [(f"finished {s}", n) for s, n in sorted(finished.items())]
    job_rows += [
        ("killed at cleanup", jobs.get("killed_at_cleanup", 0)),
        ("left running", jobs.get("left_running", 0)),
    ]
    entries = [e for e in summary.get("entries", []) if isinstance(e, dict)]
    violations = summary.get("violations") or {}
    return {
        "title": "linkis-harness load report",
        "target": str(summary["target"]) if summary.get("target") else None,
        "duration": f"{float(summary.get('duration_s') or 0.0):.1f}",
        "requests": summary.get("requests", 0),
        "failures": summary.get("failures", 0),
        "workers": len(summary.get("workers") or {}),
        "verdict": _load_verdict(summary),
        "slas": [
            {
                "sla": s.get("sla", ""),
                "observed": s.get("shown")
                or (
                    f"{s['observed']:g}"
                    if isinstance(s.get("observed"), int | float)
                    else "-"
                ),
                "held": bool(s.get("held")),
                "detail": s.get("detail") or "",
            }
            for s in summary.get("slas", [])
            if isinstance(s, dict)
        ],
        "has_timeline": isinstance(summary.get("timeline"), dict),
        "job_rows": job_rows,
        "left_running": list(jobs.get("left_running_exec_ids") or []),
        "entries": [
            {
                "name": str(e.get("name", "")),
                "count": e.get("count", 0),
                "failures": e.get("failures", 0),
                "per_s": f"{float(e.get('per_s') or 0):.2f}",
                **{
                    q: _ms(e.get(q), str(e.get("name", "")))
                    for q in ("p50", "p95", "p99", "max")
                },
            }
            for e in entries
        ],
        "violations": [
            {
                "count": info.get("count", ""),
                "key": key,
                "example": str(info.get("example", "")),
            }
            for key, info in sorted(
                violations.items(), key=lambda kv: -int(kv[1].get("count", 0))
            )
        ],
        "files": list(files),
    }
