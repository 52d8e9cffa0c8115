"""Rules: the gateway enforces the proxy-user and token rules the operator believes are in force.

One test per row of the matrix `linkis_harness.rules.matrix.derive_cases` builds from
`--linkis-proxy-rules` / `--linkis-token-rules`: listed users accepted (and the proxy session
then acts as, and owns the jobs of, that user), near misses, peers, an unknown token and
missing parameters refused. `LINKIS_PROXY_MODE=headers` uses the documented `Proxy-User` +
`Validation-Code` headers instead of `/user/proxy`. Tokens appear only as fingerprints.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from linkis_harness import config as harness_config
from linkis_harness.core.accesscontrol import ACCESS_CONTROL_SINCE
from linkis_harness.core.gatewaycases import (
    ACCESS_REFUSED,
    derive_gateway_cases,
    loopback_sources,
)
from linkis_harness.core.rules import RuleKind, RuleSet, parse_rules
from linkis_harness.core.versions import (
    DEFAULT_VERSION,
    TokenMatch,
    Version,
    VersionTraits,
    token_allows,
    traits,
)
from linkis_harness.errors import ConfigError, ContractViolation, RulesSyntaxError
from linkis_harness.rules.matrix import Case, MatrixRunner, Redactor, derive_cases
from linkis_harness.rules.matrix.inputs import (
    GatewayInputs,
    is_loopback_target,
    local_address,
    read_gateway_inputs,
)
from linkis_harness.suite import settings as suite_settings

pytestmark = pytest.mark.rules

_NO_RULES = "no rule files: pass --linkis-proxy-rules and/or --linkis-token-rules (or LINKIS_PROXY_RULES / LINKIS_TOKEN_RULES)"


def _option(config: pytest.Config, name: str, var: str) -> str | None:
    """The session's value of `--linkis-<name>` (flag, run configuration or `var`)."""
    options = suite_settings.current()
    if options is None:
        value = config.getoption(f"--linkis-{name}", default=None)
        return value or os.environ.get(var) or None
    key = name.replace("-", "_")
    found = getattr(options, key, None) if hasattr(options, key) else None
    if found is None:
        found = getattr(options.connection, key, None)
    return str(found) if found else None


def _rules(
    config: pytest.Config, name: str, var: str, kind: RuleKind
) -> RuleSet | None:
    path = _option(config, name, var)
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise pytest.UsageError(
            f"--linkis-{name}: cannot read {path!r}: {exc}"
        ) from None
    try:
        return parse_rules(text, source=path, kind=kind)
    except RulesSyntaxError as exc:
        raise pytest.UsageError(f"--linkis-{name}: {exc}") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rules_case" not in metafunc.fixturenames:
        return
    config = metafunc.config
    proxy = _rules(config, "proxy-rules", "LINKIS_PROXY_RULES", "proxy")
    token = _rules(config, "token-rules", "LINKIS_TOKEN_RULES", "token")
    known = [
        u
        for u in (
            _option(config, "user", "LINKIS_USER"),
            _option(config, "peer-user", "LINKIS_PEER_USER"),
        )
        if u
    ]
    cases = derive_cases(proxy_rules=proxy, token_rules=token, known_users=known)
    gateway = _gateway_inputs(config)
    cases += _gateway_cases(config, gateway)
    if not cases:
        metafunc.parametrize("rules_case", [None], ids=["no-rules"])
        return
    tokens = [r.key for rs in (proxy, token) if rs for r in rs.rules]
    config.stash[_TOKENS] = tokens + gateway.tokens()
    config.stash[_TOKEN_USERS] = (
        {r.key: r.value for r in token.effective()} if token is not None else {}
    )
    params = [(i + 1, case) for i, case in enumerate(cases)]
    metafunc.parametrize(
        "rules_case", params, ids=[case.ident(i) for i, case in params]
    )


