"""Scrubbing: every known secret replaced by its placeholder in what the suite writes.

Secrets are the run's passwords and token (its settings), the token names of the rule files
given to the suite (a refusal echoes them), and session cookies.
"""

from __future__ import annotations

import re
from pathlib import Path

from linkis_harness.core.rulecases import fingerprint
from linkis_harness.core.rules import parse_rules
from linkis_harness.errors import HarnessError
from linkis_harness.suite import settings as suite_settings

__all__ = ["scrub"]

_PLACEHOLDERS = (
    ("password", "$LINKIS_PASSWORD"),
    ("token_code", "$LINKIS_TOKEN_CODE"),
    ("peer_password", "$LINKIS_PEER_PASSWORD"),
)
_rule_keys: dict[tuple[str | None, str | None], list[str]] = {}


def _rule_tokens(proxy_rules: str | None, token_rules: str | None) -> list[str]:
    """Token names of the rule files given to the suite (read once per pair of files)."""
    key = (proxy_rules, token_rules)
    if key not in _rule_keys:
        keys: list[str] = []
        for name in key:
            if not name:
                continue
            try:
                rules = parse_rules(
                    Path(name).read_text(encoding="utf-8"), source=str(name)
                )
            except (OSError, HarnessError):
                continue
            keys += [rule.key for rule in rules.rules if len(rule.key) >= 3]
        _rule_keys[key] = keys
    return _rule_keys[key]


def _secrets() -> list[tuple[str, str]]:
    options = suite_settings.current()
    if options is None:
        return []
    pairs: list[tuple[str, str]] = []
    settings = options.connection
    for name, placeholder in _PLACEHOLDERS:
        value = getattr(settings, name)
        if value:
            pairs.append((str(value), placeholder))
    rules = _rule_tokens(options.proxy_rules, options.token_rules)
    pairs += [(key, fingerprint(key)) for key in rules]
    # Longest first, so a password that contains another one is replaced whole.
    return sorted(pairs, key=lambda p: -len(p[0]))


def scrub(text: str) -> str:
    """Replace every known secret value in `text` by its placeholder."""
    for value, placeholder in _secrets():
        text = text.replace(value, placeholder)
    return re.sub(
        r"(linkis_user_session_ticket_id_v1|bdp-user-ticket-id)=[^;\s'\"]+",
        r"\1=<session>",
        text,
    )
