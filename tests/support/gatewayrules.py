"""A token table and gateway properties that exercise every gateway rule fault (issue 15).

Written to a directory by `write_gateway_rules`; `sim_args` are the `serve` options that load
them into a 1.6 simulator deployed behind a header-overwriting proxy with the admin-token path
mitigated (every case holds there), `exposed=True` the release's own code as is.

What each fault changes, with these rules (sources 127.0.0.1-3 and 127.0.0.12):
- token-host-ignored: LOCAL-TABLE (127.0.0.1 only) admitted from 127.0.0.2;
- token-host-substring: TWELVE-TABLE (127.0.0.12 only) admitted from 127.0.0.1;
- token-expiry-ignored: STALE-TABLE (2020-01-01 + 10 days) admitted;
- access-control-ignored: bob (bound to 127.0.0.12) admitted from 127.0.0.2;
- access-control-exact: bob refused from 127.0.0.1, which `contains()` admits.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "GATEWAY_FAULTS",
    "GATEWAY_VERSION",
    "PROPERTIES",
    "TABLE",
    "rule_args",
    "sim_args",
    "write_gateway_rules",
]

GATEWAY_VERSION = "1.6"
# The simulator's faults these rules make visible (the `rules` family catches each).
GATEWAY_FAULTS = frozenset(
    {
        "token-host-ignored",
        "token-host-substring",
        "token-expiry-ignored",
        "access-control-ignored",
        "access-control-exact",
    }
)
TABLE = """\
token_name,legal_users,legal_hosts,elapse_day,create_time,business_owner
LOCAL-TABLE-5f2a,"alice,bob",127.0.0.1,-1,2026-01-01,BDP
TWELVE-TABLE-0b1c,alice,127.0.0.12,-1,2026-01-01,BDP
REMOTE-TABLE-9e4d,alice,10.20.30.40,-1,2026-01-01,BDP
STALE-TABLE-77aa,alice,*,10,2020-01-01,BDP
"""
PROPERTIES = """\
linkis.client.access.control.user.enable=true
linkis.client.access.control.user.bob=127.0.0.12
linkis.client.access.control.enable=true
linkis.client.access.control.ip=127.0.0.3
linkis.client.access.control.url=/api/rest_j/v1/jobhistory/list
"""


def write_gateway_rules(directory: Path) -> tuple[Path, Path]:
    """Write the table and the properties into `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    table = directory / "tokens.csv"
    props = directory / "gateway.properties"
    table.write_text(TABLE, encoding="utf-8")
    props.write_text(PROPERTIES, encoding="utf-8")
    return table, props


def rule_args(table: Path, props: Path) -> tuple[str, ...]:
    """The `--token-table` and `--gateway-properties` options `serve` and `check` both take."""
    return ("--token-table", str(table), "--gateway-properties", str(props))


def sim_args(
    table: Path, props: Path, *, exposed: bool = False, version: str = GATEWAY_VERSION
) -> tuple[str, ...]:
    """`serve` options for a simulator enforcing these rules as Linkis `version` (1.6)."""
    deployed = "--admin-token-exposed" if exposed else "--behind-proxy"
    return (*rule_args(table, props), "--linkis-version", version, deployed)