def _gateway_inputs(config: pytest.Config) -> GatewayInputs:
    table = _option(config, "token-table", "LINKIS_TOKEN_TABLE")
    props = _option(config, "gateway-properties", "LINKIS_GATEWAY_PROPERTIES")
    try:
        return read_gateway_inputs(
            Path(table) if table else None,
            Path(props) if props else None,
            now=datetime.now(),
        )
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def _gateway_cases(config: pytest.Config, gateway: GatewayInputs) -> list[Case]:
    """Token-table, spoof and access-control cases, from each address this host can use."""
    target = _option(config, "target", "LINKIS_TARGET")
    if target is None or (gateway.table is None and gateway.access is None):
        return []
    here = local_address(target)
    sources: tuple[str, ...] = ()
    if is_loopback_target(target):
        sources = loopback_sources(here, gateway.table, gateway.access)[1:]
    logins = [
        user
        for user, password in (
            (
                _option(config, "user", "LINKIS_USER"),
                _option(config, "password", "LINKIS_PASSWORD"),
            ),
            (
                _option(config, "peer-user", "LINKIS_PEER_USER"),
                _option(config, "peer-password", "LINKIS_PEER_PASSWORD"),
            ),
        )
        if user and password
    ]
    # Collection runs before the run knows the target's version: derive for the newest
    # release and skip at run time what the target's version does not have.
    return derive_gateway_cases(
        table=gateway.table,
        access=gateway.access,
        version=_NEWEST,
        now=datetime.now(),
        here=here,
        sources=sources,
        logins=logins,
    )


_NEWEST = Version(1, 8)
_TABLE_SINCE = Version(1, 1, 1)


def _gateway_skip(case: Case, version: Version) -> str | None:
    """Why a gateway case does not apply to `version` (None: it does)."""
    if case.kind in ("table", "spoof") and version < _TABLE_SINCE:
        return f"Linkis {version} has no token table (linkis_mg_gateway_auth_token, 1.1.1+)"
    uses_access = case.kind == "access" or case.codes == (ACCESS_REFUSED,)
    if uses_access and version < ACCESS_CONTROL_SINCE:
        return f"Linkis {version} has no access control (linkis.client.access.control.*, 1.5+)"
    return None


_TOKENS = pytest.StashKey[list[str]]()
_TOKEN_USERS = pytest.StashKey[dict[str, str]]()


def _version() -> VersionTraits:
    """What the target's Linkis version does (`check` sets LINKIS_VERSION; default 1.4)."""
    return traits(os.environ.get("LINKIS_VERSION") or str(DEFAULT_VERSION))


def _version_explains(
    case: Case, version: VersionTraits, values: dict[str, str]
) -> bool:
    """A refusal case the version's substring token matching admits (Linkis 1.0.2 TokenAuthentication.scala)."""
    if (
        case.kind != "token"
        or case.expect != "refuse"
        or not case.token
        or not case.user
    ):
        return False
    value = values.get(case.token)
    return (
        version.token_match is TokenMatch.SUBSTRING
        and value is not None
        and token_allows(TokenMatch.SUBSTRING, value, case.user)
    )


@pytest.fixture(scope="module")
def rules_runner(settings: harness_config.Settings) -> Iterator[MatrixRunner]:
    """One runner (one connection pool) for every row; each row still gets its own session."""
    mode = os.environ.get("LINKIS_PROXY_MODE", "login")
    with MatrixRunner(
        settings, proxy_mode="headers" if mode == "headers" else "login"
    ) as runner:
        yield runner


def test_rule_case(
    rules_case: tuple[int, Case] | None,
    rules_runner: MatrixRunner,
    pytestconfig: pytest.Config,
) -> None:
    if rules_case is None:
        pytest.skip(_NO_RULES)
    index, case = rules_case
    version = _version()
    if case.kind == "proxy" and not version.proxy_endpoint:
        pytest.skip(
            f"not applicable: Linkis {version.version} has no /user/proxy (added in 1.0, Linkis 1.0.2 UserRestful.scala)"
        )
    reason = _gateway_skip(case, version.version)
    if reason is not None:
        pytest.skip(reason)
    row = rules_runner.run_case(case, index=index)
    if not row.held and _version_explains(
        case, version, pytestconfig.stash[_TOKEN_USERS]
    ):
        pytest.skip(
            f"not applicable: Linkis {version.version} matches Token-User by substring of the token's users "
            f"(Linkis 1.0.2 TokenAuthentication.scala), so {case.user!r} is let in ({case.why}); exact from 1.1.1"
        )
    if not row.held:
        # Rule tokens by fingerprint, and the run's own secrets (a gateway may echo them).
        tokens: list[str] = pytestconfig.stash[_TOKENS]
        redact = Redactor(tokens, secrets=rules_runner.settings.secrets())
        raise ContractViolation(
            "rules",
            redact(row.reason),
            operation=f"{case.kind} token {redact.token(case.token)} user {case.user!r}",
            detail=redact(
                f"expected {case.expect} ({case.why}), observed {row.observed.short()}\n"
                f"request: {row.curl}"
            ),
        )
