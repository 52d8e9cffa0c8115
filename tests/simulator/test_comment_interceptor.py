"""The simulator keeps what Linkis keeps of a submit: SQL comments stripped, the source kept.

ledger: jobhistory.list.sql-comments-stripped, jobhistory.list.keeps-source. The run marker
survives in `sourceJson` for SQL and in the code for shell, so cleanup finds both jobs.
"""

from __future__ import annotations

import httpx

from linkis_harness.core.runmarker import MARKER_KEY, carries, make_marker, mark_body
from linkis_harness.simulator.launch import start_simulator
from linkis_harness.simulator.submit import stored_code

MARKER = make_marker((2026, 12, 5, 8, 0, 0), "0123abcd")


def test_sql_comments_go_strings_and_other_languages_stay() -> None:
    sql = "select '--kept' as a -- gone\n/* gone */ from t # gone\n"
    assert stored_code(sql, "sql") == "select '--kept' as a \n from t \n"
    assert stored_code(sql, "hql") == stored_code(sql, "sql")
    shell = "# linkis-sim: duration=1\necho hi # stays\n"
    assert stored_code(shell, "shell") == shell
    assert stored_code("# c\nprint(1)\n", "python") == "# c\nprint(1)\n"


def _submit(http: httpx.Client, code: str, run_type: str) -> int:
    body = {
        "executionContent": {"code": code, "runType": run_type},
        "labels": {"engineType": "spark-2.4.3", "userCreator": "alice-IDE"},
    }
    answer = http.post("/entrance/submit", json=mark_body(body, MARKER)).json()
    return int(answer["data"]["taskID"])


def test_job_history_shows_the_marker_for_sql_in_source_and_for_shell_in_code() -> None:
    with (
        start_simulator(speed=10.0) as sim,
        httpx.Client(base_url=sim.url + "/api/rest_j/v1", timeout=10) as http,
    ):
        http.post("/user/login", json={"userName": "alice", "password": "alice123"})
        sql = _submit(http, "-- linkis-sim: duration=1\nselect 1", "sql")
        shell = _submit(http, "# linkis-sim: duration=1\necho 1", "shell")
        tasks = {
            t["taskID"]: t
            for t in http.get("/jobhistory/list", params={"pageSize": 50}).json()[
                "data"
            ]["tasks"]
        }
    assert MARKER_KEY not in tasks[sql]["executionCode"]
    assert "linkis-sim" not in tasks[sql]["executionCode"]
    assert carries(tasks[sql], MARKER)  # by its source
    assert f"# {MARKER_KEY}: {MARKER}" in tasks[shell]["executionCode"]
    assert carries(tasks[shell], MARKER)
