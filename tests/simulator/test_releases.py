"""The release rows without a probe, pinned: `serve --linkis-version V` answers as the row says.

The rows of `docs/ledger/releases-*.yaml` that need one's own job (taskID polling, kill of a
finished job, job history), token headers against a token table or a path outside the API have
no probe for `test_ledger_probes.py`; here each (row, line) runs its scenario against the
simulator serving that line and checks the answer with the row's own `mismatches`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from linkis_harness.core.ledger import Row
from linkis_harness.resources.ledger import load_ledger
from linkis_harness.simulator.launch import RunningSimulator, start_simulator
from tests.support.simulator import API, PROXIES, SPEED, TERMINAL, TOKENS, Session

pytestmark = pytest.mark.slow

ROWS = {row.id: row for row in load_ledger()}
# The release line → the `--linkis-version` the simulator serves it as (as test_ledger_probes).
SIMULATED = {
    "1.0": "1.0",
    "1.1": "1.1.1",
    "1.2": "1.3",
    "1.4": "1.4",
    "1.5": "1.5",
    "1.6": "1.6",
    "1.7": "1.7",
    "1.8": "1.8",
}
Answer = tuple[int, object]  # HTTP code, decoded JSON body
Scenario = Callable[[RunningSimulator], Answer]


@pytest.fixture(scope="module")
def sims(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RunningSimulator]]:
    """One simulator per release line (with token and proxy rules), started on first use."""
    root = tmp_path_factory.mktemp("releases")
    tokens, proxies = root / "tokens.properties", root / "proxy.properties"
    tokens.write_text(TOKENS)
    proxies.write_text(PROXIES)
    with ExitStack() as stack:

        class Lazy(dict[str, RunningSimulator]):
            def __missing__(self, line: str) -> RunningSimulator:
                self[line] = stack.enter_context(
                    start_simulator(
                        speed=SPEED,
                        token_rules=tokens,
                        proxy_rules=proxies,
                        extra_args=("--linkis-version", SIMULATED[line]),
                    )
                )
                return self[line]

        yield Lazy()


def _answer(response: httpx.Response) -> Answer:
    return response.status_code, response.json()


def _finished(sim: RunningSimulator) -> tuple[Session, str, int]:
    alice = Session(sim.url)
    exec_id, task_id = alice.submit("# linkis-sim: queue=0 duration=0\necho done")
    alice.wait_state(exec_id, TERMINAL)
    return alice, exec_id, task_id


def _by_task(operation: str) -> Scenario:
    def scenario(sim: RunningSimulator) -> Answer:
        alice, _, task_id = _finished(sim)
        answer = alice.get(f"/entrance/{task_id}/{operation}")
        body = answer.json()
        if operation == "status":
            assert body["data"]["taskID"] == str(task_id)  # the path's text, a string
            assert body["data"]["status"] == "Succeed"
        if operation == "progressWithResource":
            assert body["data"]["yarnResource"] is None
        return answer.status_code, body

    return scenario


def running(sim: RunningSimulator) -> Answer:
    alice = Session(sim.url)
    exec_id, task_id = alice.submit("# linkis-sim: queue=0 duration=100\necho long")
    try:
        alice.wait_state(exec_id, {"Running"})
        answer = alice.get(f"/entrance/{task_id}/status")
        assert answer.json()["data"]["execID"] == exec_id  # generated for this instance
        assert "taskID" not in answer.json()["data"]
        return _answer(answer)
    finally:
        alice.get(f"/entrance/{exec_id}/kill")


def pause(sim: RunningSimulator) -> Answer:
    alice, _, task_id = _finished(sim)
    return _answer(alice.get(f"/entrance/{task_id}/pause"))


def finished_kill(sim: RunningSimulator) -> Answer:
    alice, exec_id, _ = _finished(sim)
    return _answer(alice.get(f"/entrance/{exec_id}/kill"))


def own_error(sim: RunningSimulator) -> Answer:
    answer = httpx.get(sim.url + "/linkis-harness/no-route", timeout=10)
    body = answer.json()
    assert answer.status_code == 404
    assert body["status"] == 404
    return 404, body


def _token(code: str, user: str) -> Scenario:
    def scenario(sim: RunningSimulator) -> Answer:
        headers = {"Token-Code": code, "Token-User": user}
        return _answer(
            httpx.get(sim.url + API + "/jobhistory/list", headers=headers, timeout=10)
        )

    return scenario


def history(sim: RunningSimulator) -> Answer:
    alice, _, task_id = _finished(sim)
    return _answer(alice.get(f"/jobhistory/{task_id}/get"))


def _result_page(page_size: str) -> Scenario:
    def scenario(sim: RunningSimulator) -> Answer:
        alice = Session(sim.url)
        exec_id, task_id = alice.submit(
            "# linkis-sim: queue=0 duration=0 rows=3\necho r"
        )
        alice.wait_state(exec_id, TERMINAL)
        path = alice.wait_history(task_id)["resultLocation"] + "/_0.dolphin"
        return _answer(alice.get("/filesystem/openFile", path=path, pageSize=page_size))

    return scenario


SCENARIOS: dict[str, Scenario] = {
    "entrance.taskid.running": running,
    "entrance.taskid.completed-status": _by_task("status"),
    "entrance.taskid.completed-progress": _by_task("progressWithResource"),
    "entrance.taskid.completed-log": _by_task("log"),
    "entrance.taskid.completed-kill": _by_task("kill"),
    "entrance.taskid.pause": pause,
    "entrance.kill.finished-in-memory": finished_kill,
    "gateway.own-error.body": own_error,
    "gateway.token.unknown": _token("NO-SUCH-TOKEN", "alice"),
    "gateway.token.illegal-user": _token("ALICE-AUTH", "bob"),
    "jobhistory.get.execution-code": history,
    "filesystem.openFile.row-limit": _result_page("100001"),
    "filesystem.openFile.total-column": _result_page("10"),
}
CASES = [
    pytest.param(ROWS[row_id], line, id=f"{row_id}@{line}")
    for row_id in SCENARIOS
    for line in ROWS[row_id].lines
]


def test_every_release_row_is_pinned_here_or_probed() -> None:
    """A row of releases-*.yaml has a probe (replayed elsewhere) or a scenario here."""
    ledger_dir = Path(__file__).resolve().parents[2] / "docs" / "ledger"
    texts = "".join(
        path.read_text(encoding="utf-8") for path in ledger_dir.glob("releases-*.yaml")
    )
    mine = [row for row in ROWS.values() if f"- id: {row.id}\n" in texts]
    assert mine
    pinned = {*SCENARIOS, "entrance.taskid.failover"}  # test_failover_answers
    assert [r.id for r in mine if r.probe is None and r.id not in pinned] == []


@pytest.mark.parametrize(("row", "line"), CASES)
def test_simulator_answers_as_the_release_row_says(
    sims: dict[str, RunningSimulator], row: Row, line: str
) -> None:
    answer = row.answer_for(line)
    assert answer is not None
    http, body = SCENARIOS[row.id](sims[line])
    wrong = answer.mismatches(http, body)
    assert wrong == [], f"{row.id} on {line}: {wrong}; answer: {str(body)[:400]}"
    if row.id == "filesystem.openFile.total-column" and line < "1.7":
        assert isinstance(body, dict)
        assert "totalColumn" not in body["data"]


BASEINFO_KEYS = {
    "1.0": None,
    "1.1": None,
    "1.2": None,
    "1.4": {"resultSetExportEnable"},
    "1.5": {"resultSetExportEnable", "linkisClusterName"},
    "1.6": {"resultSetExportEnable", "linkisClusterName"},
    "1.7": {"resultSetExportEnable", "linkisClusterName", "engineLogOnlyAdminEnable"},
    "1.8": {"resultSetExportEnable", "linkisClusterName", "engineLogOnlyAdminEnable"},
}


@pytest.mark.parametrize("line", sorted(BASEINFO_KEYS))
def test_baseinfo_has_exactly_the_keys_of_the_release(
    sims: dict[str, RunningSimulator], line: str
) -> None:
    """ledger: gateway.user.baseinfo; the probe replay checks presence, this absence too."""
    body = httpx.get(sims[line].url + API + "/user/baseinfo", timeout=10).json()
    keys = BASEINFO_KEYS[line]
    if keys is None:
        assert body["status"] == 1
    else:
        assert set(body["data"]) == keys


@pytest.mark.parametrize("line", ROWS["entrance.taskid.failover"].lines)
def test_failover_answers(line: str, tmp_path: Path) -> None:
    """A job left unfinished by an entrance that is gone (`serve --db`, restarted)."""
    row = ROWS["entrance.taskid.failover"]
    expected = row.answer_for(line)
    assert expected is not None
    db = tmp_path / "history.sqlite"
    args = ("--db", str(db), "--linkis-version", SIMULATED[line])
    with start_simulator(speed=SPEED, extra_args=args) as first:
        alice = Session(first.url)
        exec_id, task_id = alice.submit("# linkis-sim: queue=0 duration=100\necho long")
        alice.wait_state(exec_id, {"Running"})
    with start_simulator(speed=SPEED, extra_args=args) as second:
        alice = Session(second.url)
        answers = {
            op: alice.get(f"/entrance/{task_id}/{op}")
            for op in ("status", "progress", "progressWithResource", "log")
        }
        for op, answer in answers.items():
            wrong = expected.mismatches(answer.status_code, answer.json())
            assert wrong == [], f"{op} on {line}: {wrong}; {answer.text[:300]}"
        assert answers["status"].json()["data"]["status"] == "Inited"
        assert answers["progress"].json()["data"]["progress"] == 0
        log = answers["log"].json()["data"]["log"]
        assert log[:2] == [None, None]
        assert "failover soon" in log[3]
        killed = alice.get(f"/entrance/{task_id}/kill").json()
        assert killed["message"] == "Forced Kill task (强制杀死任务)"
        assert alice.wait_history(task_id)["status"] == "Cancelled"
