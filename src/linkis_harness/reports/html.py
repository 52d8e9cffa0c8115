"""The HTML reports' shared rendering: the Jinja2 environment over `templates/`, reading inputs.

Each report is a single file with inline CSS and inline SVG charts (no scripts, no external
assets), so it can be attached to a CI run or mailed as is: `checkpage` renders `check`'s
(`report.html`), `loadpage` renders `load`'s (`load-report.html`). Each builds the values its
template shows and scrubs every string among them (`scrub.scrub_all`) before rendering;
autoescaping is on. To add a section: add its values to the page's context and one
`{% block %}` to its template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from linkis_harness.errors import HarnessError
from linkis_harness.reports.jobs import anchor, link_exec_ids

__all__ = ["clip", "read_json", "render"]

_MAX_TEXT = 6000


def clip(text: str, limit: int = _MAX_TEXT) -> str:
    """Cut a long text, saying how much was left out."""
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
    env.filters["clip"] = clip
    env.filters["link_ids"] = link_exec_ids
    env.filters["anchor"] = anchor
    return env


_ENV = _environment()


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render one of `templates/` with already scrubbed values."""
    return _ENV.get_template(template).render(context)


def read_json(path: Path) -> Any:
    """Read a report input; `HarnessError` names the file when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(
            f"no {path.name} in {path.parent}: nothing to report"
        ) from None
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from None
