"""Schema: answers conform to `specs/linkis.openapi.yaml` (schemathesis v4).

Examples, coverage and fuzzing per operation (one subtest each), then the stateful phase
through the spec's links (submit → status/progress/log/kill/job history). Besides the
built-in conformance checks, two Linkis oracles (`@schemathesis.check`): the envelope (HTTP
agrees with `status`, `method` names the operation) and the masked crash (a valid request
answered with status 1 that hides an uncaught exception). Real quirks are correct: gateway
routing errors for unparseable execIDs are HTTP 200/status 1; Spring's own error body for
requests it rejects; clamped input (negative `fromLine`) is accepted.

Safety: a generated job body never runs generated code. Submit/execute bodies get the code of
a workload of the profile, and every job submitted here is killed when the family ends.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import hypothesis
import pytest
import schemathesis
import yaml
from _protocol import pick_workload
from _report import scrub
from hypothesis import HealthCheck
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from linkis_harness import config as harness_config
from linkis_harness.client import LinkisClient
from linkis_harness.config import API_PREFIX, Settings
from linkis_harness.core.envelope import (
    DOCUMENTED_CRASHES,
    Envelope,
    check_envelope,
    is_framework_error,
    masked_crash,
)
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError, HarnessError, MalformedEnvelope
from linkis_harness.resources import data_dir
from linkis_harness.safety import (
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
)

pytestmark = pytest.mark.schema

# examples per operation (fuzzing), coverage phase, modes, stateful scenarios and steps
_PROFILES: dict[str, dict[str, Any]] = {
    "smoke": {
        "examples": 2,
        "coverage": False,
        "mode": "positive",
        "scenarios": 2,
        "steps": 6,
    },
    "standard": {
        "examples": 12,
        "coverage": True,
        "mode": "all",
        "scenarios": 8,
        "steps": 10,
    },
    "deep": {
        "examples": 40,
        "coverage": True,
        "mode": "all",
        "scenarios": 15,
        "steps": 15,
    },
}
# Operations that would end the suite's own session or act on other identities.
_EXCLUDED = ("userLogout", "userLogoutPost", "userProxy", "userProxyPost")
_JOB_OPERATIONS = ("POST /entrance/submit", "POST /entrance/execute")
# Under --read-only nothing that submits or changes a job is called.
_CHANGING = (
    "entranceExecute",
    "entranceSubmit",
    "entranceKill",
    "entranceKillJobs",
    "entrancePause",
)
_POLICY = SafetyPolicy.from_env(os.environ)
_TICKET = "linkis_user_session_ticket_id_v1"


# -- the Linkis oracles ----------------------------------------------------------------------


def _api_path(response: schemathesis.Response) -> str:
    return unquote(urlsplit(str(response.request.url)).path)


def _expected_method(path: str) -> str | None:
    """`method` of a success answer: `/api/...` without `rest_j/v1`; None for gateway answers."""
    rest = path.removeprefix(API_PREFIX)
    if rest == path or rest.startswith("/user/"):
        return None
    return "/api" + rest


def _per_job(path: str) -> bool:
    return (
        path.removeprefix(API_PREFIX).startswith("/entrance/") and path.count("/") >= 6
    )


def _header(response: schemathesis.Response, name: str) -> str | None:
    for key, values in response.headers.items():
        if key.lower() == name:
            return values[0] if values else None
    return None


def _body(response: schemathesis.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@schemathesis.check
def linkis_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """Every answer from Linkis code is the envelope; HTTP agrees with status; method names the call."""
    path = _api_path(response)
    body = _body(response)
    if (
        isinstance(body, dict)
        and is_framework_error(body)
        and response.status_code < 500
    ):
        return None  # Spring rejected the request before Linkis code ran (§1.1)
    status = body.get("status") if isinstance(body, dict) else None
    expected = _expected_method(path) if status == 0 else None
    found = check_envelope(
        http_status=response.status_code,
        content_type=_header(response, "content-type"),
        body=response.content,
        expected_method=expected,
        gateway_routing=_per_job(path),
    )
    if found:
        raise AssertionError(
            "[envelope] " + "; ".join(f"{v.title}: {v.detail}" for v in found)
        )
    return None


# execIDs the target gave the suite (submit answers): any other id in a per-job path is generated.
_KNOWN_IDS: set[str] = set()


def _documented(path: str, case: Case) -> frozenset[str]:
    rest = path.removeprefix(API_PREFIX)
    query = case.query or {}
    if _per_job(path):
        exec_id = rest.split("/")[2]
        if exec_id not in _KNOWN_IDS:
            # A generated id that was routed: non-numeric or out-of-ring index (§6.4).
            return DOCUMENTED_CRASHES["malformed-execid"] | _documented_operation(
                rest, query
            )
    return _documented_operation(rest, query)


def _documented_operation(rest: str, query: dict[str, Any]) -> frozenset[str]:
    if rest.endswith("/status") and "taskID" not in query:
        return DOCUMENTED_CRASHES["status-without-taskid"]
    if rest.endswith("/kill") and "taskID" not in query:
        return DOCUMENTED_CRASHES["kill-without-taskid"]
    if rest.endswith("/killJobs"):
        return DOCUMENTED_CRASHES["killjobs-missing-list"]
    if rest.startswith("/user/proxy"):
        return DOCUMENTED_CRASHES["proxy-missing-param"]
    return frozenset()


@schemathesis.check
def linkis_masked_crash(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """A valid request answered with status 1 that hides an uncaught exception is a server error."""
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return None  # invalid input may fail any way short of a 5xx
    path = _api_path(response)
    if _per_job(path) and response.status_code == 200:
        return None  # the gateway could not route a generated execID (§13): not a crash
    body = _body(response)
    if not isinstance(body, dict):
        return None
    try:
        envelope = Envelope.from_json(body, http_status=response.status_code)
    except (MalformedEnvelope, ValueError):
        return None
    reason = masked_crash(envelope, allow=_documented(path, case))
    if reason is not None:
        raise AssertionError(f"[crash] a valid request crashed the server: {reason}")
    return None


_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    linkis_envelope,
    linkis_masked_crash,
]
_NEGATIVE_CHECKS = [not_a_server_error, linkis_envelope]


# -- auth and safe job bodies ----------------------------------------------------------------


def _login_ticket(settings: Settings) -> str:
    """Log in as the main user (the auth provider's `get`) and return the session ticket."""
    with httpx.Client(timeout=settings.timeout, verify=not settings.insecure) as http:
        answer = http.post(
            settings.api_base + "/user/login",
            json={"userName": settings.user, "password": settings.password},
        )
    ticket = answer.cookies.get(_TICKET)
    if not ticket:
        raise AssertionError(
            f"[schema] login for the schema checks set no {_TICKET} cookie (HTTP {answer.status_code})"
        )
    return ticket


class _Session:
    """The target and credentials for the auth provider.

    Cases (coverage, examples) may be generated with their auth before any fixture runs, so the
    settings are also built here from the suite's options (the same loader as conftest).
    """

    settings: Settings | None = None

    @classmethod
    def current(cls) -> Settings | None:
        if cls.settings is None:
            overrides = {
                name.replace("-", "_"): _option(f"--linkis-{name}", "")
                for name in ("target", "user", "password", "token-code", "token-user")
            }
            try:
                loaded = harness_config.load(overrides, os.environ)
            except ConfigError:
                return None
            cls.settings = loaded if loaded.target is not None else None
        return cls.settings


class LinkisAuth:
    """Cookie login as the main user (re-login on 401), or the Token-Code/Token-User headers."""

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> dict[str, str] | None:
        settings = _Session.current()
        if settings is None:
            return None
        if settings.uses_token:
            return {
                "Token-Code": str(settings.token_code),
                "Token-User": str(settings.token_user),
            }
        return {"Cookie": f"{_TICKET}={_login_ticket(settings)}"}

    def set(
        self, case: Case, data: dict[str, str], ctx: schemathesis.AuthContext
    ) -> None:
        if "Cookie" in data:
            case.cookies = {
                **(case.cookies or {}),
                _TICKET: data["Cookie"].split("=", 1)[1],
            }
        else:
            case.headers = {**(case.headers or {}), **data}


class _Record:
    """Every exchange of the schema family: the cassette, and the jobs it submitted (to kill)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Any] = {}
        self.interactions: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def note(self, response: schemathesis.Response, case: Case, phase: str) -> None:
        body = _body(response)
        data = body.get("data") if isinstance(body, dict) else None
        request = response.request
        sent = request.body or b""
        entry = {
            "id": str(len(self.interactions) + 1),
            "operation": case.operation.label,
            "phase": phase,
            "request": {
                "method": request.method,
                "uri": scrub(str(request.url)),
                "headers": {k: _shown_header(k, v) for k, v in request.headers.items()},
                "body": scrub(
                    sent.decode("utf-8", "replace")
                    if isinstance(sent, bytes)
                    else str(sent)
                ),
            },
            "response": {
                "status": response.status_code,
                "headers": {
                    k: ", ".join(v)
                    for k, v in response.headers.items()
                    if k.lower() != "set-cookie"
                },
                "body": scrub(response.content[:4000].decode("utf-8", "replace")),
                "elapsed": round(response.elapsed, 4),
            },
        }
        with self._lock:
            self.interactions.append(entry)
            if isinstance(data, dict) and isinstance(data.get("execID"), str):
                self.jobs[data["execID"]] = data.get("taskID")
                _KNOWN_IDS.add(data["execID"])

    def write(self, path: Path) -> None:
        document = {
            "recorded_with": "linkis-harness check (schema family)",
            "http_interactions": self.interactions,
        }
        path.write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )


def _shown_header(name: str, value: str) -> str:
    low = name.lower()
    if low == "cookie":
        return "<session cookie>"
    if low == "token-code":
        return "$LINKIS_TOKEN_CODE"
    return scrub(value)


def _make_safe(case: Case, workload: Workload | None, user: str) -> None:
    """Give a generated job body the code of a real workload, so no generated code runs."""
    if case.operation.label not in _JOB_OPERATIONS:
        return
    if workload is None:
        case.body = {"executionContent": {"code": "", "runType": "shell"}, "labels": {}}
        return
    safe = workload.submit_body(user=user)
    body = case.body
    if not isinstance(body, dict) or (
        case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    ):
        case.body = safe
        return
    # Negative bodies keep their broken shape, but any code in them is replaced.
    content = body.get("executionContent")
    if isinstance(content, dict) and "code" in content:
        content["code"] = safe["executionContent"]["code"]
    if "executionCode" in body:
        body["executionCode"] = safe["executionContent"]["code"]


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema_guard(request: pytest.FixtureRequest) -> RequestGuard:
    """The suite's request guard (rate limit, job budget, read-only), shared with its clients."""
    try:
        guard = request.getfixturevalue("guard")
    except pytest.FixtureLookupError:
        return RequestGuard(_POLICY)
    assert isinstance(guard, RequestGuard)
    return guard


@pytest.fixture(scope="module")
def safe_workload(workloads: list[Workload]) -> Workload | None:
    return pick_workload(workloads, running=False)


@pytest.fixture(scope="module")
def schema_record(
    request: pytest.FixtureRequest, client: LinkisClient
) -> Iterator[_Record]:
    """The family's exchanges; at the end: kill its jobs, write the cassette if asked."""
    record = _Record()
    yield record
    cassette = request.config.getoption("--linkis-cassette", default=None)
    if cassette:
        record.write(Path(cassette))
    for exec_id, task_id in list(record.jobs.items()):
        try:
            client.kill(exec_id, task_id)
        except HarnessError:  # best effort: the target may be gone
            continue


def _option(name: str, variable: str) -> str | None:
    """A suite option at import time: from the report plugin's config, else the environment.

    Operations are collected when this module is imported, before any fixture runs, so the
    profile, spec, seed and cassette are read here (`-p _report` hands the pytest config over).
    """
    config = getattr(sys.modules.get("_report"), "CONFIG", None)
    value = config.getoption(name, default=None) if config is not None else None
    return str(value) if value is not None else os.environ.get(variable) or None


def _load_schema() -> Any:
    profile = _option("--linkis-profile", "LINKIS_PROFILE") or "standard"
    knobs = _PROFILES.get(profile, _PROFILES["standard"])
    spec = _option("--linkis-spec", "LINKIS_SPEC") or str(
        data_dir("specs") / "linkis.openapi.yaml"
    )
    seed = _option("--linkis-seed", "LINKIS_SEED")
    config: dict[str, Any] = {
        "generation": {
            "max-examples": knobs["examples"],
            "mode": knobs["mode"],
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": knobs["coverage"]},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": knobs["steps"]},
        },
        "suppress-health-check": ["all"],
    }
    if seed is not None:
        config["seed"] = int(seed)
    loaded = schemathesis.openapi.from_path(
        spec, config=schemathesis.Config.from_dict(config)
    )
    excluded = list(_EXCLUDED) + (list(_CHANGING) if _POLICY.read_only else [])
    loaded = loaded.exclude(operation_id=excluded)
    # Re-login on 401: a generated call that ends the session must not end the run.
    loaded.auth.auth(refresh_interval=600, retry_on=[401])(LinkisAuth)
    return loaded


