"""Self-contained HTML reports people read: one per `check` run, one per `load` run.

Each report is a single file with inline CSS and inline SVG (no scripts, no external assets), so
it can be attached to a CI run or mailed as is. It is rendered from the files the run already
wrote into `--report-dir`:

- check: `results.json` (`report.write_results`) and, when the report plugin wrote it,
  `requests.jsonl` (one line per HTTP exchange: seq, nodeid, method, url, http_status, status,
  exec_id, task_id) → `report.html`;
- load: `summary.json` (`loadreport.write_reports`, with its `timeline` of lifecycle percentiles
  per window) and `lifecycle.png` → `load-report.html`, linking Locust's own HTML and CSVs.

Everything shown is HTML-escaped, and session cookies, `Token-Code`/`Validation-Code` header
values and the secrets the caller names are replaced by placeholders before escaping, even though
the reproducers are already scrubbed upstream.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from linkis_harness.core.execid import ExecId
from linkis_harness.errors import HarnessError

__all__ = [
    "CHECK_REPORT",
    "LOAD_REPORT",
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

_COOKIE = re.compile(
    r"((?:linkis_user_session_ticket_id_v1|linkis_user_session_proxy_ticket_id_v1"
    r"|bdp-user-ticket-id)=)(?!<session>)[^;\s'\"&]+"
)
_SECRET_HEADER = re.compile(
    r"((?:Token-Code|Validation-Code)\s*[:=]\s*)(?![<$*])[^'\"\s,;&]+", re.IGNORECASE
)
_EXEC_ID = re.compile(r"(?:exec_id\d{6}|\b\d{6})[A-Za-z0-9_:.\-]+")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace session tickets, token header values and the given secrets by placeholders."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _COOKIE.sub(r"\1<session>", text)
    return _SECRET_HEADER.sub(r"\1<token>", text)


# -- shared page parts ----------------------------------------------------------------------------

_CSS = """
:root { --ok:#1a7f37; --bad:#c62828; --warn:#9a6700; --muted:#57606a; --line:#d0d7de;
        --bg:#ffffff; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#1f2328;
       background: var(--bg); margin: 0 auto; padding: 24px 32px 64px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; word-break: break-all; }
