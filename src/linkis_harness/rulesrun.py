"""`linkis-harness rules`: lint the rule files, then prove the gateway enforces them.

Static lint always runs (no target needed); then the matrix of `rulematrix.derive_cases` is
asked of `--target`, or of the embedded simulator started with the same rule files. Output: a
table (one row per case), optional JUnit XML and a report directory (`rules-junit.xml`,
`rules.json`). Exit 0 all rows held and no lint error, 1 a row failed or a lint error, 2 the
run could not be made. Tokens are shown by fingerprint unless `show_secrets`.
"""

from __future__ import annotations

import json
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.config import Settings
from linkis_harness.core.rulelint import Finding, Severity, lint_rules
from linkis_harness.core.rules import ADMIN_USER, RuleKind, RuleSet, parse_rules
from linkis_harness.errors import ConfigError, ExitCode, HarnessError
from linkis_harness.rulematrix import (
    MatrixRunner,
    ProxyMode,
    Redactor,
    Row,
    check_reachable,
    derive_cases,
)
from linkis_harness.safety import RequestGuard, SafetyPolicy

__all__ = ["RulesReport", "format_table", "run_rules", "write_junit"]

# The embedded simulator's accounts (CONTRACTS.md): the login user and the peers it knows.
SIM_LOGIN = ("alice", "alice123")
SIM_USERS = ("hadoop", "alice", "bob")
_OBSERVED_WIDTH = 68
# Where --dry-run says the embedded simulator would be (it is not started).
_EMBEDDED = "http://127.0.0.1:9001"


@dataclass(frozen=True, slots=True)
class _RuleFile:
    path: Path
    kind: RuleKind
    text: str


