"""The HTML report of one `check` run, rendered by `templates/check.html.j2`.

Inputs, from `--report-dir`: `results.json` (`check.report.write_results`) and, when the report
plugin wrote it, `requests.jsonl` (one line per HTTP exchange: seq, nodeid, method, url,
http_status, status, exec_id, task_id). Output: `report.html`, with one card per failure and
one per job (execID), every execID in the text a link to its job's card.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from linkis_harness.core.execid import ExecId
from linkis_harness.errors import HarnessError
from linkis_harness.reports.html import read_json, render
from linkis_harness.reports.jobs import Jobs, exec_ids_in
from linkis_harness.reports.scrub import scrub_all

__all__ = [
    "CHECK_REPORT",
    "check_context",
    "read_requests",
    "render_check_report",
    "write_check_report",
]

CHECK_REPORT = "report.html"
_COLUMNS = ("passed", "failed", "accepted", "skipped")
_MAX_REQUESTS = 200  # per job, in the jobs section
_API_PREFIX = "/api/rest_j/v1"


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
    results = read_json(report_dir / "results.json")
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
    return render("check.html.j2", context)


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
    # The runner's verdict (results.json `verdict`/`headline`): the page says what the
    # terminal said; a run that did not run or did not run every check never shows "held".
    word = results.get("verdict")
    headline = str(results.get("headline") or "")
    if failed_total:
        verdict = ("bad", f"{headline or 'VIOLATIONS FOUND'}: {failed_total} failed")
    elif word == "not run" or (word is None and exit_code not in (None, 0)):
        verdict = (
            "warn",
            f"{headline or 'the run did not complete'} (exit {exit_code})",
        )
    elif word == "jobs left running":
        verdict = ("bad", headline)
    elif word == "held, incomplete" or results.get("complete") is False:
        verdict = ("warn", headline or "held, but some checks did not run")
    else:
        verdict = ("ok", headline or "all checks held")
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
        "not_run": [
            {"count": g.get("count", 0), "reason": str(g.get("reason", ""))}
            for g in results.get("not_run") or []
            if isinstance(g, dict)
        ],
        "security_warnings": [
            {"nodeid": str(w.get("nodeid", "")), "warning": str(w.get("warning", ""))}
            for w in results.get("security_warnings") or []
            if isinstance(w, dict)
        ],
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
