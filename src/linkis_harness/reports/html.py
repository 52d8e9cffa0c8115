"""Self-contained HTML reports people read: one per `check` run, one per `load` run.

Each report is a single file with inline CSS and an inline SVG chart (no scripts, no external
assets), so it can be attached to a CI run or mailed as is. It is rendered by the Jinja2
templates in `templates/` (autoescaping on) from the files the run already wrote into
`--report-dir`:

- check: `results.json` (`check.report.write_results`) and, when the report plugin wrote it,
  `requests.jsonl` (one line per HTTP exchange: seq, nodeid, method, url, http_status, status,
  exec_id, task_id) → `report.html`;
- load: `summary.json` (`load.report.write_reports`, with its `timeline` of lifecycle
  percentiles per window) → `load-report.html` and the same chart as `lifecycle.png`, linking
  Locust's own HTML and CSVs.

This module turns those inputs into the values the templates show; every string among them is
scrubbed (`scrub.scrub_all`: session cookies, `Token-Code`/`Validation-Code` header values and
the secrets the caller names) before rendering, even though the reproducers are already
scrubbed upstream. To add a section: add its values to the context here and one
`{% block %}` to the report's template.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from linkis_harness.core.execid import ExecId
from linkis_harness.errors import HarnessError
from linkis_harness.reports.charts import Chart, lifecycle_chart
from linkis_harness.reports.jobs import Jobs, anchor, exec_ids_in, link_exec_ids
from linkis_harness.reports.scrub import scrub, scrub_all

__all__ = [
    "CHECK_REPORT",
    "LOAD_REPORT",
    "read_requests",
    "render_check_report",
    "render_load_report",
    "scrub",
    "write_check_report",
    "write_load_report",
]

CHECK_REPORT = "report.html"
LOAD_REPORT = "load-report.html"
_COLUMNS = ("passed", "failed", "accepted", "skipped")
_MAX_TEXT = 6000
_MAX_REQUESTS = 200  # per job, in the jobs section
_API_PREFIX = "/api/rest_j/v1"


def _clip(text: str, limit: int = _MAX_TEXT) -> str:
    return (
        text
        if len(text) <= limit
        else text[:limit] + f" … ({len(text) - limit} more chars)"
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clip"] = _clip
    env.filters["link_ids"] = link_exec_ids
    env.filters["anchor"] = anchor
    return env


_ENV = _environment()


def _render(template: str, context: Mapping[str, Any]) -> str:
    return _ENV.get_template(template).render(context)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(
            f"no {path.name} in {path.parent}: nothing to report"
        ) from None
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from None


# -- check ----------------------------------------------------------------------------------------


def read_requests(path: Path) -> list[dict[str, Any]]:
    """Read requests.jsonl (a missing file or a torn line is no error: fewer links)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    requests = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            requests.append(item)
    return requests