.meta { color: var(--muted); margin: 0 0 12px; }
.meta span { margin-right: 16px; }
.verdict { display: inline-block; padding: 6px 12px; border-radius: 6px; font-weight: 600;
           color: #fff; margin: 8px 0; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
.verdict.warn { background: var(--warn); }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.failed { color: var(--bad); font-weight: 600; }
td.accepted { color: var(--warn); }
tr.breached td { background: #ffebe9; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px;
        padding: 10px 14px; margin: 12px 0; }
.card.job { border-left-color: #0969da; }
.label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em;
         margin: 8px 0 2px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 8px;
      margin: 0; white-space: pre-wrap; word-break: break-all; font-size: 12px;
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
svg { background: #fff; border: 1px solid var(--line); border-radius: 4px; margin: 8px 0; }
svg text { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #57606a; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, body: Sequence[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n<footer>generated by linkis-harness · self-contained: no scripts, no external assets"
        "</footer>\n</body>\n</html>\n"
    )


def _clip(text: str, limit: int = _MAX_TEXT) -> str:
    return (
        text
        if len(text) <= limit
        else text[:limit] + f" … ({len(text) - limit} more chars)"
    )


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


def _anchor(exec_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", exec_id)[-60:]
    digest = hashlib.sha1(exec_id.encode("utf-8")).hexdigest()[:8]
    return f"job-{slug}-{digest}"


def _exec_ids_in(text: str) -> list[str]:
    """Return the execIDs a text names (those that parse as 1.x or legacy execIDs)."""
    found = []
    for match in _EXEC_ID.finditer(text):
        candidate = match.group(0)
        # A URL path segment ends the execID: /entrance/<id>/status.
        candidate = candidate.split("/", 1)[0]
        try:
            ExecId.parse(candidate)
        except (HarnessError, ValueError):
            continue
        found.append(candidate)
    return found


class _Jobs:
    """Every execID of the run and what named it: failures and recorded requests."""

    def __init__(self) -> None:
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.requests: dict[str, list[Mapping[str, Any]]] = {}
        self.submitted: dict[
            str, None
        ] = {}  # execIDs a submit/execute answer named, in order

    def add_failure(self, exec_id: str, number: int, nodeid: str) -> None:
        entries = self.failures.setdefault(exec_id, [])
        if (number, nodeid) not in entries:
            entries.append((number, nodeid))

    def add_request(self, exec_id: str, request: Mapping[str, Any]) -> None:
        self.requests.setdefault(exec_id, []).append(request)
        path = str(request.get("url", "")).split("?", 1)[0]
        if path.endswith(("/entrance/submit", "/entrance/execute")):
            self.submitted.setdefault(exec_id)

    @property
    def ids(self) -> list[str]:
        """The run's jobs (submitted, in order), then execIDs only a failure named.

        An execID that only appears in a request's URL (a probe with a made-up or fuzzed id)
        is not a job: it gets no card of its own.
        """
        named = [e for e in sorted(self.failures) if e not in self.submitted]
        return [*self.submitted, *named]


def _link_exec_ids(escaped: str, ids: Iterable[str]) -> str:
    """Turn each known execID in already-escaped text into a link to its job's anchor."""
    for exec_id in sorted(ids, key=len, reverse=True):
        token = html.escape(exec_id, quote=True)
        if token in escaped:
            escaped = re.sub(
                r"(?<![A-Za-z0-9_>\"-])" + re.escape(token) + r"(?![A-Za-z0-9_<\"])",
                f'<a href="#{_anchor(exec_id)}">{token}</a>',
                escaped,
            )
    return escaped


def _pre(text: str, ids: Iterable[str], secrets: Sequence[str]) -> str:
    return f"<pre>{_link_exec_ids(_e(_clip(scrub(text, secrets))), ids)}</pre>"


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


def _detail_without_evidence(detail: str) -> str:
    # The request/response a detail states is shown once, as the reproducer.
    return ("\n" + detail).split("\nrequest:", 1)[0].strip()


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


def render_check_report(
    results: Mapping[str, Any],
    requests: Sequence[Mapping[str, Any]] = (),
    *,
    secrets: Sequence[str] = (),
) -> str:
    """Return the HTML of one check run (see the module docstring for the inputs)."""
    items = [r for r in results.get("results", []) if isinstance(r, dict)]
    failures = [r for r in items if r.get("outcome") in ("failed", "error")]
    accepted = [r for r in items if r.get("outcome") == "accepted"]
    skipped = [r for r in items if r.get("outcome") in ("skipped", "xfailed")]
    counts = _counts(results)

    jobs = _Jobs()
    for number, item in enumerate(failures, start=1):
        violation = item.get("violation") or {}
        named = [violation.get("exec_id")] if violation.get("exec_id") else []
        reproducer = item.get("reproducer") or {}
        named += _exec_ids_in(str(reproducer.get("curl", "")))
        for exec_id in named:
            jobs.add_failure(str(exec_id), number, str(item.get("nodeid", "")))
    for request in requests:
        exec_id = request.get("exec_id")
        if exec_id:
            jobs.add_request(str(exec_id), request)
    ids = jobs.ids

    target = str(results.get("target") or "?")
    exit_code = results.get("exit_code")
    failed_total = sum(row["failed"] for row in counts.values())
    if failed_total:
        verdict = (
            f'<div class="verdict bad">VIOLATIONS FOUND: {failed_total} failed</div>'
        )
    elif exit_code not in (None, 0):
        verdict = f'<div class="verdict warn">the run did not complete (exit {_e(exit_code)})</div>'
    else:
        verdict = '<div class="verdict ok">all checks held</div>'
    meta = [
        f"<span>target <code>{_e(scrub(target, secrets))}</code></span>",
        f"<span>profile {_e(results.get('profile', '?'))}</span>",
        f"<span>seed {_e(results.get('seed', '?'))}</span>",
    ]
    if results.get("markers"):
        meta.append(f"<span>-m <code>{_e(results['markers'])}</code></span>")
    if results.get("wall_seconds") is not None:
        meta.append(f"<span>{_e(results['wall_seconds'])} s</span>")
    if results.get("linkis_version"):
        meta.append(f"<span>Linkis {_e(results['linkis_version'])}</span>")
    if exit_code is not None:
        meta.append(f"<span>exit {_e(exit_code)}</span>")
    body = [
        "<h1>linkis-harness check</h1>",
        f'<p class="meta">{"".join(meta)}</p>',
        verdict,
        '<h2 id="families">Check families</h2>',
        _family_table(counts, results.get("durations") or {}),
        f'<h2 id="failures">Failures ({len(failures)})</h2>',
    ]
    if not failures:
        body.append('<p class="empty">No check failed.</p>')
    for number, item in enumerate(failures, start=1):
        body.append(_failure_card(number, item, ids, secrets))
    body.append(f'<h2 id="accepted">Accepted quirks ({len(accepted)})</h2>')
    if accepted:
        body.append(
            "<p>Failures that match an entry of a known-quirks file: reported, not counted.</p>"
        )
        body.append(
            _table(
                ("check", "family", "accepted because"),
                [
                    (
                        f"<code>{_e(r.get('nodeid', ''))}</code>",
                        _e(r.get("family", "")),
                        _e(scrub(str(r.get("reason", "")), secrets)),
                    )
                    for r in accepted
                ],
            )
        )
    else:
        body.append('<p class="empty">None.</p>')
    body.append(f'<h2 id="jobs">Jobs ({len(ids)})</h2>')
    if ids:
        body.append(
            "<p>One anchor per execID: every failure and every recorded request that named it.</p>"
        )
        for exec_id in ids:
            body.append(_job_card(exec_id, jobs, secrets))
    else:
        body.append(
            '<p class="empty">No execID was named by a failure or a recorded request.</p>'
        )
    body.append(f'<h2 id="skipped">Skipped ({len(skipped)})</h2>')
    if skipped:
        body.append(
            "<details><summary>why each check was skipped</summary>"
            + _table(
                ("check", "family", "reason"),
                [
                    (
                        f"<code>{_e(r.get('nodeid', ''))}</code>",
                        _e(r.get("family", "")),
                        _e(scrub(str(r.get("reason", "")), secrets)),
                    )
                    for r in skipped
                ],
            )
            + "</details>"
        )
    else:
        body.append('<p class="empty">None.</p>')
    body.append(f'<h2 id="all">All checks ({len(items)})</h2>')
    body.append(
        "<details><summary>every check with its outcome and time</summary>"
        + _table(
            ("check", "family", "outcome", "seconds"),
            [
                (
                    f"<code>{_e(r.get('nodeid', ''))}</code>",
                    _e(r.get("family", "")),
                    _e(r.get("outcome", "")),
                    f'<span class="num">{_e(r.get("duration", ""))}</span>',
                )
                for r in items
            ],
        )
        + "</details>"
    )
    return _page(f"linkis-harness check — {scrub(target, secrets)}", body)


def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, num_from: int = 99
) -> str:
    """Return a table of already-escaped cells; columns from `num_from` on align right."""
    head = "".join(
        f'<th class="num">{h}</th>' if i >= num_from else f"<th>{h}</th>"
        for i, h in enumerate(header)
    )
    lines = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if i >= num_from else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def _family_table(
    counts: Mapping[str, Mapping[str, int]], durations: Mapping[str, Any]
) -> str:
    header = "".join(f'<th class="num">{c}</th>' for c in _COLUMNS)
    lines = [
        f'<table id="family-table"><thead><tr><th>family</th>{header}'
        '<th class="num">seconds</th></tr></thead><tbody>'
    ]
    totals = dict.fromkeys(_COLUMNS, 0)
    for family, row in counts.items():
        cells = ""
        for column in _COLUMNS:
            value = int(row.get(column, 0))
            totals[column] += value
            css = (
                f"num {column}" if value and column in ("failed", "accepted") else "num"
            )
            cells += f'<td class="{css}">{value}</td>'
        seconds = durations.get(family)
        shown = f"{float(seconds):.1f}" if isinstance(seconds, int | float) else ""
        lines.append(
            f'<tr id="family-{_e(family)}"><td>{_e(family)}</td>{cells}'
            f'<td class="num">{shown}</td></tr>'
        )
    total_cells = "".join(f'<td class="num"><b>{totals[c]}</b></td>' for c in _COLUMNS)
    lines.append(f"<tr><td><b>total</b></td>{total_cells}<td></td></tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def _failure_card(
    number: int, item: Mapping[str, Any], ids: Sequence[str], secrets: Sequence[str]
) -> str:
    violation = item.get("violation") or {}
    reproducer = item.get("reproducer") or {}
    family = str(item.get("family", ""))
    message = str(item.get("message", ""))
    title = str(violation.get("title") or (message.splitlines() or ["(no message)"])[0])
    rule = str(violation.get("check") or family)
    operation = violation.get("operation")
    parts = [
        f'<div class="card" id="failure-{number}">',
        f"<h3>{number}. [{_e(family)}] <code>{_e(item.get('nodeid', ''))}</code></h3>",
        f"<div><b>broke:</b> [{_e(rule)}] {_e(scrub(title, secrets))}"
        + (f' <span class="meta">({_e(operation)})</span>' if operation else "")
        + "</div>",
    ]
    exec_id = violation.get("exec_id")
    if exec_id:
        parts.append(
            f'<div><b>job:</b> <a href="#{_anchor(str(exec_id))}"><code>{_e(exec_id)}</code></a></div>'
        )
    detail = str(violation.get("detail") or "").strip()
    if reproducer.get("curl"):
        detail = _detail_without_evidence(detail)
    if not violation and message:
        detail = message
    if detail and detail != title:
        parts += ['<div class="label">detail</div>', _pre(detail, ids, secrets)]
    if reproducer.get("curl"):
        parts += [
            '<div class="label">reproduce with</div>',
            _pre(str(reproducer["curl"]), ids, secrets),
        ]
    if reproducer.get("response"):
        parts += [
            '<div class="label">response</div>',
            _pre(_pretty_response(str(reproducer["response"])), ids, secrets),
        ]
    parts.append("</div>")
    return "\n".join(parts)


def _job_card(exec_id: str, jobs: _Jobs, secrets: Sequence[str]) -> str:
    parts = [
        f'<div class="card job" id="{_anchor(exec_id)}">',
        f"<h3><code>{_e(exec_id)}</code></h3>",
    ]
    try:
        described = ExecId.parse(exec_id).describe()
    except (HarnessError, ValueError):
        described = None
    if described:
        fields = ", ".join(
            f"{_e(k)} <code>{_e(', '.join(map(str, v)) if isinstance(v, list | tuple) else v)}</code>"
            for k, v in described.items()
            if v not in (None, "", [], ())
        )
        parts.append(f'<div class="meta">{fields}</div>')
    failures = jobs.failures.get(exec_id, [])
    if failures:
        links = ", ".join(
            f'<a href="#failure-{n}">#{n} <code>{_e(nodeid)}</code></a>'
            for n, nodeid in failures
        )
        parts.append(f"<div><b>failures:</b> {links}</div>")
    requests = jobs.requests.get(exec_id, [])
    if requests:
        shown = requests[:_MAX_REQUESTS]
        rows = [
            (
                _e(r.get("seq", "")),
                f"<code>{_e(str(r.get('nodeid', '')).split('::', 1)[-1])}</code>",
                _e(r.get("method", "")),
                f"<code>{_e(_short_url(scrub(str(r.get('url', '')), secrets)))}</code>",
                _e(r.get("http_status", "")),
                _e("" if r.get("status") is None else r.get("status")),
            )
            for r in shown
        ]
        parts.append(
            f'<div class="label">requests that named it ({len(requests)})</div>'
            + _table(("#", "test", "method", "path", "HTTP", "status"), rows)
        )
        if len(requests) > len(shown):
            parts.append(f'<p class="empty">… {len(requests) - len(shown)} more</p>')
    parts.append("</div>")
    return "\n".join(parts)


def _short_url(url: str) -> str:
    marker = "/api/rest_j/v1"
    return url.split(marker, 1)[1] if marker in url else url


# -- load -----------------------------------------------------------------------------------------

_PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value  # pragma: no cover - the loop always returns


def svg_chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    title: str,
    y_label: str,
    x_label: str = "seconds into the run",
    width: int = 1000,
    height: int = 280,
    step: bool = False,
    dashed: Sequence[str] = (),
) -> str:
    """Return a line chart as inline SVG (`series`: label and (x, y) points)."""
    left, right, top, bottom = 60, 180, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    points = [p for _, pts in series for p in pts]
    x_max = _nice_max(max((x for x, _ in points), default=1.0))
    y_max = _nice_max(max((y for _, y in points), default=1.0))

    def sx(x: float) -> float:
        return left + plot_w * x / x_max

    def sy(y: float) -> float:
        return top + plot_h - plot_h * y / y_max

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
        f'<text x="{left}" y="18" style="font-weight:600;fill:#1f2328">{_e(title)}</text>',
    ]
    for i in range(5):
        y_value = y_max * i / 4
        y = sy(y_value)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eaeef2"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{y_value:g}</text>'
        )
        x_value = x_max * i / 4
        out.append(
            f'<text x="{sx(x_value):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{x_value:g}</text>"
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#8c959f"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#8c959f"/>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">'
        f"{_e(x_label)}</text>"
        f'<text x="14" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.0f})">{_e(y_label)}</text>'
    )
    # One colour per family ("job_total p50" and "job_total p95" share it; p95 is dashed).
    families = list(dict.fromkeys(label.rsplit(" ", 1)[0] for label, _ in series))
    for index, (label, pts) in enumerate(series):
        family = families.index(label.rsplit(" ", 1)[0])
        color = _PALETTE[family % len(_PALETTE)]
        ordered = sorted(pts)
        if step:
            coords: list[str] = []
            for k, (x, y) in enumerate(ordered):
                if k:
                    coords.append(f"{sx(x):.1f},{sy(ordered[k - 1][1]):.1f}")
                coords.append(f"{sx(x):.1f},{sy(y):.1f}")
        else:
            coords = [f"{sx(x):.1f},{sy(y):.1f}" for x, y in ordered]
        dash = ' stroke-dasharray="6 4"' if label in dashed else ""
        if len(coords) > 1:
            out.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} '
                f'points="{" ".join(coords)}"/>'
            )
        for x, y in ordered if not step else ():
            out.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"/>'
            )
        legend_y = top + 14 + 18 * index
        out.append(
            f'<line x1="{left + plot_w + 14}" y1="{legend_y - 4}" x2="{left + plot_w + 36}" '
            f'y2="{legend_y - 4}" stroke="{color}" stroke-width="2"{dash}/>'
            f'<text x="{left + plot_w + 42}" y="{legend_y}">{_e(label)}</text>'
        )
    if not points:
        out.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" '
            'text-anchor="middle">no samples</text>'
        )
    out.append("</svg>")
    return "".join(out)


