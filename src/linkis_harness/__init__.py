"""linkis-harness: contract and load tests for the Apache Linkis REST API.

The stable public API (documented in docs/pytest.md; `tests/unit/test_public_api.py` fails if
a name disappears):

- `Client`, `Job`, `SubmitRefused`: a logged-in client whose `run()` submits a job, follows it
  to its end through the suite's oracles and returns the finished job;
- `Simulator`: the embedded Linkis twin, in this process or as a subprocess, with named faults;
- `Settings`: where the target is and who the harness is there;
- the oracles (pure functions over what a target answered): `check_envelope`, `masked_crash`,
  `first_illegal_step`, `check_progress`, `check_task_ids`, `check_history_exec_id`,
  `check_pages`, `check_buckets`, and the `Violation` they return;
- the errors: `HarnessError` and its subclasses, `ContractViolation`, `ExitCode`.

Importing this package is cheap: `Client` and `Simulator` (httpx, uvicorn, pytest) load on
first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from linkis_harness.config import Settings
    from linkis_harness.core.crash import masked_crash
    from linkis_harness.core.envelope import check_envelope
    from linkis_harness.core.jobstate import first_illegal_step
    from linkis_harness.core.logcheck import check_buckets, check_pages
    from linkis_harness.core.oracles import (
        check_history_exec_id,
        check_progress,
        check_task_ids,
    )
    from linkis_harness.core.violation import Violation
    from linkis_harness.simulator.embedded import Simulator
    from linkis_harness.suite.client import Client, Job, SubmitRefused

__all__ = [
    "Client",
    "ConfigError",
    "ContractViolation",
    "ExitCode",
    "HarnessError",
    "InvalidExecId",
    "Job",
    "LoginFailed",
    "MalformedEnvelope",
    "RulesSyntaxError",
    "Settings",
    "Simulator",
    "SubmitRefused",
    "TargetError",
    "TargetUnreachable",
    "Violation",
    "check_buckets",
    "check_envelope",
    "check_history_exec_id",
    "check_pages",
    "check_progress",
    "check_task_ids",
    "first_illegal_step",
    "masked_crash",
]
__version__ = "0.1.0"

_LAZY = {
    "Client": "linkis_harness.suite.client",
    "Job": "linkis_harness.suite.client",
    "SubmitRefused": "linkis_harness.suite.client",
    "Simulator": "linkis_harness.simulator.embedded",
    "Settings": "linkis_harness.config",
    "Violation": "linkis_harness.core.violation",
    "check_envelope": "linkis_harness.core.envelope",
    "masked_crash": "linkis_harness.core.crash",
    "first_illegal_step": "linkis_harness.core.jobstate",
    "check_progress": "linkis_harness.core.oracles",
    "check_task_ids": "linkis_harness.core.oracles",
    "check_history_exec_id": "linkis_harness.core.oracles",
    "check_pages": "linkis_harness.core.logcheck",
    "check_buckets": "linkis_harness.core.logcheck",
}


def __getattr__(name: str) -> Any:
    """Load the heavier public names on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'linkis_harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
