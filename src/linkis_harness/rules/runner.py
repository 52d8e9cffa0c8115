"""`linkis-harness rules`: lint the rule files, then prove the gateway enforces them.

Static lint always runs (no target needed); then the matrix is asked of `--target`, or of the
embedded simulator started with the same files: the proxy/token cases of
`core.rulecases.derive_cases` and the token-table, spoof, access-control and admin-token cases
of `core.gatewaycases.derive_gateway_cases`, each sent from a source address (several loopback
addresses on a loopback target). Output (`report.py`): a table (one row per case), optional
JUnit XML and a report directory (`rules-junit.xml`, `rules.json`). Exit 0 all rows held and no
lint error, 1 a row failed or a lint error, 2 the run could not be made (a file that does not
read or parse: nothing is sent). Tokens are shown by fingerprint unless `show_secrets`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from linkis_harness.config import Settings
from linkis_harness.core.gatewaycases import derive_gateway_cases, loopback_sources
from linkis_harness.core.rulecases import Case
from linkis_harness.core.rulelint import Finding, lint_rules
from linkis_harness.core.rules import ADMIN_USER, RuleKind, RuleSet, parse_rules
from linkis_harness.core.tokentable import parse_now
from linkis_harness.core.versions import DEFAULT_VERSION, Version
from linkis_harness.errors import ConfigError, ExitCode, HarnessError
from linkis_harness.rules.matrix import (
    MatrixRunner,
    ProxyMode,
    Redactor,
    Row,
    check_reachable,
    derive_cases,
    refine_version,
)
from linkis_harness.rules.matrix.inputs import (
    GatewayInputs,
    is_loopback_target,
    local_address,
    read_gateway_inputs,
)
from linkis_harness.rules.report import (
    RulesReport,
    write_lint,
    write_matrix,
    write_reports,
)
from linkis_harness.safety import RequestGuard, SafetyPolicy

__all__ = ["run_rules"]

# The embedded simulator's accounts (simulator/auth.py DEFAULT_USERS): the login user and the
# peers it knows.
SIM_LOGIN = ("alice", "alice123")
SIM_USERS = ("hadoop", "alice", "bob")
# Where --dry-run says the embedded simulator would be (it is not started).
_EMBEDDED = "http://127.0.0.1:9001"


@dataclass(frozen=True, slots=True)
class _RuleFile:
    path: Path
    kind: RuleKind
    text: str


def _read(path: Path, kind: RuleKind) -> _RuleFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"--{kind}-rules: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--{kind}-rules: cannot read {str(path)!r}: {exc}") from None
    return _RuleFile(path, kind, text)


def _lint(
    files: Sequence[_RuleFile], settings: Settings
) -> tuple[list[Finding], tuple[RuleSet | None, RuleSet | None]]:
    """Lint every file; parse the proxy and token rules when no line has a syntax error."""
    findings: list[Finding] = []
    for f in files:
        findings += lint_rules(
            f.text, kind=f.kind, source=str(f.path), known_users=_known_users(settings)
        )
    if any(f.code == "syntax" for f in findings):
        return findings, (None, None)
    by_kind = {f.kind: f for f in files}
    return findings, (_parse(by_kind.get("proxy")), _parse(by_kind.get("token")))


def _known_users(settings: Settings) -> tuple[str, ...]:
    """Users the lint knows exist: the admin, the configured ones, the simulator's when embedded."""
    users = [ADMIN_USER, settings.user, settings.peer_user, settings.token_user]
    if settings.target is None:
        users += SIM_USERS
    return tuple(dict.fromkeys(u for u in users if u))