def write_load_report(report_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """Render `report_dir/summary.json` (+ `lifecycle.png`) into `report_dir/load-report.html`."""
    summary = _read_json(report_dir / "summary.json")
    if not isinstance(summary, dict):
        raise HarnessError(f"{report_dir / 'summary.json'}: not a summary object")
    png_path = report_dir / "lifecycle.png"
    png = png_path.read_bytes() if png_path.is_file() else None
    files = sorted(
        p.name
        for p in report_dir.iterdir()
        if p.is_file() and (p.name == "locust.html" or p.suffix == ".csv")
    )
    path = report_dir / LOAD_REPORT
    path.write_text(
        render_load_report(summary, files=files, png=png, secrets=secrets),
        encoding="utf-8",
    )
    return path


def _ms(value: Any, name: str) -> str:
    if not isinstance(value, int | float):
        return "-"
    if name.startswith("log_rate"):
        return f"{value:.0f}/s"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def render_load_report(
    summary: Mapping[str, Any],
    *,
    files: Sequence[str] = (),
    png: bytes | None = None,
    secrets: Sequence[str] = (),
) -> str:
    """Return the HTML of one load run (see the module docstring for the inputs)."""
    exit_code = summary.get("exit_code")
    slas = [s for s in summary.get("slas", []) if isinstance(s, dict)]
    breached = [s for s in slas if not s.get("held")]
    jobs = summary.get("jobs") or {}
    if exit_code == 0:
        verdict = (
            '<div class="verdict ok">held: every SLA met, no job left running</div>'
        )
    else:
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
        verdict = (
            f'<div class="verdict bad">{_e("; ".join(reasons) or "not held")} '
            f"(exit {_e(exit_code)})</div>"
        )
    duration = float(summary.get("duration_s") or 0.0)
    requests = summary.get("requests", 0)
    meta = [
        f"<span>{duration:.1f} s</span>",
        f"<span>{_e(requests)} requests</span>",
        f"<span>{_e(summary.get('failures', 0))} failures</span>",
    ]
    if summary.get("target"):
        meta.insert(
            0,
            f"<span>target <code>{_e(scrub(str(summary['target']), secrets))}</code></span>",
        )
    workers = summary.get("workers") or {}
    if len(workers) > 1:
        meta.append(f"<span>{len(workers)} workers</span>")
    body = [
        "<h1>linkis-harness load</h1>",
        f'<p class="meta">{"".join(meta)}</p>',
        verdict,
        '<h2 id="slas">SLAs</h2>',
    ]
    if slas:
        rows = []
        for s in slas:
            observed = s.get("shown") or (
                f"{s['observed']:g}"
                if isinstance(s.get("observed"), int | float)
                else "-"
            )
            held = bool(s.get("held"))
            rows.append(
                f'<tr class="{"held" if held else "breached"}"><td><code>{_e(s.get("sla", ""))}'
                f'</code></td><td class="num">{_e(observed)}</td>'
                f"<td>{'held' if held else '<b>BREACHED</b>'}</td>"
                f"<td>{_e(s.get('detail') or '')}</td></tr>"
            )
        body.append(
            '<table id="sla-table"><thead><tr><th>SLA</th><th class="num">observed</th>'
            "<th>verdict</th><th>detail</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    else:
        body.append('<p class="empty">No --sla given.</p>')
    body.append('<h2 id="lifecycle">Job lifecycle over time</h2>')
    body += _timeline_charts(summary.get("timeline"))
    if png is not None:
        body.append(
            "<details><summary>the same as a PNG (matplotlib)</summary>"
            f'<img alt="lifecycle percentiles and users over time" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></details>'
        )
    body.append('<h2 id="jobs">Jobs</h2>')
    finished = jobs.get("finished") or {}
    job_rows = [("submitted", jobs.get("submitted", 0))]
    job_rows += [
        (f"finished {state}", count) for state, count in sorted(finished.items())
    ]
    job_rows += [
        ("killed at cleanup", jobs.get("killed_at_cleanup", 0)),
        ("left running", jobs.get("left_running", 0)),
    ]
    body.append(
        _table(("jobs", "count"), [(_e(k), _e(v)) for k, v in job_rows], num_from=1)
    )
    left = jobs.get("left_running_exec_ids") or []
    if left:
        body.append(
            "<p><b>left running:</b> "
            + ", ".join(f"<code>{_e(x)}</code>" for x in left)
            + "</p>"
        )
    body.append(
        '<h2 id="entries">Requests and lifecycle metrics (exact percentiles)</h2>'
    )
    entries = [e for e in summary.get("entries", []) if isinstance(e, dict)]
    body.append(
        _table(
            ("entry", "count", "failures", "per s", "p50", "p95", "p99", "max"),
            [
                (
                    f"<code>{_e(e.get('name', ''))}</code>",
                    _e(e.get("count", 0)),
                    _e(e.get("failures", 0)),
                    f"{float(e.get('per_s') or 0):.2f}",
                    _ms(e.get("p50"), str(e.get("name", ""))),
                    _ms(e.get("p95"), str(e.get("name", ""))),
                    _ms(e.get("p99"), str(e.get("name", ""))),
                    _ms(e.get("max"), str(e.get("name", ""))),
                )
                for e in entries
            ],
            num_from=1,
        )
        if entries
        else '<p class="empty">No samples.</p>'
    )
    violations = summary.get("violations") or {}
    if violations:
        body.append('<h2 id="violations">Contract violations under load</h2>')
        body.append(
            _table(
                ("count", "violation", "example"),
                [
                    (
                        _e(info.get("count", "")),
                        _e(key),
                        f"<code>{_e(_clip(scrub(str(info.get('example', '')), secrets), 400))}</code>",
                    )
                    for key, info in sorted(
                        violations.items(), key=lambda kv: -int(kv[1].get("count", 0))
                    )
                ],
            )
        )
    body.append('<h2 id="files">Locust\'s own reports</h2>')
    if files:
        body.append(
            "<ul>"
            + "".join(f'<li><a href="{_e(name)}">{_e(name)}</a></li>' for name in files)
            + "</ul>"
        )
    else:
        body.append('<p class="empty">Locust wrote no HTML or CSV here.</p>')
    return _page("linkis-harness load report", body)


def _timeline_charts(timeline: Any) -> list[str]:
    if not isinstance(timeline, dict):
        return ['<p class="empty">No timeline in summary.json.</p>']
    lifecycle: list[tuple[str, list[tuple[float, float]]]] = []
    dashed = []
    for name, windows in sorted((timeline.get("lifecycle") or {}).items()):
        for q in ("p50", "p95"):
            label = f"{name} {q}"
            points = [
                (float(w["t"]), float(w[q]) / 1000)
                for w in windows
                if isinstance(w, dict) and isinstance(w.get(q), int | float)
            ]
            lifecycle.append((label, points))
            if q == "p95":
                dashed.append(label)
    users = [
        (float(t), float(u))
        for t, u in (timeline.get("users") or [])
        if isinstance(t, int | float) and isinstance(u, int | float)
    ]
    return [
        svg_chart(
            lifecycle,
            title="Lifecycle percentiles per window (seconds since submit)",
            y_label="seconds",
            dashed=dashed,
        ),
        svg_chart(
            [("users", users)],
            title="Users over time",
            y_label="users",
            height=200,
            step=True,
        ),
    ]
