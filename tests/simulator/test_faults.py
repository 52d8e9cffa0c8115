"""Every fault mode is really served, and the faithful simulator does not serve it.

Each fault has a probe: a few requests that return True when the deviation is observed. The
probe must say True against a simulator running the fault and False against the faithful one.
Faults that do not interfere share a simulator (`--fault a,b,...`), started side by side.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack

import httpx
import pytest

from linkis_harness.cli import run
from linkis_harness.core.execid import ExecId
from linkis_harness.core.logcheck import numbered_counts
from linkis_harness.core.logs import LogLevel, classify
from linkis_harness.simulator.faults import FAULTS
from linkis_harness.simulator.launch import RunningSimulator, start_simulator
from tests.support.simulator import (
    API,
    PROXIES,
    SPEED,
    TERMINAL,
    TOKENS,
    Session,
)

pytestmark = pytest.mark.slow

GROUPS = {
    "wire": "envelope-shape,http-200-errors,taskid-string,execid-history-mismatch,history-any-user,results-missing,server-error",
    "states": "state-regression,terminal-flip,history-status-mismatch,progress-out-of-range,proxy-substring",
    "kill": "masked-crash,kill-noop,kill-any-user,progress-decrease",
    "access": "execid-garbled,auth-bypass,token-any-user,proxy-wildcard",
    "log": "log-lose-lines,log-duplicate-lines,log-overshoot,log-wrong-bucket,log-flush-gap",
    "drop": "log-drop-line",
}
GROUP_OF = {name: group for group, names in GROUPS.items() for name in names.split(",")}
Probe = Callable[[str], bool]


@pytest.fixture(scope="module")
def sims(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RunningSimulator]]:
    root = tmp_path_factory.mktemp("fault-rules")
    tokens, proxies = root / "tokens.properties", root / "proxy.properties"
    tokens.write_text(TOKENS)
    proxies.write_text(PROXIES)
    wanted: dict[str, str | None] = {"faithful": None, **GROUPS}

    def enter(
        fault: str | None,
    ) -> tuple[AbstractContextManager[RunningSimulator], RunningSimulator]:
        manager = start_simulator(
            fault=fault, speed=SPEED, token_rules=tokens, proxy_rules=proxies
        )
        return manager, manager.__enter__()

    with ExitStack() as stack, ThreadPoolExecutor(max_workers=3) as pool:
        started = dict(zip(wanted, pool.map(enter, wanted.values()), strict=True))
        for manager, _ in started.values():
            stack.push(manager.__exit__)  # type: ignore[arg-type]
        yield {name: sim for name, (_, sim) in started.items()}


def _wait_status(alice: Session, exec_id: str) -> str:
    return alice.wait_state(exec_id, TERMINAL)


def _quick_job(alice: Session, extra: str = "") -> tuple[str, int | str]:
    return alice.submit(f"# linkis-sim: queue=0 duration=0 {extra}\necho f")


def _running_job(alice: Session) -> str:
    exec_id, _ = alice.submit("# linkis-sim: queue=0 duration=100\necho r")
    alice.wait_state(exec_id, {"Running"})
    return exec_id


# -- probes: True when the deviation is observed -------------------------------------------------


def envelope_shape(url: str) -> bool:
    body = {
        "executionContent": {"code": "echo", "runType": "shell"},
        "labels": {"engineType": "shell-1"},
    }
    return "message" not in Session(url).http.post("/entrance/submit", json=body).json()


def http_200_errors(url: str) -> bool:
    answer = Session(url).get("/jobhistory/999999/get")
    return answer.json()["status"] == 1 and answer.status_code == 200


def taskid_string(url: str) -> bool:
    alice = Session(url)
    _, task_id = _quick_job(alice)
    return isinstance(task_id, str) or isinstance(alice.history(task_id)["taskID"], str)


def execid_history_mismatch(url: str) -> bool:
    alice = Session(url)
    exec_id, task_id = _quick_job(alice)
    task = alice.history(task_id)
    return (
        task["execId"] != ExecId.parse(exec_id).short_id
        or task["strongerExecId"] != exec_id
    )


def history_any_user(url: str) -> bool:
    _, task_id = _quick_job(Session(url))
    return Session(url, "bob").get(f"/jobhistory/{task_id}/get").json()["status"] == 0


def results_missing(url: str) -> bool:
    alice = Session(url)
    _, task_id = _quick_job(alice, "rows=2")
    task = alice.wait_history(task_id)
    tree = alice.get("/filesystem/getDirFileTrees", path=task["resultLocation"]).json()[
        "data"
    ]["dirFileTrees"]
    return tree is not None and not tree["children"]


def server_error(url: str) -> bool:
    return Session(url).get("/jobhistory/list", status="Succeed").status_code == 500


def state_regression(url: str) -> bool:
    alice = Session(url)
    exec_id = _running_job(alice)
    after = alice.status(exec_id)
    alice.get(f"/entrance/{exec_id}/kill")
    return after == "Scheduled"


def terminal_flip(url: str) -> bool:
    alice = Session(url)
    exec_id, _ = _quick_job(alice)
    first = _wait_status(alice, exec_id)
    later = [alice.status(exec_id) for _ in range(4)]
    return first == "Succeed" and "Failed" in later


def history_status_mismatch(url: str) -> bool:
    alice = Session(url)
    exec_id, task_id = _quick_job(alice)
    _wait_status(alice, exec_id)
    return alice.history(task_id)["status"] == "Running"


def progress_out_of_range(url: str) -> bool:
    alice = Session(url)
    exec_id, _ = _quick_job(alice)
    _wait_status(alice, exec_id)
    return alice.get(f"/entrance/{exec_id}/progress").json()["data"]["progress"] > 1


def proxy_substring(url: str) -> bool:  # BOBBY-CODE=bobby; "bob" is only a substring
    answer = httpx.get(
        url + API + "/user/proxy",
        params={"proxyUser": "bob", "validationCode": "BOBBY-CODE"},
    )
    return answer.json()["status"] == 0


def masked_crash(url: str) -> bool:
    alice = Session(url)
    exec_id = _running_job(alice)
    answer = alice.get(f"/entrance/{exec_id}/progress").json()
    return answer["status"] == 1 and "NullPointerException" in answer["message"]


def kill_noop(url: str) -> bool:
    alice = Session(url)
    exec_id, _ = alice.submit("# linkis-sim: queue=0 duration=2\necho k")
    killed = alice.get(f"/entrance/{exec_id}/kill").json()
    return killed["status"] == 0 and _wait_status(alice, exec_id) == "Succeed"


def kill_any_user(url: str) -> bool:
    exec_id = _running_job(Session(url))
    return Session(url, "bob").get(f"/entrance/{exec_id}/kill").json()["status"] == 0


def progress_decrease(url: str) -> bool:
    alice = Session(url)
    exec_id, _ = _quick_job(alice)
    _wait_status(alice, exec_id)
    values = [
        alice.get(f"/entrance/{exec_id}/progress").json()["data"]["progress"]
        for _ in range(3)
    ]
    return any(later < earlier for earlier, later in itertools.pairwise(values))


def execid_garbled(url: str) -> bool:
    alice = Session(url)
    exec_id, _ = _quick_job(alice)
    return ExecId.parse(exec_id).instance != url.removeprefix("http://")


def auth_bypass(url: str) -> bool:
    return httpx.get(url + API + "/jobhistory/list").status_code == 200


def token_any_user(url: str) -> bool:
    headers = {"Token-Code": "ALICE-AUTH", "Token-User": "bob"}
    return httpx.get(url + API + "/jobhistory/list", headers=headers).status_code == 200


def proxy_wildcard(url: str) -> bool:
    answer = httpx.get(
        url + API + "/user/proxy",
        params={"proxyUser": "carol", "validationCode": "PROXY-CODE"},
    )
    return answer.json()["status"] == 0


def _finished_log(url: str) -> tuple[Session, str, list[str]]:
    alice = Session(url)
    exec_id, _ = _quick_job(alice, "lines=600")
    alice.wait_state(exec_id, TERMINAL)
    full = alice.get(
        f"/entrance/{exec_id}/log", size=5000, distinctLevel="false"
    ).json()["data"]["log"]
    return alice, exec_id, full.split("\n")


def _page(alice: Session, exec_id: str, from_line: int, size: int) -> dict[str, object]:
    return dict(
        alice.get(f"/entrance/{exec_id}/log", fromLine=from_line, size=size).json()[
            "data"
        ]
    )


def log_lose_lines(url: str) -> bool:
    alice, exec_id, lines = _finished_log(url)
    shown = str(_page(alice, exec_id, 0, 10)["log"][3]).split("\n")  # type: ignore[index]
    return len(shown) < len([line for line in lines[:10] if line.strip()])


def log_duplicate_lines(url: str) -> bool:
    alice, exec_id, _ = _finished_log(url)
    return _page(alice, exec_id, 0, 10)["fromLine"] == 9


def log_overshoot(url: str) -> bool:
    alice, exec_id, lines = _finished_log(url)
    past = len(lines) + 5
    return _page(alice, exec_id, past, 10)["fromLine"] == past + 10


def log_wrong_bucket(url: str) -> bool:
    alice, exec_id, lines = _finished_log(url)
    assert any(classify(line) is LogLevel.ERROR for line in lines[:300])
    return _page(alice, exec_id, 0, 300)["log"][0] == ""  # type: ignore[index]


def log_flush_gap(url: str) -> bool:
    alice, exec_id, lines = _finished_log(url)
    assert len(lines) > 550
    assert any(line.strip() for line in lines[500:550])
    return _page(alice, exec_id, 500, 50)["log"][3] == ""  # type: ignore[index]


def log_drop_line(url: str) -> bool:
    _, _, lines = _finished_log(url)
    numbers = numbered_counts(lines, "log line {n} of 600")
    return sorted(numbers) != list(range(1, 601))


PROBES: dict[str, Probe] = {name: globals()[name.replace("-", "_")] for name in FAULTS}


def test_every_fault_has_a_probe_and_a_group() -> None:
    assert set(PROBES) == set(FAULTS) == set(GROUP_OF)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_served_and_the_faithful_simulator_does_not_serve_it(
    fault: str, sims: dict[str, RunningSimulator]
) -> None:
    probe = PROBES[fault]
    assert probe(sims[GROUP_OF[fault]].url), f"{fault}: the deviation was not observed"
    assert not probe(sims["faithful"].url), (
        f"{fault}: the faithful simulator serves it too"
    )


def test_fault_list_names_every_fault_with_its_family() -> None:

    out, err = io.StringIO(), io.StringIO()
    assert run(["serve", "--fault", "list"], out, err) == 0
    listed = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()}
    assert listed == {name: fault.family for name, fault in FAULTS.items()}
