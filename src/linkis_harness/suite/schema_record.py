"""The schema family's record: every exchange (a VCR-style cassette) and the jobs it submitted."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case

from linkis_harness.resources import yamltext
from linkis_harness.suite.schema_oracles import KNOWN_IDS, body_json
from linkis_harness.suite.secrets import scrub

SUBMITS = frozenset({"POST /entrance/submit", "POST /entrance/execute"})


class SchemaRecord:
    """Every exchange of the schema family: the cassette, and the jobs it submitted (to kill)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Any] = {}
        self.interactions: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def note(self, response: schemathesis.Response, case: Case, phase: str) -> None:
        body = body_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        request = response.request
        sent = request.body or b""
        entry = {
            "id": str(len(self.interactions) + 1),
            "operation": case.operation.label,
            "phase": phase,
            "request": {
                "method": request.method,
                "uri": scrub(str(request.url)),
                "headers": {
                    k: _shown_header(k, str(v)) for k, v in request.headers.items()
                },
                "body": scrub(
                    sent.decode("utf-8", "replace")
                    if isinstance(sent, bytes)
                    else str(sent)
                ),
            },
            "response": {
                "status": response.status_code,
                "headers": {
                    k: ", ".join(v)
                    for k, v in response.headers.items()
                    if k.lower() != "set-cookie"
                },
                "body": scrub(response.content[:4000].decode("utf-8", "replace")),
                "elapsed": round(response.elapsed, 4),
            },
        }
        with self._lock:
            self.interactions.append(entry)
            # Only a submit answer makes a job of this run: other answers echo the id as sent,
            # which may be a generated one (suite.kill_guard trusts this list).
            if (
                case.operation.label in SUBMITS
                and isinstance(data, dict)
                and isinstance(data.get("execID"), str)
            ):
                self.jobs[data["execID"]] = data.get("taskID")
                KNOWN_IDS.add(data["execID"])

    def write(self, path: Path) -> None:
        document = {
            "recorded_with": "linkis-harness check (schema family)",
            "http_interactions": self.interactions,
        }
        path.write_text(
            yamltext.dump(document, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )


def _shown_header(name: str, value: str) -> str:
    low = name.lower()
    if low == "cookie":
        return "<session cookie>"
    if low == "token-code":
        return "$LINKIS_TOKEN_CODE"
    return scrub(value)