def _parse(f: _RuleFile | None) -> RuleSet | None:
    if f is None:
        return None
    return parse_rules(f.text, source=str(f.path), kind=f.kind)


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one run asks: the parsed files, the version, the clock and the options."""

    proxy_set: RuleSet | None
    token_set: RuleSet | None
    gateway: GatewayInputs
    files: tuple[Path | None, Path | None]
    version: Version | None  # --linkis-version (None: embedded default or detected)
    now: datetime
    proxy_mode: ProxyMode
    behind_proxy: bool = True  # the embedded simulator: deployed behind a proxy


def _sim_args(plan: _Plan, version: Version) -> tuple[str, ...]:
    args: list[str] = ["--linkis-version", str(version), "--now", plan.now.isoformat()]
    if plan.proxy_mode == "headers":
        args.append("--proxy-headers")
    if plan.gateway.table_path is not None:
        args += ["--token-table", str(plan.gateway.table_path)]
    if plan.gateway.properties_path is not None:
        args += ["--gateway-properties", str(plan.gateway.properties_path)]
    if plan.behind_proxy:
        args.append("--behind-proxy")
    return tuple(args)


@contextmanager
def _target(
    settings: Settings, plan: _Plan
) -> Iterator[tuple[Settings, tuple[str, ...], dict[str, str]]]:
    """Yield settings for the target, the users it is known to have and their passwords."""
    known = tuple(u for u in (settings.user, settings.peer_user) if u)
    if settings.target is not None:
        yield settings, known, {}
        return
    from linkis_harness.simulator.auth import DEFAULT_USERS
    from linkis_harness.simulator.launch import start_simulator

    version = plan.version or DEFAULT_VERSION
    with start_simulator(
        proxy_rules=plan.files[0],
        token_rules=plan.files[1],
        extra_args=_sim_args(plan, version),
    ) as sim:
        embedded = settings.with_target(sim.url)
        if not settings.user and not settings.token_code:
            embedded = Settings(
                target=sim.url,
                user=SIM_LOGIN[0],
                password=SIM_LOGIN[1],
                peer_user=settings.peer_user,
                peer_password=settings.peer_password,
                timeout=settings.timeout,
            )
        yield embedded, tuple(dict.fromkeys((*known, *SIM_USERS))), dict(DEFAULT_USERS)


def run_rules(
    settings: Settings,
    *,
    proxy_rules: Path | None = None,
    token_rules: Path | None = None,
    token_table: Path | None = None,
    gateway_properties: Path | None = None,
    now: str | None = None,
    linkis_version: str | None = None,
    out: TextIO,
    err: TextIO,
    lint_only: bool = False,
    junit_xml: Path | None = None,
    report_dir: Path | None = None,
    show_secrets: bool = False,
    proxy_mode: ProxyMode = "login",
    policy: SafetyPolicy | None = None,
) -> int:
    """Lint the rule files, run the live matrix, print the table; return the exit code."""
    try:
        clock = parse_now(now) or datetime.now()
        forced = Version.parse(linkis_version) if linkis_version else None
        files = [_read(proxy_rules, "proxy")] if proxy_rules is not None else []
        if token_rules is not None:
            files.append(_read(token_rules, "token"))
        gateway = read_gateway_inputs(token_table, gateway_properties, now=clock)
    except ConfigError as exc:
        err.write(f"error: {exc}\n")
        return ExitCode.NOT_RUN
    findings, (proxy_set, token_set) = _lint(files, settings)
    findings += gateway.lint(now=clock, version=forced)
    syntax = any(f.code == "syntax" for f in findings)
    tokens = [r.key for rs in (proxy_set, token_set) if rs for r in rs.rules]
    tokens += gateway.tokens()
    redact = Redactor(tokens, secrets=settings.secrets(), show_secrets=show_secrets)
    write_lint(out, findings, [f.path for f in files] + gateway.paths, redact)
    plan = _Plan(
        proxy_set,
        token_set,
        gateway,
        (proxy_rules, token_rules),
        forced,
        clock,
        proxy_mode,
    )
    rows: list[Row] = []
    target: str | None = settings.target
    policy = policy or SafetyPolicy()
    guard = RequestGuard(policy)
    if syntax and not lint_only:
        err.write("matrix not run: fix the syntax errors above first\n")
    elif policy.dry_run and not lint_only:
        _dry_run(out, settings, plan, guard, redact)
        return ExitCode.OK
    elif not lint_only:
        try:
            target, rows = _live_matrix(settings, plan, guard=guard, out=out)
        except HarnessError as exc:
            err.write(f"error: {redact(str(exc))}\n")
            return ExitCode.NOT_RUN
    report = RulesReport(tuple(findings), tuple(rows), target)
    if rows:
        write_matrix(out, report, redact, proxy_mode)
    elif not (lint_only or syntax):
        out.write("\nno rules in the files: no case to ask the gateway\n")
    write_reports(report, redact, junit_xml=junit_xml, report_dir=report_dir)
    return report.exit_code


def _cases(
    live: Settings,
    plan: _Plan,
    *,
    known: Sequence[str],
    passwords: Mapping[str, str],
    version: Version,
) -> list[Case]:
    """Every case of the run, each with the source address it is sent from."""
    target = live.target or _EMBEDDED
    here = local_address(target)
    cases = derive_cases(
        proxy_rules=plan.proxy_set,
        token_rules=plan.token_set,
        known_users=known,
        proxy_mode=plan.proxy_mode,
    )
    cases = [dataclasses.replace(c, source=here) for c in cases]
    gateway = plan.gateway
    sources: tuple[str, ...] = ()
    if is_loopback_target(target):
        sources = loopback_sources(here, gateway.table, gateway.access)[1:]
    accounts = {**passwords}
    if live.user and live.password:
        accounts.setdefault(live.user, live.password)
    if live.peer_user and live.peer_password:
        accounts.setdefault(live.peer_user, live.peer_password)
    logins = [u for u in (live.user, *accounts) if u and u in accounts]
    logins = list(dict.fromkeys(logins))
    admin_as = None
    if gateway.table is not None and logins:
        others = [
            u for u in (live.peer_user, ADMIN_USER, *accounts) if u and u != logins[0]
        ]
        admin_as = others[0] if others else None
    cases += derive_gateway_cases(
        table=gateway.table,
        access=gateway.access,
        version=version,
        now=plan.now,
        here=here,
        sources=sources,
        logins=logins,
        admin_as=admin_as,
    )
    return cases


def _live_matrix(
    settings: Settings, plan: _Plan, *, guard: RequestGuard, out: TextIO
) -> tuple[str | None, list[Row]]:
    """Ask the target (or the embedded simulator) every case; `HarnessError` if it cannot be used."""
    with _target(settings, plan) as (live, known, passwords):
        check_reachable(live, guard=guard)
        version = _version(live, plan, out, embedded=settings.target is None)
        cases = _cases(live, plan, known=known, passwords=passwords, version=version)
        with MatrixRunner(
            live, proxy_mode=plan.proxy_mode, guard=guard, passwords=passwords
        ) as runner:
            return live.target, runner.run(cases)


def _version(live: Settings, plan: _Plan, out: TextIO, *, embedded: bool) -> Version:
    """Return the version the cases assume: --linkis-version, the embedded one, or detected."""
    if plan.version is not None:
        out.write(f"Linkis {plan.version} (--linkis-version)\n")
        return plan.version
    if embedded:
        out.write(f"embedded simulator as Linkis {DEFAULT_VERSION}\n")
        return DEFAULT_VERSION
    from linkis_harness.client import versions as version_probe

    found = version_probe.resolve_version(live, None)
    version = found.version
    if plan.gateway.table is not None or plan.gateway.access is not None:
        version = refine_version(live, version)
    note = (
        f"; unknown tokens answer 15207: {version}+" if version != found.version else ""
    )
    out.write(found.describe() + note + "\n")
    return version


def _dry_run(
    out: TextIO,
    settings: Settings,
    plan: _Plan,
    guard: RequestGuard,
    redact: Redactor,
) -> None:
    """Print the first request of every case; start nothing, send nothing."""
    known: tuple[str, ...] = tuple(u for u in (settings.user, settings.peer_user) if u)
    passwords: dict[str, str] = {}
    if settings.target is None:
        settings = Settings(target=_EMBEDDED, user=SIM_LOGIN[0], password=SIM_LOGIN[1])
        known = (*known, *SIM_USERS)
        passwords = {SIM_LOGIN[0]: SIM_LOGIN[1]}
    cases = _cases(
        settings,
        plan,
        known=tuple(dict.fromkeys(known)),
        passwords=passwords,
        version=plan.version or DEFAULT_VERSION,
    )
    with MatrixRunner(
        settings, proxy_mode=plan.proxy_mode, guard=guard, passwords=passwords
    ) as runner:
        texts = runner.describe(cases)
    out.write(
        f"\ndry run: {len(cases)} cases against {settings.target}, nothing sent\n"
    )
    for text in texts:
        out.write(redact(text) + "\n")