@dataclass(frozen=True, slots=True)
class RulesReport:
    """Everything one `rules` run found: lint findings and matrix rows."""

    findings: tuple[Finding, ...]
    rows: tuple[Row, ...]
    target: str | None

    @property
    def lint_errors(self) -> int:
        """How many findings are errors (warnings alone do not fail the run)."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def failed(self) -> int:
        """How many rows did not hold."""
        return sum(1 for r in self.rows if not r.held)

    @property
    def exit_code(self) -> ExitCode:
        """0 all held, 1 a row failed or a lint error."""
        return ExitCode.FINDINGS if self.failed or self.lint_errors else ExitCode.OK


def _read(path: Path, kind: RuleKind) -> _RuleFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"--{kind}-rules: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--{kind}-rules: cannot read {str(path)!r}: {exc}") from None
    return _RuleFile(path, kind, text)


def _lint(files: Sequence[_RuleFile], known_users: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    for f in files:
        findings += lint_rules(
            f.text, kind=f.kind, source=str(f.path), known_users=known_users
        )
    return findings


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


# --- output ---------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Terminal columns of `text`: East Asian wide characters (Linkis' Chinese texts) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    if _width(text) <= width:
        return text
    while _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: Sequence[Row], redact: Redactor) -> str:
    """Return the matrix as a fixed-width text table (one line per case)."""
    header = ("case", "token", "user", "expected", "observed", "verdict")
    lines = [
        (
            row.ident,
            redact.token(row.case.token),
            "(none)" if row.case.user is None else repr(row.case.user),
            f"{row.case.expect} ({row.case.why})",
            _cut(redact(row.observed.short()), _OBSERVED_WIDTH),
            "held" if row.held else "FAILED",
        )
        for row in rows
    ]
    widths = [
        max(_width(h), *(_width(line[i]) for line in lines))
        for i, h in enumerate(header)
    ]
    out = []
    for cells in [header, *lines]:
        out.append(
            "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()
        )
    return "\n".join(out) + "\n"


def _format_failures(rows: Sequence[Row], redact: Redactor) -> str:
    parts = []
    for row in rows:
        if row.held:
            continue
        parts.append(
            f"FAILED {row.ident}: {redact(row.reason)}\n"
            f"  expected: {row.case.expect} ({row.case.why}); observed: {redact(row.observed.short())}\n"
            f"  reproduce: {redact(row.curl)}\n"
        )
    return "".join(parts)


def write_junit(path: Path, report: RulesReport, redact: Redactor) -> None:
    """Write one JUnit test case per lint file and per matrix row."""
    suite = ET.Element(
        "testsuite",
        name="linkis-harness rules",
        tests=str(len(report.rows) + 1),
        failures=str(report.failed + (1 if report.lint_errors else 0)),
    )
    lint = ET.SubElement(suite, "testcase", classname="rules.lint", name="lint")
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors:
        failure = ET.SubElement(lint, "failure", message=f"{len(errors)} lint error(s)")
        failure.text = redact("\n".join(str(f) for f in report.findings))
    for row in report.rows:
        case = ET.SubElement(
            suite, "testcase", classname=f"rules.{row.case.kind}", name=row.ident
        )
        if not row.held:
            failure = ET.SubElement(case, "failure", message=redact(row.reason))
            failure.text = redact(
                f"token {redact.token(row.case.token)} user {row.case.user!r}\n"
                f"expected {row.case.expect} ({row.case.why})\n"
                f"observed {row.observed.short()}\n{row.curl}"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _report_json(report: RulesReport, redact: Redactor) -> dict[str, Any]:
    return {
        "target": report.target,
        "exit_code": int(report.exit_code),
        "lint": [
            {
                "file": f.file,
                "line": f.line,
                "severity": str(f.severity),
                "code": f.code,
                "message": redact(f.message),
            }
            for f in report.findings
        ],
        "rows": [
            {
                "case": r.ident,
                "kind": r.case.kind,
                "token": redact.token(r.case.token),
                "user": r.case.user,
                "expected": r.case.expect,
                "why": r.case.why,
                "rule_line": r.case.line,
                "http_status": r.observed.http_status,
                "status": r.observed.status,
                "message": redact(r.observed.message),
                "detail": redact(r.observed.detail),
                "verdict": "held" if r.held else "failed",
                "reason": redact(r.reason),
                "reproduce": redact(r.curl),
            }
            for r in report.rows
        ],
    }


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
    **_: object,
) -> int:
    """Lint the rule files, run the live matrix, print the table; return the exit code."""
    try:
        files = [_read(proxy_rules, "proxy")]
        if token_rules is not None:
            files.append(_read(token_rules, "token"))
    except ConfigError as exc:
        err.write(f"error: {exc}\n")
        return ExitCode.NOT_RUN
    findings = _lint(files, _known_users(settings))
    syntax = [f for f in findings if f.code == "syntax"]
    proxy_set = token_set = None
    if not syntax:
        proxy_set = _parse(files[0])
        token_set = _parse(files[1]) if len(files) > 1 else None
    tokens = [r.key for rs in (proxy_set, token_set) if rs for r in rs.rules]
    redact = Redactor(tokens, secrets=settings.secrets(), show_secrets=show_secrets)
    _write_lint(out, findings, files, redact)
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
        _write_matrix(out, report, redact, proxy_mode)
    elif not (lint_only or syntax):
        out.write("\nno rules in the files: no case to ask the gateway\n")
    _write_reports(report, redact, junit_xml=junit_xml, report_dir=report_dir)
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


def _write_matrix(
    out: TextIO, report: RulesReport, redact: Redactor, proxy_mode: ProxyMode
) -> None:
    rows = report.rows
    out.write(f"\nmatrix against {report.target} (proxy mode: {proxy_mode})\n")
    out.write(format_table(rows, redact))
    out.write(_format_failures(rows, redact))
    held = len(rows) - report.failed
    out.write(f"\n{len(rows)} cases: {held} held, {report.failed} failed\n")


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


def _write_lint(
    out: TextIO,
    findings: Sequence[Finding],
    files: Sequence[_RuleFile],
    redact: Redactor,
) -> None:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    names = ", ".join(str(f.path) for f in files)
    out.write(f"lint {names}: {errors} error(s), {warnings} warning(s)\n")
    for finding in findings:
        out.write(f"  {redact(str(finding))}\n")


def _write_reports(
    report: RulesReport,
    redact: Redactor,
    *,
    junit_xml: Path | None,
    report_dir: Path | None,
) -> None:
    if junit_xml is not None:
        write_junit(junit_xml, report, redact)
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        write_junit(report_dir / "rules-junit.xml", report, redact)
        (report_dir / "rules.json").write_text(
            json.dumps(_report_json(report, redact), indent=2, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
