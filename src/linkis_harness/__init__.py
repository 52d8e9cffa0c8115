"""linkis-harness: contract and load tests for the Apache Linkis REST API."""

from linkis_harness.errors import (
    ConfigError,
    ContractViolation,
    ExitCode,
    HarnessError,
    InvalidExecId,
    LoginFailed,
    MalformedEnvelope,
    RulesSyntaxError,
    TargetError,
    TargetUnreachable,
)

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
__version__ = "0.1.0"
