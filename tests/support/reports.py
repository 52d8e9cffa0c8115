"""Report inputs shared by the report tests: a check run's results and a load run's result."""

from __future__ import annotations

from collections import Counter
from typing import Any

from linkis_harness.core.sla import parse_slas
from linkis_harness.load import report as load_report
from linkis_harness.load.cleanup import Cleanup, Ledger

EXEC_A = "exec_id018015linkis-cg-entrance127.0.0.1:18731IDE_alice_shell_2"
EXEC_B = "exec_id018015linkis-cg-entrance127.0.0.1:18731IDE_alice_shell_7"
TICKET = "bfs_alice,1732781234567-SECRETTICKET"
TOKEN = "QML-AUTH-very-secret"


def check_results() -> dict[str, Any]:
    """A results.json like `report.write_results` writes, with hostile text in it."""
    curl = (
        f"curl -sS -X GET 'http://127.0.0.1:18731/api/rest_j/v1/entrance/{EXEC_A}/log"
        f"?fromLine=0&size=5000' -H 'Cookie: linkis_user_session_ticket_id_v1={TICKET}'"
        f" -H 'Token-Code: {TOKEN}'"
    )
    response = (
        'HTTP 200 (application/json)\n{"method":"/api/entrance/'
        + EXEC_A
        + '/log","status":0,"message":"<script>alert(1)</script>","data":{"fromLine":35}}'
    )
    return {
        "target": "http://127.0.0.1:18731",
        "profile": "smoke",
        "seed": 7,
        "markers": None,
        "exit_code": 1,
        "wall_seconds": 10.3,
        "durations": {"log": 1.4, "auth": 0.2},
        "collected": 4,
        "families": {
            "log": {"passed": 0, "failed": 1, "accepted": 0, "skipped": 0},
            "auth": {"passed": 1, "failed": 0, "accepted": 1, "skipped": 1},
        },
        "results": [
            {
                "nodeid": "test_log.py::test_pages_equal_full_read[shell-quick]",
                "family": "log",
                "outcome": "failed",
                "duration": 0.4,
                "violation": {
                    "check": "log",
                    "title": "a line was lost between pages",
                    "detail": "fromLine 0 -> 35 consumed 35 lines, data.log holds 34\n"
                    f"request:  {curl}\nresponse: {response}",
                    "operation": "log",
                    "exec_id": EXEC_A,
                },
                "message": "[log] a line was lost",
                "reproducer": {"curl": curl, "response": response},
            },
            {
                "nodeid": "test_auth.py::test_login_works",
                "family": "auth",
                "outcome": "passed",
                "duration": 0.1,
            },
            {
                "nodeid": "test_auth.py::test_wrong_password_refused",
                "family": "auth",
                "outcome": "accepted",
                "duration": 0.1,
                "reason": "accepted quirk (quirks.yaml#1): LDAP answers 400 on this cluster",
            },
            {
                "nodeid": "test_auth.py::test_token_rules",
                "family": "auth",
                "outcome": "skipped",
                "duration": 0.0,
                "reason": "no token rules given (--linkis-token-rules)",
            },
        ],
    }


def load_result(*, sla: str = "p95(job_total)<30s") -> load_report.Result:
    """A load run's result as `load_report.summarize` builds it from Locust's raw samples."""
    started = 1_000.0
    times = [started + 2 * i for i in range(20)]
    samples = {
        "started": started,
        "stopped": started + 40,
        "entries": {
            "/entrance/[execID]/status": {
                "values": [12.0 + i for i in range(20)],
                "times": times,
                "failures": 0,
            },
            "job_running shell-quick": {
                "values": [800.0 + 50 * i for i in range(20)],
                "times": times,
                "failures": 0,
            },
            "job_total shell-quick Succeed": {
                "values": [2000.0 + 100 * i for i in range(20)],
                "times": times,
                "failures": 0,
            },
        },
        "users": [
            [started, 0],
            [started + 5, 10],
            [started + 10, 20],
            [started + 40, 20],
        ],
        "violations": {
            "log: fromLine went backwards": {"count": 2, "example": "fromLine 10 -> 9"}
        },
        "errors": [],
        "workers": {"w1": 30, "w2": 30},
    }
    cleanup = Cleanup(submitted=20, finished=Counter({"Succeed": 18, "Cancelled": 2}))
    raw = load_report.Raw(Ledger(), samples)
    return load_report.summarize(
        raw, cleanup, parse_slas([sla]), problem=None, interrupted=False
    )
