"""Every ledger row's probe, replayed against `serve --linkis-version V` for each line it names.

One test per row and line: the simulator's answer must be the row's (HTTP code, status,
message, data). `{execID}` in a probe path is a well-formed execID of the simulator's own
entrance naming a job it never had; `{foreignExecID}` the same naming an entrance instance that is
not registered; `{taskID}` a task id no job has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkis_harness.core.execid import ExecId
from linkis_harness.core.ledger import Probe, Row
from linkis_harness.resources.ledger import load_ledger
from linkis_harness.simulator.auth import DEFAULT_USERS
from linkis_harness.simulator.launch import RunningSimulator, start_simulator

pytestmark = pytest.mark.slow

LEDGER = load_ledger()
MAIN_USER = "alice"
ABSENT_TASK = "987654321"
FOREIGN = "10.255.255.1:9104"  # an entrance instance no registry knows
# The release line → the `--linkis-version` the simulator serves it as.
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
CASES = [
    pytest.param(row, line, id=f"{row.id}@{line}")
    for row in LEDGER
    if row.probe is not None
    for line in row.lines
]


@pytest.fixture(scope="module")
def simulators(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RunningSimulator]]:
    """One simulator per release line, started on first use."""
    rules = tmp_path_factory.mktemp("ledger") / "proxy.properties"
    rules.write_text("LEDGER-PROBE=*\n", encoding="utf-8")
    running: dict[str, RunningSimulator] = {}
    contexts = []
    try:

        class Lazy(dict[str, RunningSimulator]):
            def __missing__(self, line: str) -> RunningSimulator:
                context = start_simulator(
                    proxy_rules=rules,
                    speed=20,
                    extra_args=["--linkis-version", SIMULATED[line]],
                )
                contexts.append(context)
                self[line] = context.__enter__()
                return self[line]

        lazy = Lazy()
        yield lazy
        running = lazy
    finally:
        for context in contexts:
            context.__exit__(None, None, None)
    assert all(sim.process.poll() is not None for sim in running.values())


def _path(probe: Probe, sim: RunningSimulator) -> str:
    instance = sim.url.removeprefix("http://")
    exec_id = ExecId.v1(instance=instance, short_id="IDE_nobody_shell_99999").format()
    foreign = ExecId.v1(instance=FOREIGN, short_id="IDE_nobody_shell_99999").format()
    return (
        probe.path.replace("{execID}", exec_id)
        .replace("{foreignExecID}", foreign)
        .replace("{taskID}", ABSENT_TASK)
    )


def _client(probe: Probe, sim: RunningSimulator) -> httpx.Client:
    client = httpx.Client(base_url=sim.url + "/api/rest_j/v1", timeout=10.0)
    user = MAIN_USER if probe.as_user is None else probe.as_user
    if user != "none":
        login = client.post(
            "/user/login", json={"userName": user, "password": DEFAULT_USERS[user]}
        )
        assert login.json()["status"] == 0, login.text
    return client


@pytest.mark.parametrize(("row", "line"), CASES)
def test_simulator_answers_as_the_ledger_says(
    simulators: dict[str, RunningSimulator], row: Row, line: str
) -> None:
    probe = row.probe
    answer = row.answer_for(line)
    assert probe is not None
    assert answer is not None
    sim = simulators[line]
    client = _client(probe, sim)
    try:
        response = client.request(
            probe.method,
            _path(probe, sim),
            params=dict(probe.query),
            content=None if probe.body is None else probe.body.encode(),
            headers=dict(probe.headers),
        )
    finally:
        client.close()
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = None
    wrong = answer.mismatches(response.status_code, body, raw=response.content)
    if answer.empty and "content-type" in response.headers:
        wrong.append(
            f"Content-Type {response.headers['content-type']!r}, expected none"
        )
    assert wrong == [], f"{row.id} on {line}: {wrong}; answer: {response.text[:400]}"


def test_every_probe_row_is_replayed() -> None:
    assert CASES, "no ledger row has a probe"
    assert Path(__file__).name in {"test_ledger_probes.py"}
