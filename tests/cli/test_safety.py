"""The safety policy on its own: token bucket, job budget, read-only and dry-run text (no I/O)."""

from __future__ import annotations

import itertools
import threading

import pytest

from linkis_harness.errors import ConfigError, HarnessError
from linkis_harness.safety import (
    PLACEHOLDER,
    JobBudget,
    JobBudgetExhausted,
    RateLimiter,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
    changes_jobs,
    describe_request,
    redact,
    share,
    submits_job,
)


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests_at_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(9):
        limiter.acquire()
        sent_at.append(clock.now)
    # The first goes at once, then one every 1/4 s: 9 requests span exactly 2 s.
    assert sent_at[0] == 100.0
    assert sent_at[-1] - sent_at[0] == pytest.approx(2.0)
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert all(g == pytest.approx(0.25) for g in gaps)


def test_rate_limiter_refills_while_idle_but_never_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, burst=3, clock=clock, sleep=clock.sleep)
    clock.now += 60.0  # a long idle time must not bank 120 requests
    waits = [limiter.reserve() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.5)
    assert waits[4] == pytest.approx(1.0)


def test_rate_limiter_reserves_distinct_slots_across_threads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            wait = limiter.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 200 reservations at a frozen clock: slot k waits k/10 s, each slot exactly once.
    assert sorted(round(w * 10) for w in waits) == list(range(200))


@pytest.mark.parametrize("rate", [0, -1.0])
def test_rate_limiter_refuses_a_rate_that_is_not_positive(rate: float) -> None:
    with pytest.raises(ConfigError, match="--rate-limit"):
        RateLimiter(rate)


def test_job_budget_is_exact_under_threads() -> None:
    budget = JobBudget(37)
    taken: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            ok = budget.try_take()
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert taken.count(True) == 37
    assert budget.used == 37
    assert budget.remaining == 0
    with pytest.raises(JobBudgetExhausted) as info:
        budget.take()
    assert isinstance(info.value, HarnessError)
    assert "--max-jobs 37" in str(info.value)
    assert "--max-jobs 37" in info.value.skip_reason


def test_job_budget_zero_allows_nothing_and_none_allows_everything() -> None:
    assert not JobBudget(0).try_take()
    unlimited = JobBudget(None)
    assert all(unlimited.try_take() for _ in range(1000))
    assert unlimited.remaining is None
    with pytest.raises(ConfigError, match="--max-jobs"):
        JobBudget(-1)


@pytest.mark.parametrize(("limit", "parts"), [(10, 3), (2, 4), (0, 2), (7, 1)])
def test_share_splits_a_budget_without_losing_or_adding_jobs(
    limit: int, parts: int
) -> None:
    shares = [share(limit, parts, i) for i in range(parts)]
    assert sum(s or 0 for s in shares) == limit
    assert max(s or 0 for s in shares) - min(s or 0 for s in shares) <= 1
    assert share(None, parts, 0) is None


@pytest.mark.parametrize(
    ("method", "path", "submits", "changes"),
    [
        ("POST", "entrance/execute", True, True),
        ("post", "/entrance/submit", True, True),
        ("POST", "http://gw:9001/api/rest_j/v1/entrance/submit", True, True),
        ("GET", "entrance/submit", False, False),
        ("GET", "entrance/exec_id018011x_0/kill", False, True),
        ("GET", "entrance/exec_id018011x_0/kill?taskID=3", False, True),
        ("POST", "entrance/exec_id018011x_0/killJobs", False, True),
        ("GET", "entrance/exec_id018011x_0/pause", False, True),
        ("GET", "entrance/exec_id018011x_0/status", False, False),
        ("GET", "entrance/exec_id018011x_0/log", False, False),
        ("GET", "jobhistory/12/get", False, False),
        ("POST", "user/login", False, False),
        ("GET", "user/proxy?proxyUser=a&validationCode=b", False, False),
    ],
)
def test_which_operations_submit_or_change_jobs(
    method: str, path: str, submits: bool, changes: bool
) -> None:
    assert submits_job(method, path) is submits
    assert changes_jobs(method, path) is changes


