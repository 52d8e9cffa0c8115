"""The faithful simulator as a real server: the Linkis client flows, the framework answers, auth.

One simulator per module (`--speed 20`, tiny workloads); driven with plain httpx so these tests
stay independent of the harness client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkis_harness.core.execid import ExecId
from linkis_harness.core.logs import classify, page_range
from linkis_harness.simulator.launch import (
    RunningSimulator,
    SimulatorError,
    start_simulator,
)
from tests.support.simulator import (
    API,
    PROXIES,
    SPEED,
    TERMINAL,
    TOKENS,
    Session,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rule_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("rules")
    tokens, proxies = root / "tokens.properties", root / "proxy.properties"
    tokens.write_text(TOKENS)
    proxies.write_text(PROXIES)
    return tokens, proxies


@pytest.fixture(scope="module")
def sim(rule_files: tuple[Path, Path]) -> Iterator[RunningSimulator]:
    tokens, proxies = rule_files
    # The answers pinned in this module are 1.4's; tests/simulator/test_releases.py pins 1.5+.
    with start_simulator(
        speed=SPEED,
        token_rules=tokens,
        proxy_rules=proxies,
        extra_args=("--linkis-version", "1.4"),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def alice(sim: RunningSimulator) -> Session:
    return Session(sim.url)


def _assert_json(answer: httpx.Response) -> Any:
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    return answer.json()


# -- the real client flows (issue 3, "Done when") ------------------------------------------------


def test_submit_poll_history_and_read_every_result_set(alice: Session) -> None:
    exec_id, task_id = alice.submit(
        "# linkis-sim: duration=1 rows=7 lines=5\necho hi\n"
    )
    assert isinstance(task_id, int)
    parsed = ExecId.parse(exec_id)
    assert parsed.instance == alice.url.removeprefix("http://")
    assert parsed.short_id == "IDE_alice_shell_" + parsed.short_id.rsplit("_", 1)[1]
    task = alice.wait_history(task_id)
    assert task["status"] == "Succeed"
    assert task["progress"] == "1.0"
    assert task["strongerExecId"] == exec_id
    assert task["execId"] == parsed.short_id
    assert isinstance(task["createdTime"], int)
    assert task["engineStartTime"] is None
    tree = _assert_json(
        alice.get("/filesystem/getDirFileTrees", path=task["resultLocation"])
    )
    children = tree["data"]["dirFileTrees"]["children"]
    names = [child["name"] for child in children]
    assert names == ["_0.dolphin"]
    rows: list[list[str]] = []
    for child in children:
        page = 1
        while True:
            answer = _assert_json(
                alice.get(
                    "/filesystem/openFile", path=child["path"], page=page, pageSize=3
                )
            )
            data = answer["data"]
            assert data["totalPage"] == 0
            assert data["totalLine"] == len(data["fileContent"])
            if not data["fileContent"]:
                break
            rows += data["fileContent"]
            page += 1
    assert [row[0] for row in rows] == [str(i) for i in range(1, 8)]


def test_execute_poll_status_and_progress_page_the_log_then_kill(
    alice: Session,
) -> None:
    body = {
        "executeApplicationName": "shell",
        "requestApplicationName": "IDE",
        "executionCode": "# linkis-sim: duration=100 lines=400\necho hi",
        "runType": "sh",
        "params": {"variable": {}, "configuration": {}},
        "source": {"scriptPath": "/tmp/x.sh"},
    }
    answer = _assert_json(alice.http.post("/entrance/execute", json=body))
    assert answer["method"] == "/api/entrance/execute"
    assert answer["message"] == "OK"
    exec_id = answer["data"]["execID"]
    progresses: list[float] = []
    for _ in range(100):
        state = alice.status(exec_id)
        progresses.append(
            alice.get(f"/entrance/{exec_id}/progress").json()["data"]["progress"]
        )
        if state == "Running" and progresses[-1] > 0:
            break
        time.sleep(0.02)
    assert progresses == sorted(progresses)
    from_line, pages = 0, []
    for _ in range(5):
        page = _assert_json(
            alice.get(f"/entrance/{exec_id}/log", fromLine=from_line, size=7)
        )
        assert page["method"] == f"/api/entrance/{exec_id}/log"
        pages.append(page["data"]["log"][3])
        assert page["data"]["fromLine"] >= from_line
        from_line = page["data"]["fromLine"]
    assert "Job with jobId" in pages[0]
    killed = _assert_json(alice.get(f"/entrance/{exec_id}/kill"))
    assert killed["message"] == "Successfully killed the job(成功kill了job)"
    assert alice.wait_state(exec_id, TERMINAL) == "Cancelled"
    assert alice.get(f"/entrance/{exec_id}/progress").json()["data"]["progress"] == 1.0
    full = alice.get(
        f"/entrance/{exec_id}/log", fromLine=0, size=-1, distinctLevel="false"
    ).json()
    assert full["data"]["log"].splitlines()[-2].endswith("ERROR Job is killed by user!")


def test_log_paging_matches_the_reference_semantics(alice: Session) -> None:
    exec_id, _ = alice.submit("# linkis-sim: duration=1 lines=40\necho hi\n\n")
    alice.wait_state(exec_id, TERMINAL)
    full = alice.get(
        f"/entrance/{exec_id}/log", fromLine=0, size=-1, distinctLevel="false"
    ).json()["data"]["log"]
    lines = full.split("\n")
    assert "" in lines  # blank engine lines are consumed and counted
    for from_line, size in [
        (0, 10),
        (5, 3),
        (len(lines) - 2, 10),
        (len(lines) + 5, 10),
        (3, 0),
        (-4, 2),
    ]:
        data = alice.get(
            f"/entrance/{exec_id}/log", fromLine=from_line, size=size
        ).json()["data"]
        start, end = page_range(len(lines), from_line, size)
        assert data["fromLine"] == end
        consumed = lines[start:end]
        shown = [line for line in consumed if line.strip()]
        assert data["log"][3] == "\n".join(shown)
        assert data["log"][0] == "\n".join(
            x for x in shown if classify(x) and classify(x).value == "ERROR"
        )


def test_history_list_filters_by_owner_and_counts_rows(
    sim: RunningSimulator, alice: Session
) -> None:
    alice.submit(
        "# linkis-sim: duration=0\necho a"
    )  # whichever tests ran before on this worker
    bob = Session(sim.url, "bob")
    _, bob_task = bob.submit("# linkis-sim: duration=0\necho b", user="bob")
    bob_list = _assert_json(bob.get("/jobhistory/list", pageSize=100))["data"]
    assert {t["umUser"] for t in bob_list["tasks"]} == {"bob"}
    assert bob_list["totalPage"] == len(bob_list["tasks"])  # the row count, not pages
    admin = Session(sim.url, "hadoop")
    everyone = admin.get("/jobhistory/list", pageSize=1000).json()["data"]
    assert {"alice", "bob"} <= {t["umUser"] for t in everyone["tasks"]}
    refused = _assert_json(alice.get(f"/jobhistory/{bob_task}/get"))
    assert refused["status"] == 1
    assert alice.get(f"/jobhistory/{bob_task}/get").status_code == 400
    assert admin.history(bob_task)["umUser"] == "bob"


def test_retries_are_logged_and_end_in_the_directive_state(alice: Session) -> None:
    exec_id, task_id = alice.submit(
        "# linkis-sim: duration=1 retries=2 queue=0\necho r"
    )
    assert alice.wait_state(exec_id, TERMINAL) == "Succeed"
    log = alice.get(f"/entrance/{exec_id}/log", size=-1, distinctLevel="false").json()
    text = log["data"]["log"]
    assert text.count("Your job is turn to retry. Please wait it to schedule.") == 2
    assert text.count("Your job is Running now. Please wait it to complete.") == 3
    assert alice.history(task_id)["status"] == "Succeed"


def test_failed_directive_and_kill_of_a_finished_job(alice: Session) -> None:
    exec_id, task_id = alice.submit("# linkis-sim: duration=0 status=Failed\necho f")
    assert alice.wait_state(exec_id, TERMINAL) == "Failed"
    answer = alice.get(f"/entrance/{exec_id}/kill")
    assert answer.status_code == 400
    assert "kill failed" in answer.json()["message"]
    assert alice.history(task_id)["status"] == "Failed"


def test_kill_of_another_users_job_is_refused(
    sim: RunningSimulator, alice: Session
) -> None:
    exec_id, _ = alice.submit("# linkis-sim: duration=100\necho k")
    bob = Session(sim.url, "bob")
    answer = bob.get(f"/entrance/{exec_id}/kill")
    assert answer.status_code == 400
    assert (
        answer.json()["message"]
        == "You have no permission to kill this job, excecute by user:alice"
    )
    assert (
        Session(sim.url, "hadoop").get(f"/entrance/{exec_id}/kill").json()["status"]
        == 0
    )


def test_kill_jobs_and_pause(alice: Session) -> None:
    exec_id, task_id = alice.submit("# linkis-sim: duration=100\necho k")
    paused = alice.get(f"/entrance/{exec_id}/pause").json()
    assert paused["message"] == "success to pause job (成功pause了job)"
    answer = alice.http.post(
        f"/entrance/{exec_id}/killJobs",
        json={"idList": [exec_id], "taskIDList": [task_id]},
    )
    data = _assert_json(answer)
    assert data["message"] == "success"
    assert [m["message"] for m in data["data"]["messages"]] == [
        "Successfully killed the job(成功kill了job)"
    ]
    mismatch = alice.http.post(
        f"/entrance/{exec_id}/killJobs", json={"idList": [exec_id], "taskIDList": []}
    )
    assert mismatch.status_code == 400
    assert "does not match" in mismatch.json()["message"]


def test_kill_jobs_items_as_the_entrance_answers_them(alice: Session) -> None:
    """ledger: entrance.killJobs.finished-in-memory, entrance.killJobs.malformed-id."""
    done, done_task = alice.submit("# linkis-sim: queue=0 duration=0\necho d")
    alice.wait_state(done, TERMINAL)
    running, running_task = alice.submit("# linkis-sim: queue=0 duration=100\necho r")
    answer = alice.http.post(
        f"/entrance/{done}/killJobs",
        json={"idList": [done, running], "taskIDList": [done_task, running_task]},
    ).json()
    assert answer["status"] == 0
    first, second = answer["data"]["messages"]
    assert (first["status"], first["message"]) == (
        1,
        "An exception occurred while killing the job, kill failed(kill job的时候出现了异常，kill失败)",
    )
    assert second["status"] == 0
    assert alice.wait_state(running, TERMINAL) == "Cancelled"
    other, other_task = alice.submit("# linkis-sim: queue=0 duration=100\necho o")
    malformed = alice.http.post(
        f"/entrance/{other}/killJobs",
        json={"idList": ["abc", other], "taskIDList": [987654321, other_task]},
    )
    assert malformed.status_code == 400
    assert "NumberFormatException" in malformed.json()["message"]
    assert (
        alice.status(other) != "Cancelled"
    )  # the whole call failed: nothing was killed
    alice.get(f"/entrance/{other}/kill")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"executionContent": {"code": "x", "runType": "sql"}}, "20008"),
        (
            {
                "executionContent": {"runType": "sql"},
                "labels": {"engineType": "spark-2.4.3"},
            },
            "20010",
        ),
        (
            {
                "executionContent": {"code": "  ", "runType": "sql"},
                "labels": {"engineType": "spark-2.4.3"},
            },
            "20007",
        ),
        (
            {
                "executionContent": {"code": "x", "runType": "sql"},
                "labels": {"userCreator": "alice-IDE"},
            },
            "20009",
        ),
        (
            {
                "executionContent": {"code": "x"},
                "labels": {"engineType": "spark-2.4.3"},
            },
            "20009",
        ),
        (
            {
                "executionContent": {"code": "x", "runType": "sql"},
                "labels": {"engineType": "spark-2.4.3", "userCreator": "bob-IDE"},
            },
            "50080",
        ),
        ({"executeApplicationName": "hive", "requestApplicationName": "IDE"}, "20007"),
    ],
)
def test_submit_refusals_are_the_entrance_errors(
    alice: Session, body: dict[str, Any], code: str
) -> None:
    answer = alice.http.post("/entrance/submit", json=body)
    data = _assert_json(answer)
    assert answer.status_code == 400
    assert data["status"] == 1
    assert data["message"].startswith(
        f"error code(错误码): {code}, error message(错误信息): "
    )
    assert "taskID" not in data["data"]


# -- evicted jobs ---------------------------------------------------------------------------------


def test_evicted_jobs_answer_like_the_real_entrance(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    users = tmp_path / "users.txt"
    users.write_text("alice=secret\n")
    args = ("--evict-after", "0.2", "--db", str(db), "--users-file", str(users))
    args += ("--linkis-version", "1.4")  # 1.5+: tests/simulator/test_releases.py
    with start_simulator(speed=SPEED, extra_args=args) as one:
        alice = Session(one.url, "alice", "secret")
        exec_id, task_id = alice.submit("# linkis-sim: duration=0\necho e")
        alice.wait_state(exec_id, TERMINAL)
        time.sleep(0.3)
        status = alice.get(f"/entrance/{exec_id}/status")
        assert status.status_code == 400
        assert (
            status.json()["message"]
            == "operation failed(操作失败)s！the reason(原因)：NumberFormatException: null"
        )
        by_task = alice.get(f"/entrance/{exec_id}/status", taskID=task_id).json()
        assert by_task["data"]["status"] == "Succeed"
        assert (
            alice.get(f"/entrance/{exec_id}/status", taskID=999999).json()["data"][
                "status"
            ]
            == "Cancelled"
        )
        log = alice.get(f"/entrance/{exec_id}/log").json()
        assert log["status"] == 1
        assert log["message"].startswith("The job you just executed has ended.")
        assert alice.get(f"/entrance/{exec_id}/kill").json()["status"] == 1
        forced = alice.get(f"/entrance/{exec_id}/kill", taskID=task_id).json()
        assert forced["message"] == "Forced Kill task (强制杀死任务)"
        assert alice.history(task_id)["status"] == "Succeed"
        task = alice.history(task_id)
        opened = alice.get("/filesystem/openLog", path=task["logPath"]).json()["data"][
            "log"
        ]
        assert opened[3].endswith(
            "Congratulations. Your job completed with status Success.\n"
        )
    with start_simulator(
        speed=SPEED, extra_args=args
    ) as again:  # history survives a restart
        alice = Session(again.url, "alice", "secret")
        assert alice.history(task_id)["status"] == "Succeed"
        _, next_task = alice.submit("# linkis-sim: duration=0\necho e")
        assert next_task == task_id + 1


def test_a_simulator_that_cannot_start_says_why() -> None:
    with (
        pytest.raises(SimulatorError, match="no such fault mode"),
        start_simulator(fault="no-such-fault", timeout=20),
    ):
        pass


# -- the framework's own answers ------------------------------------------------------------------
# (ledger: entrance.kill.non-numeric-taskid, ledger: gateway.own-error.body)


def _spring(answer: httpx.Response, status: int) -> None:
    body = _assert_json(answer)
    assert answer.status_code == status
    assert set(body) == {"timestamp", "status", "error", "path"}
    assert body["status"] == status


def test_framework_errors_come_in_springs_body(alice: Session) -> None:
    post = alice.http.post
    _spring(
        post(
            "/entrance/submit",
            content=b'{"executionContent": ',
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    _spring(
        post(
            "/entrance/submit",
            content=b'{"a": "\xff\xfe"}',
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    _spring(
        post(
            "/entrance/submit",
            content=b'{"params": NaN}',
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    _spring(
        post(
            "/entrance/submit",
            content=b"[1, 2]",
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    _spring(
        post("/entrance/submit", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
    )
    _spring(
        post(
            "/entrance/execute",
            content=b"x" * (5 * 1024 * 1024),
            headers={"Content-Type": "application/json"},
        ),
        413,
    )
    exec_id, _ = alice.submit("# linkis-sim: duration=0\necho m")
    _spring(post(f"/entrance/{exec_id}/kill"), 405)
    _spring(
        post(f"/entrance/{exec_id}/status"), 405
    )  # forwarded reads are GET only too
    _spring(alice.get("/entrance/nothing-here"), 404)
    _spring(alice.get("/no/such/service"), 404)
    _spring(alice.get("/jobhistory/abc/get"), 400)


def test_an_unregistered_instance_reaches_this_entrance(alice: Session) -> None:
    """reflesh disabled (1.1+): the entrance answers for a job it never had (#755 without taskID)."""
    foreign = "exec_id018014linkis-cg-entranceotherhost:9104IDE_a_b_0"
    answer = alice.get(f"/entrance/{foreign}/status")
    assert answer.status_code == 400
    assert answer.json()["message"].endswith("NumberFormatException: null")


def test_unroutable_exec_ids_are_gateway_errors_with_http_200(alice: Session) -> None:
    for bad, message in [
        ("exec_id01", "StringIndexOutOfBoundsException: String index out of range: 3"),
        (
            "exec_idabc014linkis-cg-entrancelocalhost:9104IDE_a_b_0",
            'NumberFormatException: For input string: "abc"',
        ),
        ("exec_id006014linkislocalhost:9104IDE_a_b_0", None),  # several services
        ("12", "StringIndexOutOfBoundsException: String index out of range: 4"),
        ("submit", 'NumberFormatException: For input string: "su"'),
    ]:
        answer = alice.get(f"/entrance/{bad}/status")
        data = _assert_json(answer)
        assert answer.status_code == 200
        assert data["status"] == 1
        assert data["method"] == f"{API}/entrance/{bad}/status"
        if message is not None:
            assert data["message"] == message


# -- the gateway: login, cookie, token, proxy ----------------------------------------------------


def test_not_logged_in_is_401_with_the_request_uri(sim: RunningSimulator) -> None:
    anon = Session(sim.url, None)
    answer = anon.get("/jobhistory/list")
    data = _assert_json(answer)
    assert answer.status_code == 401
    assert data["status"] == -1
    assert data["method"] == f"{API}/jobhistory/list"
    assert (
        answer.headers["access-control-allow-origin"] == "*"
    )  # SecurityFilter's CORS headers
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert (
        data["message"]
        == "You are not logged in, please login first(您尚未登录，请先登录)!"
    )
    info = anon.get("/user/userInfo")
    assert info.status_code == 400
    assert info.json()["message"].startswith(
        "errCode: 11002 ,desc: You are not logged in"
    )
    assert info.json()["method"] == "/api/rest_j/v1/user/userInfo"
    anon.http.cookies.set("linkis_user_session_ticket_id_v1", "bfs_stale")
    assert (
        anon.get("/jobhistory/list")
        .json()["message"]
        .startswith("errCode: 11002 ,desc: You are not logged in")
    )


def test_login_forms_and_logout(sim: RunningSimulator) -> None:
    http = httpx.Client(base_url=sim.url + API, timeout=10)
    answer = http.get(
        "/user/login", params={"userName": "hadoop", "password": "hadoop"}
    ).json()
    assert answer["data"]["isAdmin"] is True
    assert answer["message"] == "login successful(登录成功)！"
    again = http.post(
        "/user/login", json={"userName": "bob", "password": "bob123"}
    ).json()
    assert again["message"].startswith("hadoopAlready logged in")
    assert http.get("/user/userInfo").json()["data"]["userName"] == "hadoop"
    assert (
        http.get("/user/logout").json()["message"]
        == "Logout successful(退出登录成功)！"
    )
    assert http.get("/jobhistory/list").status_code == 401
    for body, message in [
        ({"password": "x"}, "Username can not be empty(用户名不能为空)！"),
        ({"userName": "bob"}, "Password can not be blank(密码不能为空)！"),
        (
            {"userName": "bob", "password": "nope"},
            "wrong user name or password(用户名或密码错误)！",
        ),
    ]:
        refused = http.post("/user/login", json=body)
        assert refused.status_code == 400
        assert refused.json()["message"] == message
    assert (
        http.get("/user/whatever").json()["message"] == "unknown request URI whatever"
    )


def test_token_authentication(sim: RunningSimulator) -> None:
    http = httpx.Client(base_url=sim.url + API, timeout=10)
    ok = http.get(
        "/jobhistory/list", headers={"Token-Code": "ALICE-AUTH", "Token-User": "alice"}
    )
    assert ok.status_code == 200
    assert (
        http.get(
            "/jobhistory/list", headers={"Token-Code": "ANY-AUTH", "Token-User": "bob"}
        ).status_code
        == 200
    )
    spaced = http.get(
        "/jobhistory/list", headers={"Token-Code": "PAIR-AUTH", "Token-User": "alice"}
    )
    assert spaced.status_code == 401  # entries are not trimmed: " alice" is not "alice"
    wrong_user = http.get(
        "/jobhistory/list", headers={"Token-Code": "ALICE-AUTH", "Token-User": "bob"}
    )
    assert wrong_user.status_code == 401
    assert "errCode: 15202" in wrong_user.json()["message"]
    unknown = http.get(
        "/jobhistory/list", headers={"Token-Code": "NOPE", "Token-User": "bob"}
    ).json()
    assert unknown["status"] == -1
    assert "errCode: 15201" in unknown["message"]
    lower = http.get(
        "/jobhistory/list", headers={"token-code": "ALICE-AUTH", "token-user": "alice"}
    )
    assert lower.status_code == 401
    assert lower.json()["message"].startswith("You are not logged in")


def test_tokens_disabled_without_a_token_rules_file() -> None:
    with start_simulator(speed=SPEED) as plain:
        answer = httpx.get(
            plain.url + API + "/jobhistory/list",
            headers={"Token-Code": "X", "Token-User": "alice"},
        )
        assert answer.status_code == 401
        assert answer.json()["message"] == "Gateway未启用token认证，请采用其他认证方式!"
        proxy = httpx.get(
            plain.url + API + "/user/proxy",
            params={"proxyUser": "alice", "validationCode": "X"},
        )
        assert proxy.json()["message"] == "Validation failed"


def test_proxy_switches_the_session_to_the_proxy_user(sim: RunningSimulator) -> None:
    http = httpx.Client(base_url=sim.url + API, timeout=10)
    refused = http.get(
        "/user/proxy", params={"proxyUser": "carol", "validationCode": "PROXY-CODE"}
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == "Validation failed"
    assert (
        http.get(
            "/user/proxy", params={"proxyUser": "bob", "validationCode": "BOBBY-CODE"}
        ).json()["status"]
        == 1
    )
    missing = http.get("/user/proxy", params={"proxyUser": "bob"}).json()
    assert missing["message"] == "login failed! reason: NullPointerException: "
    ok = http.get(
        "/user/proxy", params={"proxyUser": "bob", "validationCode": "PROXY-CODE"}
    ).json()
    assert ok["status"] == 0
    assert ok["data"]["proxyUser"] == "bob"
    assert http.get("/user/userInfo").json()["data"]["userName"] == "bob"
    star = httpx.get(
        sim.url + API + "/user/proxy",
        params={"proxyUser": "Carol", "validationCode": "STAR-CODE"},
    )
    # the answer echoes proxyUser as sent; the session user is lower-cased
    # (ledger: user.proxy.echoes-proxy-user)
    assert star.json()["data"]["proxyUser"] == "Carol"
    info = httpx.get(sim.url + API + "/user/userInfo", cookies=star.cookies).json()
    assert info["data"]["userName"] == "carol"


def test_proxy_headers_option(rule_files: tuple[Path, Path]) -> None:
    _, proxies = rule_files
    with start_simulator(
        speed=SPEED, proxy_rules=proxies, extra_args=("--proxy-headers",)
    ) as one:
        bob = Session(one.url, "bob")
        allowed = bob.http.get(
            "/jobhistory/list",
            headers={"Proxy-User": "alice", "Validation-Code": "PROXY-CODE"},
        )
        assert allowed.status_code == 200
        refused = bob.http.get(
            "/jobhistory/list",
            headers={"Proxy-User": "carol", "Validation-Code": "PROXY-CODE"},
        )
        assert refused.status_code == 400
        assert refused.json()["message"] == "Validation failed"


# -- older Linkis versions (--linkis-version) ---------------------------------------------------


@pytest.mark.parametrize(
    ("version", "cookie", "layout", "login_again", "missing"),
    [
        ("1.1", "bdp-user-ticket-id", "1.x", 0, 1),
        ("0.11", "bdp-user-ticket-id", "legacy", 1, 0),
    ],
)
def test_older_versions_differ_where_real_linkis_did(
    version: str, cookie: str, layout: str, login_again: int, missing: int
) -> None:
    with start_simulator(speed=SPEED, extra_args=("--linkis-version", version)) as old:
        http = httpx.Client(base_url=old.url + API, timeout=10)
        login = http.post(
            "/user/login", json={"userName": "alice", "password": "alice123"}
        )
        assert list(login.cookies) == [cookie]
        again = http.post(
            "/user/login", json={"userName": "alice", "password": "alice123"}
        )
        assert again.json()["status"] == login_again
        body = {
            "executionContent": {"code": "echo", "runType": "shell"},
            "labels": {"engineType": "shell-1"},
        }
        exec_id = http.post("/entrance/submit", json=body).json()["data"]["execID"]
        assert ExecId.parse(exec_id).layout.value == layout
        assert http.get(f"/entrance/{exec_id}/status").json()["status"] == 0
        assert http.get("/jobhistory/999999/get").json()["status"] == missing


def test_history_list_pages_as_pagehelper_reasonable_and_page_size_zero(
    sim: RunningSimulator,
) -> None:
    """A page past the last answers the last page again; pageSize 0 lists every row."""
    bob = Session(sim.url, "bob")
    for n in range(3):
        bob.submit(f"# linkis-sim: duration=0\necho {n}", user="bob")

    def ids(**query: int) -> tuple[list[int], int]:
        data = _assert_json(bob.get("/jobhistory/list", **query))["data"]
        return [t["taskID"] for t in data["tasks"]], data["totalPage"]

    every, total = ids(pageSize=0)
    assert len(every) == total >= 3
    last_page = (total - 1) // 2 + 1
    last, _ = ids(pageSize=2, pageNow=last_page)
    assert last == every[(last_page - 1) * 2 :]
    assert ids(pageSize=2, pageNow=last_page + 5)[0] == last
    assert ids(pageSize=2, pageNow=1)[0] == every[:2]