def write_check_report(report_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """Render `report_dir/results.json` (+ `requests.jsonl`) into `report_dir/report.html`."""
    results = _read_json(report_dir / "results.json")
    if not isinstance(results, dict):
        raise HarnessError(f"{report_dir / 'results.json'}: not a results object")
    requests = read_requests(report_dir / "requests.jsonl")
    path = report_dir / CHECK_REPORT
    path.write_text(
        render_check_report(results, requests, secrets=secrets), encoding="utf-8"
    )
    return path


def render_check_report(
    results: Mapping[str, Any],
    requests: Sequence[Mapping[str, Any]] = (),
    *,
    secrets: Sequence[str] = (),
) -> str:
    """Return the HTML of one check run (see the module docstring for the inputs)."""
    context = scrub_all(check_context(results, requests), secrets)
    return _render("check.html.j2", context)


def check_context(
    results: Mapping[str, Any], requests: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """Return the values `check.html.j2` shows (not yet scrubbed)."""
    items = [r for r in results.get("results", []) if isinstance(r, dict)]
    failures = [r for r in items if r.get("outcome") in ("failed", "error")]
    counts = _counts(results)
    jobs = Jobs()
    for number, item in enumerate(failures, start=1):
        violation = item.get("violation") or {}
        named = [violation.get("exec_id")] if violation.get("exec_id") else []
        named += exec_ids_in(str((item.get("reproducer") or {}).get("curl", "")))
        for exec_id in named:
            jobs.add_failure(str(exec_id), number, str(item.get("nodeid", "")))
    for request in requests:
        if request.get("exec_id"):
            jobs.add_request(str(request["exec_id"]), request)
    target = str(results.get("target") or "?")
    exit_code = results.get("exit_code")
    failed_total = sum(row["failed"] for row in counts.values())
    if failed_total:
        verdict = ("bad", f"VIOLATIONS FOUND: {failed_total} failed")
    elif exit_code not in (None, 0):
        verdict = ("warn", f"the run did not complete (exit {exit_code})")
    else:
        verdict = ("ok", "all checks held")
    return {
        "title": f"linkis-harness check — {target}",
        "target": target,
        "profile": results.get("profile", "?"),
        "seed": results.get("seed", "?"),
        "markers": results.get("markers") or None,
        "wall_seconds": results.get("wall_seconds"),
        "linkis_version": results.get("linkis_version") or None,
        "exit_code": exit_code,
        "verdict": {"kind": verdict[0], "text": verdict[1]},
        "columns": _COLUMNS,
        "families": _families(counts, results.get("durations") or {}),
        "totals": [sum(int(r.get(c, 0)) for r in counts.values()) for c in _COLUMNS],
        "failures": [_failure(n, item) for n, item in enumerate(failures, start=1)],
        "accepted": _listed(r for r in items if r.get("outcome") == "accepted"),
        "skipped": _listed(
            r for r in items if r.get("outcome") in ("skipped", "xfailed")
        ),
        "checks": [
            {
                **_listed([r])[0],
                "outcome": r.get("outcome", ""),
                "seconds": r.get("duration", ""),
            }
            for r in items
        ],
        "ids": jobs.ids,
        "jobs": [_job(exec_id, jobs) for exec_id in jobs.ids],
    }


def _counts(results: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    families = results.get("families")
    if isinstance(families, dict) and families:
        return {
            str(k): {c: int(v.get(c, 0)) for c in _COLUMNS}
            for k, v in families.items()
            if isinstance(v, dict)
        }
    table: dict[str, dict[str, int]] = {}
    for item in results.get("results", []):
        row = table.setdefault(str(item.get("family", "")), dict.fromkeys(_COLUMNS, 0))
        outcome = str(item.get("outcome", ""))
        column = {"error": "failed", "xfailed": "skipped"}.get(outcome, outcome)
        if column in row:
            row[column] += 1
    return table


def _families(
    counts: Mapping[str, Mapping[str, int]], durations: Mapping[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for family, row in counts.items():
        seconds = durations.get(family)
        rows.append(
            {
                "name": family,
                "cells": [
                    {
                        "value": int(row.get(c, 0)),
                        "flag": c in ("failed", "accepted") and bool(row.get(c, 0)),
                        "column": c,
                    }
                    for c in _COLUMNS
                ],
                "seconds": f"{float(seconds):.1f}"
                if isinstance(seconds, int | float)
                else "",
            }
        )
    return rows


def _listed(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "nodeid": r.get("nodeid", ""),
            "family": r.get("family", ""),
            "reason": str(r.get("reason", "")),
        }
        for r in items
    ]


def _pretty_response(text: str) -> str:
    """Indent the JSON body of a response excerpt (status line, then JSON) when it parses."""
    head, sep, body = text.partition("\n")
    if not sep:
        return text
    try:
        parsed = json.loads(body)
    except ValueError:
        return text
    return head + "\n" + json.dumps(parsed, indent=2, ensure_ascii=False)


def _failure(number: int, item: Mapping[str, Any]) -> dict[str, Any]:
    violation = item.get("violation") or {}
    reproducer = item.get("reproducer") or {}
    family = str(item.get("family", ""))
    message = str(item.get("message", ""))
    title = str(violation.get("title") or (message.splitlines() or ["(no message)"])[0])
    detail = str(violation.get("detail") or "").strip()
    if reproducer.get("curl"):
        # The request/response a detail states is shown once, as the reproducer.
        detail = ("\n" + detail).split("\nrequest:", 1)[0].strip()
    if not violation and message:
        detail = message
    response = reproducer.get("response")
    return {
        "number": number,
        "family": family,
        "nodeid": item.get("nodeid", ""),
        "rule": str(violation.get("check") or family),
        "title": title,
        "operation": violation.get("operation") or None,
        "exec_id": str(violation["exec_id"]) if violation.get("exec_id") else None,
        "detail": detail if detail and detail != title else None,
        "curl": str(reproducer["curl"]) if reproducer.get("curl") else None,
        "response": _pretty_response(str(response)) if response else None,
    }


def _job(exec_id: str, jobs: Jobs) -> dict[str, Any]:
    try:
        described = ExecId.parse(exec_id).describe()
    except (HarnessError, ValueError):
        described = {}
    requests = jobs.requests.get(exec_id, [])
    return {
        "exec_id": exec_id,
        "fields": [
            (k, ", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
            for k, v in described.items()
            if v not in (None, "", [], ())
        ],
        "failures": jobs.failures.get(exec_id, []),
        "request_count": len(requests),
        "requests": [
            {
                "seq": r.get("seq", ""),
                "test": str(r.get("nodeid", "")).split("::", 1)[-1],
                "method": r.get("method", ""),
                "path": _short_url(str(r.get("url", ""))),
                "http_status": r.get("http_status", ""),
                "status": "" if r.get("status") is None else r.get("status"),
            }
            for r in requests[:_MAX_REQUESTS]
        ],
    }


def _short_url(url: str) -> str:
    return url.split(_API_PREFIX, 1)[1] if _API_PREFIX in url else url


# -- load -----------------------------------------------------------------------------------------


def write_load_report(report_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """Render `report_dir/summary.json` into `load-report.html`; write its chart as a PNG too."""
    summary = _read_json(report_dir / "summary.json")
    if not isinstance(summary, dict):
        raise HarnessError(f"{report_dir / 'summary.json'}: not a summary object")
    timeline = summary.get("timeline")
    charts = [lifecycle_chart(timeline)] if isinstance(timeline, dict) else []
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
    return _render("load.html.j2", context)


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