def test_guard_refuses_job_changes_under_read_only_and_lets_reads_through() -> None:
    guard = RequestGuard(SafetyPolicy(read_only=True))
    guard.admit("GET", "entrance/x/status")
    guard.admit("POST", "user/login")
    for method, path in [
        ("POST", "entrance/submit"),
        ("POST", "entrance/execute"),
        ("GET", "entrance/x/kill"),
    ]:
        with pytest.raises(ReadOnlyRefused) as info:
            guard.admit(method, path)
        assert "--read-only" in info.value.skip_reason
    assert guard.budget.used == 0


def test_guard_counts_only_submissions_against_max_jobs_and_rate_limits_everything() -> (
    None
):
    clock = FakeClock()
    guard = RequestGuard(
        SafetyPolicy(rate_limit=5.0, max_jobs=2), clock=clock, sleep=clock.sleep
    )
    for _ in range(2):
        guard.admit("POST", "entrance/submit")
        guard.admit("GET", "entrance/x/status")
        guard.admit("GET", "entrance/x/kill")  # cleanup never blocked by the budget
    with pytest.raises(JobBudgetExhausted):
        guard.admit("POST", "entrance/execute")
    guard.admit("GET", "entrance/x/kill")
    # 7 admitted requests at 5/s: 6 gaps of 0.2 s slept; the refused submit cost no slot.
    assert sum(clock.sleeps) == pytest.approx(6 * 0.2)


def test_policy_travels_through_the_environment() -> None:
    policy = SafetyPolicy(rate_limit=2.5, max_jobs=7, dry_run=True, read_only=True)
    env = policy.to_env()
    assert env == {
        "LINKIS_RATE_LIMIT": "2.5",
        "LINKIS_MAX_JOBS": "7",
        "LINKIS_DRY_RUN": "1",
        "LINKIS_READ_ONLY": "1",
    }
    assert SafetyPolicy.from_env(env) == policy
    assert SafetyPolicy.from_env({}) == SafetyPolicy()
    assert SafetyPolicy().to_env() == {}
    with pytest.raises(ConfigError):
        SafetyPolicy.from_env({"LINKIS_MAX_JOBS": "many"})


def test_policy_split_divides_rate_and_budget() -> None:
    policy = SafetyPolicy(rate_limit=9.0, max_jobs=5, read_only=True)
    parts = [policy.split(3, i) for i in range(3)]
    assert sum(p.rate_limit or 0 for p in parts) == pytest.approx(9.0)
    assert sum(p.max_jobs or 0 for p in parts) == 5
    assert all(p.read_only for p in parts)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"rate_limit": 0.0}, "--rate-limit"), ({"max_jobs": -2}, "--max-jobs")],
)
def test_policy_rejects_bad_values_naming_the_flag(
    kwargs: dict[str, float], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        SafetyPolicy(**kwargs)  # type: ignore[arg-type]


def test_dry_run_text_shows_the_request_and_hides_every_secret() -> None:
    password = "S3cret-Pw-91"
    token = "TOK-abc-777"
    ticket = "bfs_alice_1732780000000"
    text = describe_request(
        "post",
        "http://gw:9001/api/rest_j/v1/user/proxy?proxyUser=bob&validationCode=VC-999",
        headers={
            "Content-Type": "application/json",
            "Token-Code": token,
            "Token-User": "alice",
            "Cookie": f"linkis_user_session_ticket_id_v1={ticket}",
        },
        body=b'{"userName": "alice", "password": "S3cret-Pw-91", "nested": {"passwdEncrypt": "x"}}',
        secrets=[password, token, ticket],
    )
    assert text.startswith("DRY-RUN POST http://gw:9001/api/rest_j/v1/user/proxy?")
    assert "proxyUser=bob" in text
    assert "Token-User: alice" in text
    assert '"userName": "alice"' in text
    for secret in (password, token, ticket, "VC-999"):
        assert secret not in text
    assert text.count(PLACEHOLDER) >= 5


def test_redact_replaces_longer_secrets_first() -> None:
    assert redact("pw=abcdef and abc", ["abc", "abcdef"]) == "pw=*** and ***"
    assert redact("nothing here", ["", "zzz"]) == "nothing here"
