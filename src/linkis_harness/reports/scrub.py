"""Secrets out of report text: session tickets, token header values and the values the caller names.

The reproducers are already scrubbed where they are recorded; the reports scrub everything they
show once more, before rendering, so a secret that slipped into a message is not published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["scrub", "scrub_all"]

_COOKIE = re.compile(
    r"((?:linkis_user_session_ticket_id_v1|linkis_user_session_proxy_ticket_id_v1"
    r"|bdp-user-ticket-id)=)(?!<session>)[^;\s'\"&]+"
)
_SECRET_HEADER = re.compile(
    r"((?:Token-Code|Validation-Code)\s*[:=]\s*)(?![<$*])[^'\"\s,;&]+", re.IGNORECASE
)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace session tickets, token header values and the given secrets by placeholders."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _COOKIE.sub(r"\1<session>", text)
    return _SECRET_HEADER.sub(r"\1<token>", text)


def scrub_all(value: Any, secrets: Sequence[str] = ()) -> Any:
    """Scrub every string in a tree of mappings, lists and tuples (other values as they are)."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {k: scrub_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_all(v, secrets) for v in value]
    return value
