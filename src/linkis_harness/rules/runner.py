"""`linkis-harness rules`: lint the rule files, then prove the gateway enforces them.

Static lint always runs (no target needed); then the matrix of `rulematrix.derive_cases` is
asked of `--target`, or of the embedded simulator started with the same rule files. Output
(`rulesreport.py`): a table (one row per case), optional JUnit XML and a report directory
(`rules-junit.xml`, `rules.json`). Exit 0 all rows held and no lint error, 1 a row failed or a
lint error, 2 the run could not be made. Tokens are shown by fingerprint unless `show_secrets`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from linkis_harness.config import Settings
from linkis_harness.core.rulelint import Finding, lint_rules
from linkis_harness.core.rules import ADMIN_USER, RuleKind, RuleSet, parse_rules
from linkis_harness.errors import ConfigError, ExitCode, HarnessError
from linkis_harness.rules.matrix import (
    MatrixRunner,
    ProxyMode,
    Redactor,
    Row,
    check_reachable,
    derive_cases,
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
    return findings, (_parse(files[0]), _parse(files[1]) if len(files) > 1 else None)


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


@contextmanager
def _target(
    settings: Settings,
    *,
    proxy_path: Path,
    token_path: Path | None,
    proxy_mode: ProxyMode,
) -> Iterator[tuple[Settings, tuple[str, ...]]]:
    """Yield settings for the target and the users it is known to have."""
    known = tuple(u for u in (settings.user, settings.peer_user) if u)
    if settings.target is not None:
        yield settings, known
        return
    from linkis_harness.simulator.launch import start_simulator

    extra = ("--proxy-headers",) if proxy_mode == "headers" else ()
    with start_simulator(
        proxy_rules=proxy_path, token_rules=token_path, extra_args=extra
    ) as sim:
        embedded = settings.with_target(sim.url)
        if not settings.user and not settings.token_code:
            embedded = Settings(
                target=sim.url,
                user=SIM_LOGIN[0],
                password=SIM_LOGIN[1],
                timeout=settings.timeout,
            )
        yield embedded, tuple(dict.fromkeys((*known, *SIM_USERS)))


def run_rules(
    settings: Settings,
    *,
    proxy_rules: Path,
    token_rules: Path | None = None,
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
        files = [_read(proxy_rules, "proxy")]
        if token_rules is not None:
            files.append(_read(token_rules, "token"))
    except ConfigError as exc:
        err.write(f"error: {exc}\n")
        return ExitCode.NOT_RUN
    findings, (proxy_set, token_set) = _lint(files, settings)
    syntax = any(f.code == "syntax" for f in findings)
    tokens = [r.key for rs in (proxy_set, token_set) if rs for r in rs.rules]
    redact = Redactor(tokens, secrets=settings.secrets(), show_secrets=show_secrets)
    write_lint(out, findings, [f.path for f in files], redact)
    rows: list[Row] = []
    target: str | None = settings.target
    policy = policy or SafetyPolicy()
    guard = RequestGuard(policy)
    if syntax and not lint_only:
        err.write("matrix not run: fix the syntax errors above first\n")
    elif policy.dry_run and not lint_only:
        _dry_run(out, settings, proxy_set, token_set, guard, proxy_mode, redact)
        return ExitCode.OK
    elif not lint_only:
        try:
            target, rows = _live_matrix(
                settings,
                files=(proxy_rules, token_rules),
                rules=(proxy_set, token_set),
                proxy_mode=proxy_mode,
                guard=guard,
            )
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


def _live_matrix(
    settings: Settings,
    *,
    files: tuple[Path, Path | None],
    rules: tuple[RuleSet | None, RuleSet | None],
    proxy_mode: ProxyMode,
    guard: RequestGuard,
) -> tuple[str | None, list[Row]]:
    """Ask the target (or the embedded simulator) every case; `HarnessError` if it cannot be used."""
    with _target(
        settings, proxy_path=files[0], token_path=files[1], proxy_mode=proxy_mode
    ) as (live, known):
        check_reachable(live, guard=guard)
        cases = derive_cases(
            proxy_rules=rules[0],
            token_rules=rules[1],
            known_users=known,
            proxy_mode=proxy_mode,
        )
        with MatrixRunner(live, proxy_mode=proxy_mode, guard=guard) as runner:
            return live.target, runner.run(cases)


def _dry_run(
    out: TextIO,
    settings: Settings,
    proxy_set: RuleSet | None,
    token_set: RuleSet | None,
    guard: RequestGuard,
    proxy_mode: ProxyMode,
    redact: Redactor,
) -> None:
    """Print the first request of every case; start nothing, send nothing."""
    known: tuple[str, ...] = tuple(u for u in (settings.user, settings.peer_user) if u)
    if settings.target is None:
        settings = Settings(target=_EMBEDDED, user=SIM_LOGIN[0], password=SIM_LOGIN[1])
        known = (*known, *SIM_USERS)
    cases = derive_cases(
        proxy_rules=proxy_set,
        token_rules=token_set,
        known_users=tuple(dict.fromkeys(known)),
        proxy_mode=proxy_mode,
    )
    with MatrixRunner(settings, proxy_mode=proxy_mode, guard=guard) as runner:
        texts = runner.describe(cases)
    out.write(
        f"\ndry run: {len(cases)} cases against {settings.target}, nothing sent\n"
    )
    for text in texts:
        out.write(redact(text) + "\n")
