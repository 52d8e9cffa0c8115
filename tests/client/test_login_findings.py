"""A login answer that breaks the envelope but sets a working session: a finding, not exit 2."""

from __future__ import annotations

import pytest

from linkis_harness import config
from linkis_harness.client import LinkisClient
from linkis_harness.errors import LoginFailed
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow


def _settings(url: str, password: str) -> config.Settings:
    return config.load({"target": url, "user": "alice", "password": password}, {})


def test_a_broken_login_answer_with_a_working_session_logs_in() -> None:
    with start_simulator(fault="login-envelope", speed=20) as sim:
        with LinkisClient(_settings(sim.url, "alice123")) as client:
            answer = client.login()
            assert answer.envelope is None  # the finding the envelope family reports
            assert client.ticket_cookie is not None
            assert client.user_info().data.get("userName") == "alice"
        with (
            LinkisClient(_settings(sim.url, "wrong")) as client,
            pytest.raises(LoginFailed),
        ):
            client.login()
