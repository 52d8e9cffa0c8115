"""The two error families of the harness, and its exit codes.

HarnessError                      the harness could not do its job
 ├── ConfigError                  bad option, file or environment
 │    └── RulesSyntaxError        a rule file line that does not parse (carries the line)
 ├── InvalidExecId (ValueError)   text that is not an execID
 ├── MalformedEnvelope            an answer that is not a Linkis envelope
 └── TargetError                  the target could not be used
      ├── TargetUnreachable
      └── LoginFailed

ContractViolation (AssertionError)  a finding about Linkis: pytest reports it as a failure.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ConfigError",
    "ContractViolation",
    "ExitCode",
    "HarnessError",
    "InvalidExecId",
    "LoginFailed",
    "MalformedEnvelope",
    "RulesSyntaxError",
    "TargetError",
    "TargetUnreachable",
]


class ExitCode(IntEnum):
    """The CLI's public contract: 0 all held, 1 findings, 2 the run could not be made."""

    OK = 0
    FINDINGS = 1
    NOT_RUN = 2


class HarnessError(Exception):
    """The harness could not do its job (not a finding about Linkis)."""


class ConfigError(HarnessError):
    """An option, file or environment variable is wrong."""


class RulesSyntaxError(ConfigError):
    """A line of a proxy or token rule file does not parse."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}")


class InvalidExecId(HarnessError, ValueError):
    """A text is not an execID in any known layout, or its fields cannot be encoded."""


class MalformedEnvelope(HarnessError):
    """An answer is not the Linkis `{method, status, message, data}` envelope."""

    def __init__(self, message: str, *, http_status: int, body: str) -> None:
        self.http_status = http_status
        self.body = body[:500]
        super().__init__(f"{message} (HTTP {http_status}, body {self.body!r})")


class TargetError(HarnessError):
    """The target deployment could not be used."""


class TargetUnreachable(TargetError):
    """Nothing answered at the target (refused, DNS, TLS, timeout)."""


class LoginFailed(TargetError):
    """The target refused the credentials the harness was given."""


class NotLinkis(LoginFailed):
    """Something answered the login at the target, but not Linkis (no Linkis envelope)."""


class ContractViolation(AssertionError):
    """A finding about the target: it broke the Linkis contract."""

    def __init__(
        self,
        check: str,
        title: str,
        *,
        operation: str = "",
        detail: str = "",
        exec_id: str | None = None,
    ) -> None:
        self.check = check
        self.operation = operation
        self.title = title
        self.detail = detail
        self.exec_id = exec_id
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"[{self.check}] {self.title}"
        if self.operation:
            head += f" ({self.operation})"
        return f"{head}: {self.detail}" if self.detail else head