schema = _load_schema()


@pytest.fixture(scope="module", autouse=True)
def schema_target(settings: Settings) -> Iterator[Settings]:
    """Point the schema at the target (v4 loaders take no base URL) and hand the auth its settings."""
    schema.config.update(
        base_url=settings.api_base,
        request_timeout=settings.timeout,
        tls_verify=not settings.insecure,
    )
    _Session.settings = settings
    yield settings
    _Session.settings = None


@schema.parametrize()
def test_operations_conform(
    case: Case,
    settings: Settings,
    safe_workload: Workload | None,
    schema_record: _Record,
    schema_guard: RequestGuard,
) -> None:
    _make_safe(case, safe_workload, settings.user or settings.token_user or "")
    try:
        # --rate-limit, --max-jobs and --read-only hold for generated calls too.
        schema_guard.admit(case.method, case.formatted_path)
    except (JobBudgetExhausted, ReadOnlyRefused):
        return  # this case is not sent; the operation's other cases still are
    negative = (
        case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE
    )
    response = case.call(base_url=settings.api_base)
    schema_record.note(response, case, "examples/coverage/fuzzing")
    case.validate_response(response, checks=_NEGATIVE_CHECKS if negative else _CHECKS)


def test_stateful_links_conform(
    settings: Settings,
    profile: str,
    safe_workload: Workload | None,
    schema_record: _Record,
    schema_guard: RequestGuard,
) -> None:
    knobs = _PROFILES[profile]
    user = settings.user or settings.token_user or ""

    class LinkisWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": settings.api_base}

        def before_call(self, case: Case) -> None:
            _make_safe(case, safe_workload, user)
            schema_guard.admit(case.method, case.formatted_path)

        def after_call(self, response: schemathesis.Response, case: Case) -> None:
            super().after_call(response, case)
            schema_record.note(response, case, "stateful")

        def validate_response(
            self, response: schemathesis.Response, case: Case, **kwargs: Any
        ) -> None:
            negative = (
                case.meta is not None
                and case.meta.generation.mode != GenerationMode.POSITIVE
            )
            case.validate_response(
                response, checks=_NEGATIVE_CHECKS if negative else _CHECKS
            )

    LinkisWorkflow.run(
        settings=hypothesis.settings(
            max_examples=knobs["scenarios"],
            stateful_step_count=knobs["steps"],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=False,
        )
    )
