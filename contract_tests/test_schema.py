"""Schema: answers conform to `specs/linkis.openapi.yaml` (schemathesis v4).

Examples, coverage and fuzzing per operation (one subtest each), then the stateful phase
through the spec's links (submit → status/progress/log/kill/job history). Besides the
built-in conformance checks, two Linkis oracles (`linkis_harness.suite.schema_oracles`): the envelope (HTTP
agrees with `status`, `method` names the operation) and the masked crash (a valid request
answered with status 1 that hides an uncaught exception); auth is `linkis_harness.suite.schema_auth`, the
cassette `linkis_harness.suite.schema_record`. Real quirks are correct: gateway
routing errors for unparseable execIDs are HTTP 200/status 1; Spring's own error body for
requests it rejects; clamped input (negative `fromLine`) is accepted.

Safety: a generated kill or killJobs is sent only when every execID and taskID it names is a
job of this run (`linkis_harness.suite.kill_guard`: routing does not check the instance, and a
forced kill by taskID has no owner check). A generated job body never runs generated code. Submit/execute bodies get the code of
a workload of the profile, and every job submitted here is killed when the family ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import Case, GenerationMode

from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.runmarker import mark_body
from linkis_harness.core.workload import Workload
from linkis_harness.errors import HarnessError
from linkis_harness.resources import data_dir
from linkis_harness.safety import (
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
)
from linkis_harness.suite import settings as suite_settings
from linkis_harness.suite.kill_guard import foreign_kill
from linkis_harness.suite.lifecycle import JobTracker
from linkis_harness.suite.protocol import pick_workload
from linkis_harness.suite.schema_auth import LinkisAuth, SchemaSession
from linkis_harness.suite.schema_oracles import ACCEPTED, checks_for
from linkis_harness.suite.schema_record import SchemaRecord

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


def _make_safe(case: Case, workload: Workload | None, user: str, marker: str) -> None:
    """Give a generated job body the code of a real workload, so no generated code runs.

    The code (and a positive body's source) carries the run's marker, so cleanup finds the job.
    """
    if case.operation.label not in _JOB_OPERATIONS:
        return
    if workload is None:
        case.body = {"executionContent": {"code": "", "runType": "shell"}, "labels": {}}
        return
    safe = mark_body(workload.submit_body(user=user), marker)
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


def _foreign_kill(case: Case, record: SchemaRecord) -> str | None:
    """Why a generated kill/killJobs case names a job this run did not create (None: send it)."""
    return foreign_kill(
        case.operation.label, case.path_parameters, case.query, case.body, record.jobs
    )


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
def run_marker(tracker: JobTracker, client: LinkisClient) -> str:
    """The run's marker; the main user is noted as an owner so cleanup lists its jobs."""
    tracker.note_owner(client)
    return tracker.marker


@pytest.fixture(scope="module")
def safe_workload(workloads: list[Workload]) -> Workload | None:
    return pick_workload(workloads, running=False)


@pytest.fixture(scope="module")
def schema_record(
    request: pytest.FixtureRequest, client: LinkisClient
) -> Iterator[SchemaRecord]:
    """The family's exchanges; at the end: kill its jobs, write the cassette if asked."""
    record = SchemaRecord()
    yield record
    cassette = request.config.getoption("--linkis-cassette", default=None)
    if cassette:
        record.write(Path(cassette))
    for exec_id, task_id in list(record.jobs.items()):
        try:
            client.kill(exec_id, task_id)
        except HarnessError:  # best effort: the target may be gone
            continue


def _load_schema() -> Any:
    # The session's options, built before this module is imported (the plugin's configure).
    options = suite_settings.current()
    profile = options.profile if options is not None else "standard"
    knobs = _PROFILES.get(profile, _PROFILES["standard"])
    spec = (options.spec if options is not None else None) or str(
        data_dir("specs") / "linkis.openapi.yaml"
    )
    seed = options.seed if options is not None else None
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
    loaded: Any = schemathesis.openapi.from_path(
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
    SchemaSession.settings = settings
    yield settings
    SchemaSession.settings = None


@schema.parametrize()
def test_operations_conform(
    case: Case,
    settings: Settings,
    safe_workload: Workload | None,
    schema_record: SchemaRecord,
    schema_guard: RequestGuard,
    run_marker: str,
) -> None:
    _make_safe(
        case, safe_workload, settings.user or settings.token_user or "", run_marker
    )
    if _foreign_kill(case, schema_record) is not None:
        return  # never kill what this run did not create (suite.kill_guard)
    try:
        # --rate-limit, --max-jobs and --read-only hold for generated calls too.
        schema_guard.admit(case.method, case.formatted_path)
    except (JobBudgetExhausted, ReadOnlyRefused) as exc:
        # Not sent, so not checked: the operation is reported skipped with the reason (the
        # cases already sent held; the budget never comes back, so no later case would run).
        pytest.skip(exc.skip_reason)
    response = case.call(base_url=settings.api_base)
    schema_record.note(response, case, "examples/coverage/fuzzing")
    case.validate_response(response, checks=checks_for(case))


def test_stateful_links_conform(
    settings: Settings,
    profile: str,
    safe_workload: Workload | None,
    schema_record: SchemaRecord,
    schema_guard: RequestGuard,
    run_marker: str,
) -> None:
    knobs = _PROFILES[profile]
    user = settings.user or settings.token_user or ""
    refused: list[str] = []
    sent: list[str] = []

    class LinkisWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": settings.api_base}

        def before_call(self, case: Case) -> None:
            _make_safe(case, safe_workload, user, run_marker)
            if _foreign_kill(case, schema_record) is not None:
                hypothesis.reject()  # never kill what this run did not create
            try:
                schema_guard.admit(case.method, case.formatted_path)
            except (JobBudgetExhausted, ReadOnlyRefused) as refusal:
                # Not sent: the scenario is dropped, not failed (a failure would be shrunk,
                # and every shrink step would be refused again: minutes of nothing).
                refused.append(str(refusal))
                hypothesis.reject()
            sent.append(case.operation.label)

        def after_call(self, response: schemathesis.Response, case: Case) -> None:
            super().after_call(response, case)
            schema_record.note(response, case, "stateful")

        def validate_response(
            self, response: schemathesis.Response, case: Case, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=checks_for(case))

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
    if refused and not sent:
        pytest.skip(f"no stateful call was sent: {refused[0]}")


def test_accepted_linkis_defects_are_shown() -> None:
    """Linkis' own uncaught exceptions the crash oracle accepted above, each with its ledger row.

    Reported as accepted (not passed) so a reader sees them; `check --strict` fails them in the
    operations' own checks instead.
    """
    if not ACCEPTED:
        return
    seen: dict[str, dict[str, str]] = {}
    for entry in ACCEPTED:
        seen.setdefault(f"{entry['operation']} ({entry['row']})", entry)
    shown = "; ".join(
        f"{name}: {entry['reason']}" for name, entry in sorted(seen.items())[:20]
    )
    pytest.xfail(
        f"accepted quirk (Linkis' own uncaught exceptions, docs/ledger): "
        f"{len(ACCEPTED)} answer(s) on {len(seen)} operation(s): {shown}"
    )
