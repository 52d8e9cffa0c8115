"""The run marker: what every job a run submits carries, so cleanup finds exactly the run's jobs.

A marker is `lh-<yyyymmddThhmmss>-<8 hex>`, made once per run before the first request. Each
submit body carries it in two places real Linkis keeps and job history shows (ledger rows
`jobhistory.list.keeps-execution-code`, `jobhistory.list.keeps-source`):

- a comment line at the end of the code, `# linkis-harness-run: <marker>` (`--` for SQL,
  `//` for Scala/Java); the entrance's CommentInterceptor strips SQL comments before the job
  is stored, so for SQL the code loses it (ledger `jobhistory.list.sql-comments-stripped`);
  a run type whose comment syntax is unknown gets no comment rather than broken code;
- `source["linkis-harness-run"]` (`sourceJson` in job history), kept for every run type.

`params` and `labels` stay untouched: variables are substituted into the code and
configuration goes to the engine, and a label the label factory does not know changes how
engines are matched. Cleanup (`client.sweep`) kills a job only when one of the two places
names this run's marker: never a job without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MARKER_KEY", "carries", "comment_line", "make_marker", "mark_body"]

MARKER_KEY = "linkis-harness-run"
_MARKER = re.compile(r"^lh-\d{8}T\d{6}-[0-9a-f]{8}$")
_IN_CODE = re.compile(re.escape(MARKER_KEY) + r": (\S+)")
# Linkis run types (CodeAndRunTypeUtils) by their line-comment syntax.
_COMMENTS = {
    "#": frozenset({"shell", "sh", "python", "py", "python3", "pyspark", "r", "R"}),
    "--": frozenset(
        {
            "sql",
            "hql",
            "hive",
            "jdbc",
            "psql",
            "fql",
            "tsql",
            "spark-sql",
            "presto",
            "trino",
        }
    ),
    "//": frozenset({"scala", "java"}),
}


def make_marker(utc: tuple[int, int, int, int, int, int], token: str) -> str:
    """Return the marker for a run started at `utc` (y, m, d, H, M, S) with a random `token`.

    >>> make_marker((2026, 12, 5, 7, 48, 0), "3f9a2c1d")
    'lh-20261205T074800-3f9a2c1d'
    """
    y, mo, d, h, mi, s = utc
    marker = f"lh-{y:04d}{mo:02d}{d:02d}T{h:02d}{mi:02d}{s:02d}-{token[:8].lower()}"
    if not _MARKER.match(marker):
        raise ValueError(f"not a run marker: {marker!r} (token must be 8 hex digits)")
    return marker


def comment_line(run_type: str, marker: str) -> str | None:
    """Return the marker as a comment in `run_type`'s syntax (None: syntax unknown)."""
    for prefix, types in _COMMENTS.items():
        if run_type in types or run_type.lower() in types:
            return f"{prefix} {MARKER_KEY}: {marker}"
    return None


def mark_body(body: Mapping[str, Any], marker: str) -> dict[str, Any]:
    """Return a copy of a submit/execute body that carries `marker` (code comment and source)."""
    marked: dict[str, Any] = json.loads(json.dumps(body))
    content = marked.get("executionContent")
    if isinstance(content, dict) and isinstance(content.get("code"), str):
        run_type = str(content.get("runType") or "")
        content["code"] = _with_comment(content["code"], run_type, marker)
    elif isinstance(marked.get("executionCode"), str):
        run_type = str(marked.get("runType") or "sql")
        marked["executionCode"] = _with_comment(
            marked["executionCode"], run_type, marker
        )
    source = marked.get("source")
    marked["source"] = {
        **(source if isinstance(source, dict) else {}),
        MARKER_KEY: marker,
    }
    return marked


def _with_comment(code: str, run_type: str, marker: str) -> str:
    line = comment_line(run_type, marker)
    if line is None:
        return code
    return code + ("" if code.endswith("\n") or not code else "\n") + line + "\n"


def carries(task: Mapping[str, Any], marker: str) -> bool:
    """Say whether a job-history task (`QueryTaskVO`) names `marker` in its code or source."""
    code = task.get("executionCode")
    if isinstance(code, str) and marker in _IN_CODE.findall(code):
        return True
    source = task.get("sourceJson")
    if isinstance(source, str) and source:
        try:
            parsed = json.loads(source)
        except ValueError:
            return False
        return isinstance(parsed, dict) and parsed.get(MARKER_KEY) == marker
    return False
