"""What `linkis-harness rules` shows and writes: lint summary, matrix table, JUnit, JSON.

The table pads by terminal width; failures carry a curl reproducer. Every token and secret
goes through the `Redactor` first.
"""

from __future__ import annotations

import json
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.core.rulelint import Finding, Severity
from linkis_harness.errors import ExitCode
from linkis_harness.rules.matrix import ProxyMode, Redactor, Row

__all__ = [
    "RulesReport",
    "format_table",
    "write_junit",
    "write_lint",
    "write_matrix",
    "write_reports",
]

_OBSERVED_WIDTH = 68


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
    header = ("case", "token", "user", "from", "expected", "observed", "verdict")
    lines = [
        (
            row.ident,
            redact.token(row.case.token),
            "(none)" if row.case.user is None else repr(row.case.user),
            row.case.source or "-",
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
                f"token {redact.token(row.case.token)} user {row.case.user!r} "
                f"from {row.case.source or '-'}\n"
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
                "source": r.case.source,
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


def write_matrix(
    out: TextIO, report: RulesReport, redact: Redactor, proxy_mode: ProxyMode
) -> None:
    """Print the matrix table, its failures and the count of held and failed rows."""
    rows = report.rows
    out.write(f"\nmatrix against {report.target} (proxy mode: {proxy_mode})\n")
    out.write(format_table(rows, redact))
    out.write(_format_failures(rows, redact))
    held = len(rows) - report.failed
    out.write(f"\n{len(rows)} cases: {held} held, {report.failed} failed\n")


def write_lint(
    out: TextIO,
    findings: Sequence[Finding],
    paths: Sequence[Path],
    redact: Redactor,
) -> None:
    """Print the lint summary line, then every finding."""
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    names = ", ".join(str(path) for path in paths)
    out.write(f"lint {names}: {errors} error(s), {warnings} warning(s)\n")
    for finding in findings:
        out.write(f"  {redact(str(finding))}\n")


def write_reports(
    report: RulesReport,
    redact: Redactor,
    *,
    junit_xml: Path | None,
    report_dir: Path | None,
) -> None:
    """Write the JUnit XML file and the report directory, where asked."""
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
