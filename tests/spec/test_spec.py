"""The hand-written OpenAPI spec: valid OAS 3.1, loadable by schemathesis, faithful to Linkis.

Golden envelopes (`fixtures/golden/*.json`, each citing a ledger row or a Linkis source file) must
validate against the response schema of their operation and HTTP status; deliberately broken
variants must not.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema
import requests
import schemathesis
import yaml
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator
from schemathesis.core.result import Ok

from linkis_harness.core.execid import ExecId, ExecIdLayout
from linkis_harness.resources import data_dir
from linkis_harness.resources.ledger import load_ledger

SPEC_PATH = data_dir("specs") / "linkis.openapi.yaml"
GOLDEN_DIR = data_dir("fixtures") / "golden"
SPEC_URI = "urn:linkis-harness:spec"
MIRROR = Path("/work/.mirror/apache+linkis/repo")
# A golden's `source`: `ledger: <row id>` or `Linkis <tag> <File>.java|.scala` (the file name, or a
# path suffix where the name is ambiguous), then optionally a note.
GOLDEN_SOURCE = re.compile(
    r"(?:ledger: (?P<row>[a-z][\w-]*(?:\.[\w-]+){2,})"
    r"|Linkis (?P<tag>(?:release-)?\d+\.\d+\.\d+) (?P<file>(?:[\w-]+/)*\w+\.(?:java|scala)))"
    r"(?=$|[ ,])"
)
BASE_URL = "http://127.0.0.1:9001/api/rest_j/v1"

# Every operation issue 2 names (method, path relative to /api/rest_j/v1).
REQUIRED_OPERATIONS = [
    ("GET", "/user/login"),
    ("POST", "/user/login"),
    ("GET", "/user/logout"),
    ("GET", "/user/userInfo"),
    ("GET", "/user/proxy"),
    ("POST", "/entrance/execute"),
    ("POST", "/entrance/submit"),
    ("GET", "/entrance/{id}/status"),
    ("GET", "/entrance/{id}/progress"),
    ("GET", "/entrance/{id}/progressWithResource"),
    ("GET", "/entrance/{id}/log"),
    ("GET", "/entrance/{id}/kill"),
    ("POST", "/entrance/{id}/killJobs"),
    ("GET", "/entrance/{id}/pause"),
    ("GET", "/jobhistory/{id}/get"),
    ("GET", "/jobhistory/list"),
    ("GET", "/filesystem/getDirFileTrees"),
    ("GET", "/filesystem/openFile"),
    ("GET", "/filesystem/openLog"),
]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ENVELOPE_KEYS = {"method", "status", "message", "data"}


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> referencing.Registry[Any]:
    resource = referencing.Resource.from_contents(
        spec, default_specification=referencing.jsonschema.DRAFT202012
    )
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        SPEC_URI, resource
    )
    return registry


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s of OpenAPI objects (responses, parameters, request bodies, links)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for token in ref[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _response_pointer(spec: dict[str, Any], method: str, path: str, code: int) -> str:
    """JSON pointer (inside the spec) to the JSON schema of one documented response."""
    response = spec["paths"][path][method.lower()]["responses"][str(code)]
    if "$ref" in response:
        base = response["$ref"][1:]
    else:
        base = f"/paths/{_escape(path)}/{method.lower()}/responses/{code}"
    return f"{base}/content/application~1json/schema"


def _validator(
    spec: dict[str, Any],
    registry: referencing.Registry[Any],
    method: str,
    path: str,
    code: int,
) -> jsonschema.Draft202012Validator:
    pointer = _response_pointer(spec, method, path, code)
    return jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry
    )


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _goldens() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.json"))


def _load_golden(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _schema_errors(
    spec: dict[str, Any],
    registry: referencing.Registry[Any],
    golden: dict[str, Any],
    body: Any,
    *,
    http_status: int | None = None,
) -> list[str]:
    method, path = golden["operation"].split(" ", 1)
    code = http_status if http_status is not None else golden["http_status"]
    validator = _validator(spec, registry, method, path, code)
    return [error.message for error in validator.iter_errors(body)]


# ---------------------------------------------------------------------------- the document


def test_spec_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    errors = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []
    validate_spec(spec)  # the validator's own version detection agrees


def test_server_is_the_relative_rest_prefix(spec: dict[str, Any]) -> None:
    # base_url=http://host:port/api/rest_j/v1 (or origin=http://host:port) must hit the paths.
    assert [server["url"] for server in spec["servers"]] == ["/api/rest_j/v1"]
    assert all(not path.startswith("/api") for path in spec["paths"])
    assert "base_url" in spec["info"]["description"]


def test_schemathesis_loads_the_spec_and_targets_the_rest_prefix() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.config.update(base_url=BASE_URL)
    labels = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        labels.add(result.ok().label)
    assert {f"{method} {path}" for method, path in REQUIRED_OPERATIONS} <= labels
    submit = schema["/entrance/submit"]["POST"]
    case = submit.Case(body={"executionContent": {"code": "x"}, "labels": {}})
    assert case.as_transport_kwargs()["url"] == f"{BASE_URL}/entrance/submit"
    # what `schemathesis run --origin http://host:port` appends to the origin
    assert schema.base_path == "/api/rest_j/v1/"
    assert (
        schema.statistic.transitions.total >= 14
    )  # the stateful phase has links to follow


@pytest.mark.parametrize(("method", "path"), REQUIRED_OPERATIONS)
def test_every_listed_operation_is_present(
    spec: dict[str, Any], method: str, path: str
) -> None:
    assert method.lower() in spec["paths"].get(path, {}), f"{method} {path} missing"


def test_operation_ids_are_unique(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(spec)]
    assert len(ids) == len(set(ids))


def test_kill_is_get_only(spec: dict[str, Any]) -> None:
    # 1.x docs say POST; the code maps only GET (Linkis 1.4.0 EntranceRestfulApi.java).
    assert set(spec["paths"]["/entrance/{id}/kill"]) == {"get"}


# ---------------------------------------------------------------------------- security


def test_security_schemes_cookie_and_token_pair(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    cookies = {
        s["name"]
        for s in schemes.values()
        if s["type"] == "apiKey" and s["in"] == "cookie"
    }
    headers = {
        s["name"]
        for s in schemes.values()
        if s["type"] == "apiKey" and s["in"] == "header"
    }
    assert cookies == {"linkis_user_session_ticket_id_v1", "bdp-user-ticket-id"}
    assert headers == {"Token-Code", "Token-User"}
    token_requirement = [req for req in spec["security"] if len(req) == 2]
    assert len(token_requirement) == 1, (
        "Token-Code and Token-User are required together"
    )
    assert {schemes[name]["name"] for name in token_requirement[0]} == headers


def test_user_endpoints_do_not_require_login(spec: dict[str, Any]) -> None:
    # /user/* is answered by the gateway before the login check
    # (Linkis 1.4.0 gateway/security/SecurityFilter.scala).
    for _, path, operation in _operations(spec):
        if path.startswith("/user/"):
            assert {} in operation["security"], path


def test_secured_operations_document_401(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        if "security" not in operation:
            assert "401" in operation["responses"], f"{method} {path}"


# ---------------------------------------------------------------------------- envelope shape


def _is_envelope(spec: dict[str, Any], schema: Any, *, allow_framework: bool) -> bool:
    """True when every instance the schema accepts must carry method/status/message/data."""
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] == "#/components/schemas/FrameworkError":
            return allow_framework
        return _is_envelope(
            spec, _resolve(spec, schema), allow_framework=allow_framework
        )
    if not isinstance(schema, dict):
        return False
    if set(schema.get("required", [])) >= ENVELOPE_KEYS:
        return True
    if any(
        _is_envelope(spec, sub, allow_framework=False)
        for sub in schema.get("allOf", [])
    ):
        return True
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return all(
                _is_envelope(spec, sub, allow_framework=allow_framework)
                for sub in schema[key]
            )
    return False


def test_every_response_schema_is_the_envelope(spec: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in _operations(spec):
        for code, response in operation["responses"].items():
            response = _resolve(spec, response)
            assert set(response["content"]) == {"application/json"}, (
                f"{method} {path} {code}"
            )
            schema = response["content"]["application/json"]["schema"]
            if code == "415":
                # Spring refuses a @RequestBody endpoint called without JSON: its own body only.
                assert "requestBody" in operation, f"{method} {path}"
                assert schema == {"$ref": "#/components/schemas/FrameworkError"}
                continue
            # Spring's own error body is allowed only next to the status-1 envelope, in 400s.
            assert _is_envelope(spec, schema, allow_framework=code == "400"), (
                f"{method} {path} {code} is not the Linkis envelope"
            )
            checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("code", "status"), [("400", 1), ("401", -1), ("403", 3), ("412", 2), ("206", 4)]
)
def test_error_codes_follow_the_status_mapping(
    spec: dict[str, Any], registry: referencing.Registry[Any], code: str, status: int
) -> None:
    # Message.messageToHttpStatus: -1→401, 1→400, 2→412, 3→403, 4→206 (Linkis 1.4.0 Message.scala).
    seen = 0
    for method, path, operation in _operations(spec):
        if code not in operation["responses"]:
            continue
        validator = _validator(spec, registry, method, path, int(code))
        for candidate in (-1, 0, 1, 2, 3, 4):
            body: dict[str, Any] = {
                "method": f"/api/rest_j/v1{path}",
                "status": candidate,
                "message": "x",
                "data": {},
            }
            assert validator.is_valid(body) == (candidate == status), (
                f"{method} {path} {code} with status {candidate}"
            )
        seen += 1
    assert seen > 0


def test_http_200_allows_status_1_only_as_a_gateway_routing_error(
    spec: dict[str, Any], registry: referencing.Registry[Any]
) -> None:
    routing = {
        "method": "/api/rest_j/v1/entrance/x/status",
        "status": 1,
        "message": "m",
        "data": {},
    }
    backend = {**routing, "method": "/api/entrance/x/status"}
    for method, path, operation in _operations(spec):
        if "200" not in operation["responses"]:
            continue
        validator = _validator(spec, registry, method, path, 200)
        per_job = path.startswith("/entrance/{id}/")
        assert validator.is_valid(routing) == per_job, f"{method} {path}"
        assert not validator.is_valid(backend), f"{method} {path}"
        assert not validator.is_valid({**backend, "method": None}), f"{method} {path}"


# ---------------------------------------------------------------------------- golden envelopes


@pytest.mark.parametrize("path", _goldens(), ids=lambda p: p.stem)
def test_golden_envelope_validates(
    spec: dict[str, Any], registry: referencing.Registry[Any], path: Path
) -> None:
    golden = _load_golden(path)
    assert _schema_errors(spec, registry, golden, golden["body"]) == []


@pytest.mark.parametrize("path", _goldens(), ids=lambda p: p.stem)
def _st_response(
    method: str, url: str, status: int, body: Any
) -> schemathesis.Response:
    request = requests.Request(method=method, url=url).prepare()
    return schemathesis.Response(
        status_code=status,
        headers={"Content-Type": ["application/json"]},
        content=json.dumps(body).encode(),
        request=request,
        elapsed=0.0,
        verify=True,
    )


@pytest.mark.parametrize("path", _goldens(), ids=lambda p: p.stem)
def test_golden_envelope_validates_in_schemathesis(path: Path) -> None:
    # schemathesis' own response validation (what response_schema_conformance runs) agrees.
    golden = _load_golden(path)
    method, route = golden["operation"].split(" ", 1)
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.config.update(base_url=BASE_URL)
    operation = schema[route][method]
    url = BASE_URL + route
    assert operation.is_valid_response(
        _st_response(method, url, golden["http_status"], golden["body"])
    )
    broken = {k: v for k, v in golden["body"].items() if k not in ("message", "error")}
    assert not operation.is_valid_response(
        _st_response(method, url, golden["http_status"], broken)
    )


def test_golden_set_covers_every_listed_operation() -> None:
    covered = {_load_golden(path)["operation"] for path in _goldens()}
    listed = {f"{method} {path}" for method, path in REQUIRED_OPERATIONS}
    assert listed <= covered, sorted(listed - covered)


def test_goldens_cite_a_ledger_row_or_a_linkis_file() -> None:
    rows = {row.id for row in load_ledger()}
    for path in _goldens():
        source = _load_golden(path)["source"]
        match = GOLDEN_SOURCE.match(source)
        assert match, (
            f"{path.name}: {source!r} is not 'ledger: <id>' or 'Linkis <tag> <File>'"
        )
        assert match["row"] is None or match["row"] in rows, (
            f"{path.name}: no row {match['row']}"
        )


def test_goldens_that_cite_a_ledger_row_are_an_answer_of_that_row() -> None:
    # A golden citing a row is that row's answer at some release line: HTTP code, status,
    # message and data keys as the row says (the ledger's own matcher; a row's data values
    # are those of its probe's request, so only their presence is asked here).
    rows = {row.id: row for row in load_ledger()}
    cited = 0
    for path in _goldens():
        golden = _load_golden(path)
        match = GOLDEN_SOURCE.match(golden["source"])
        if match is None or match["row"] is None:
            continue
        cited += 1
        answers = rows[match["row"]].answers
        wrong = [
            replace(a, data=dict.fromkeys(a.data, "*")).mismatches(
                golden["http_status"], golden["body"]
            )
            for a in answers
        ]
        assert any(not w for w in wrong), f"{path.name}: {wrong}"
    assert cited >= 2


@pytest.mark.parametrize(
    "source",
    [
        "fact sheet section 3.1 (verbatim)",
        "Linkis EntranceRestfulApi.java",
        "Linkis 1.4.0 EntranceRestfulApi",
        "Linkis 1.4 EntranceRestfulApi.java",
        "ledger: entrance.kill",
        "see Linkis 1.4.0 EntranceRestfulApi.java",
    ],
)
def test_golden_source_format_refuses_other_citations(source: str) -> None:
    assert GOLDEN_SOURCE.match(source) is None


@pytest.mark.skipif(
    not MIRROR.is_dir() or shutil.which("git") is None,
    reason="no Linkis source mirror on this machine (the files are checked where it exists)",
)
def test_golden_sources_name_a_file_present_at_its_tag() -> None:
    trees: dict[str, list[str]] = {}
    missing = []
    for path in _goldens():
        match = GOLDEN_SOURCE.match(_load_golden(path)["source"])
        assert match, path.name
        tag, name = match["tag"], match["file"]
        if tag is None:
            continue
        if tag not in trees:
            ref = f"refs/tags/{tag}"
            trees[tag] = subprocess.run(
                ["git", "-C", str(MIRROR), "ls-tree", "-r", "--name-only", ref],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.splitlines()
        if not any(f == name or f.endswith(f"/{name}") for f in trees[tag]):
            missing.append(f"{path.name}: {tag} {name}")
    assert missing == []


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in _goldens()
        if "status" in _load_golden(p)["body"] and "method" in _load_golden(p)["body"]
    ],
    ids=lambda p: p.stem,
)
def test_envelope_without_message_is_rejected(
    spec: dict[str, Any], registry: referencing.Registry[Any], path: Path
) -> None:
    golden = _load_golden(path)
    body = {k: v for k, v in golden["body"].items() if k != "message"}
    assert _schema_errors(spec, registry, golden, body) != []


def _set(pointer: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        node: Any = body
        *parents, last = pointer.strip("/").split("/")
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(pointer: str) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        node: Any = body
        *parents, last = pointer.strip("/").split("/")
        for token in parents:
            node = node[token]
        del node[last]

    return mutate


BROKEN_VARIANTS: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("execute-ok", "taskID as a string (the old docs)", _set("/data/taskID", "123")),
    ("submit-ok", "taskID as a string", _set("/data/taskID", "123")),
    ("submit-ok", "no taskID", _drop("/data/taskID")),
    (
        "execute-ok",
        "method with rest_j/v1 (the old docs)",
        _set("/method", "/api/rest_j/v1/entrance/execute"),
    ),
    ("execute-ok", "no status (the old docs)", _drop("/status")),
    ("execute-ok", "data omitted", _drop("/data")),
    ("execute-ok", "status as a string", _set("/status", "0")),
    ("execute-ok", "method a number", _set("/method", 1)),
    ("jobhistory-get", "progress as a number", _set("/data/task/progress", 0.5)),
    ("jobhistory-get", "progress in percent", _set("/data/task/progress", "100.0")),
    ("jobhistory-get", "taskID as a string", _set("/data/task/taskID", "123")),
    (
        "jobhistory-get",
        "date as a string (the website sample)",
        _set("/data/task/createdTime", "2024-05-06 14:15:00"),
    ),
    (
        "jobhistory-get",
        "upper-case state (the website sample)",
        _set("/data/task/status", "FAILED"),
    ),
    (
        "jobhistory-get",
        "engineStartTime filled",
        _set("/data/task/engineStartTime", 1714975500000),
    ),
    ("jobhistory-get", "a key not emitted", _drop("/data/task/logPath")),
    (
        "jobhistory-list",
        "taskID as a string in a row",
        _set("/data/tasks/0/taskID", "123"),
    ),
    ("status-ok", "unknown state", _set("/data/status", "Finished")),
    ("status-ok", "lower-case state", _set("/data/status", "running")),
    ("progress-ok", "progress in percent", _set("/data/progress", 50)),
    ("progress-ok", "negative progress", _set("/data/progress", -0.1)),
    ("progress-ok", "progress as a string", _set("/data/progress", "0.5")),
    ("log-page", "three buckets", _set("/data/log", ["", "", ""])),
    ("log-page", "null bucket", _set("/data/log/0", None)),
    ("log-page", "negative fromLine", _set("/data/fromLine", -1)),
    ("log-page", "fromLine as a string", _set("/data/fromLine", "14")),
    ("open-file-table", "totalPage not 0", _set("/data/totalPage", 1)),
    ("open-file-table", "a number cell", _set("/data/fileContent/0/0", 28)),
    (
        "dir-file-trees",
        "size as a number",
        _set("/data/dirFileTrees/children/0/properties/size", 7900),
    ),
    ("dir-file-trees-missing", "dirFileTrees omitted", _drop("/data/dirFileTrees")),
    ("submit-not-logged-in", "method without the request URI", _set("/method", None)),
    (
        "status-routing-error",
        "backend method on an HTTP 200 error",
        _set("/method", "/api/entrance/exec_id/status"),
    ),
    ("open-log", "three buckets", _set("/data/log", ["", "", ""])),
]


@pytest.mark.parametrize(
    ("name", "what", "mutate"),
    BROKEN_VARIANTS,
    ids=[f"{n}: {w}" for n, w, _ in BROKEN_VARIANTS],
)
def test_broken_variant_is_rejected(
    spec: dict[str, Any],
    registry: referencing.Registry[Any],
    name: str,
    what: str,
    mutate: Callable[[dict[str, Any]], None],
) -> None:
    golden = _load_golden(GOLDEN_DIR / f"{name}.json")
    body = copy.deepcopy(golden["body"])
    mutate(body)
    assert body != golden["body"]
    assert _schema_errors(spec, registry, golden, body) != [], what


@pytest.mark.parametrize(
    ("name", "wrong_status"),
    [
        ("execute-ok", 400),  # success must not come as 400
        (
            "kill-not-owner",
            200,
        ),  # a backend error at HTTP 200 (the old docs' "always 200")
        ("jobhistory-get-not-found", 200),
        ("userinfo-not-logged-in", 401),  # userInfo without login is status 1, not -1
        ("submit-queue-full", 412),
    ],
)
def test_envelope_under_the_wrong_http_status_is_rejected(
    spec: dict[str, Any],
    registry: referencing.Registry[Any],
    name: str,
    wrong_status: int,
) -> None:
    golden = _load_golden(GOLDEN_DIR / f"{name}.json")
    method, path = golden["operation"].split(" ", 1)
    responses = spec["paths"][path][method.lower()]["responses"]
    if str(wrong_status) in responses:
        errors = _schema_errors(
            spec, registry, golden, golden["body"], http_status=wrong_status
        )
        assert errors != []
    else:
        assert (
            str(wrong_status) not in responses
        )  # undocumented: status_code_conformance fails


# ---------------------------------------------------------------------------- parameters and bodies


def _parameter(
    spec: dict[str, Any], method: str, path: str, name: str
) -> dict[str, Any]:
    for parameter in spec["paths"][path][method.lower()].get("parameters", []):
        parameter = _resolve(spec, parameter)
        if parameter["name"] == name:
            assert isinstance(parameter, dict)
            return parameter
    raise AssertionError(f"{method} {path} has no parameter {name}")


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        # negative → 0 (Linkis 1.4.0 EntranceRestfulApi.java)
        ("/entrance/{id}/log", "fromLine", -5),
        ("/entrance/{id}/log", "size", -1),  # negative → 10000
        ("/entrance/{id}/log", "size", 0),  # returns nothing, fromLine unchanged
        # page <= 0 → first page (Linkis 1.4.0 FileSplit.java)
        ("/filesystem/openFile", "page", 0),
        ("/filesystem/openFile", "page", -3),
        ("/jobhistory/list", "pageNow", 0),
    ],
)
def test_clamped_inputs_are_allowed(
    spec: dict[str, Any], path: str, name: str, value: int
) -> None:
    schema = _parameter(spec, "GET", path, name)["schema"]
    assert jsonschema.Draft202012Validator(schema).is_valid(value)


def test_log_parameters(spec: dict[str, Any]) -> None:
    for name in ("fromLine", "size", "distinctLevel"):
        assert not _parameter(spec, "GET", "/entrance/{id}/log", name).get(
            "required", False
        )


def test_status_and_kill_take_an_optional_numeric_taskid(spec: dict[str, Any]) -> None:
    for path in ("/entrance/{id}/status", "/entrance/{id}/kill"):
        parameter = _parameter(spec, "GET", path, "taskID")
        assert parameter["in"] == "query"
        assert not parameter.get("required", False)
        assert parameter["schema"]["type"] == "integer"


def test_proxy_takes_query_parameters(spec: dict[str, Any]) -> None:
    for name in ("proxyUser", "validationCode"):
        assert _parameter(spec, "GET", "/user/proxy", name)["in"] == "query"


def test_jobhistory_list_parameters(spec: dict[str, Any]) -> None:
    names = {
        _resolve(spec, p)["name"]
        for p in spec["paths"]["/jobhistory/list"]["get"]["parameters"]
    }
    assert names >= {
        "startDate", "endDate", "status", "pageNow", "pageSize", "taskID",
        "executeApplicationName", "creator", "proxyUser", "isAdminView", "instance",
    }  # fmt: skip


def _request_validator(
    spec: dict[str, Any], registry: referencing.Registry[Any], path: str
) -> jsonschema.Draft202012Validator:
    pointer = "/components/requestBodies/JobBody/content/application~1json/schema"
    assert (
        spec["paths"][path]["post"]["requestBody"]["$ref"]
        == "#/components/requestBodies/JobBody"
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry
    )


@pytest.mark.parametrize("path", ["/entrance/execute", "/entrance/submit"])
def test_both_body_styles_are_accepted_on_both_paths(
    spec: dict[str, Any], registry: referencing.Registry[Any], path: str
) -> None:
    validator = _request_validator(spec, registry, path)
    new_style = {  # Linkis 1.4.0 CommonEntranceParser.scala, the 1.x parser
        "executionContent": {"code": "show tables", "runType": "sql"},
        "params": {
            "variable": {"k": "v"},
            "configuration": {"startup": {}, "runtime": {}, "special": {}},
        },
        "source": {"scriptPath": "file:///tmp/x.sql"},
        "labels": {"engineType": "spark-2.4.3", "userCreator": "hadoop-IDE"},
    }
    old_style = {  # Linkis 1.4.0 CommonEntranceParser.scala, parseToOldTask
        "executeApplicationName": "hive",
        "requestApplicationName": "IDE",
        "executionCode": "show tables",
        "runType": "hql",
        "params": {"variable": {}, "configuration": {}},
        "source": {"scriptPath": "/home/Linkis/Linkis.sql"},
    }
    assert validator.is_valid(new_style)
    assert validator.is_valid(old_style)
    assert not validator.is_valid({"executionContent": {"code": "x"}})  # labels missing
    labels = {"engineType": "shell-1"}
    # runType is required unless a codeType label is given (20009); blank code is 20007
    assert not validator.is_valid({"executionContent": {"code": "x"}, "labels": labels})
    assert validator.is_valid(
        {"executionContent": {"code": "x"}, "labels": {**labels, "codeType": "shell"}}
    )
    assert not validator.is_valid(
        {"executionContent": {"code": " \n", "runType": "shell"}, "labels": labels}
    )
    assert not validator.is_valid({"code": "x"})


def test_job_body_examples_carry_a_short_simulator_directive(
    spec: dict[str, Any], registry: referencing.Registry[Any]
) -> None:
    validator = _request_validator(spec, registry, "/entrance/submit")
    examples = spec["components"]["requestBodies"]["JobBody"]["content"][
        "application/json"
    ]["examples"]
    assert len(examples) >= 2
    for name, example in examples.items():
        body = example["value"]
        assert validator.is_valid(body), name
        code = body.get("executionContent", {}).get("code") or body.get("executionCode")
        match = re.search(r"^# linkis-sim: .*duration=([0-9.]+)", code, re.MULTILINE)
        assert match, name
        assert float(match.group(1)) <= 1.0, name


# ---------------------------------------------------------------------------- links


def test_links_resolve_to_existing_operations(spec: dict[str, Any]) -> None:
    by_id = {
        operation["operationId"]: operation for _, _, operation in _operations(spec)
    }
    seen: dict[str, set[str]] = {}
    for method, path, operation in _operations(spec):
        for code, response in operation["responses"].items():
            for name, link in _resolve(spec, response).get("links", {}).items():
                link = _resolve(spec, link)
                target = by_id.get(link["operationId"])
                assert target is not None, f"{method} {path} {code} link {name}"
                declared = {
                    f"{_resolve(spec, p)['in']}.{_resolve(spec, p)['name']}"
                    for p in target.get("parameters", [])
                }
                for parameter, expression in link["parameters"].items():
                    assert parameter in declared, f"{name}: {parameter}"
                    assert expression.startswith("$response.body#/data/"), expression
                seen.setdefault(f"{method} {path}", set()).add(link["operationId"])
    job_targets = {
        "entranceStatus", "entranceProgress", "entranceProgressWithResource",
        "entranceLog", "entranceKill", "entrancePause", "jobHistoryGet",
    }  # fmt: skip
    assert seen["POST /entrance/submit"] >= job_targets
    assert seen["POST /entrance/execute"] >= job_targets


def test_link_expressions_point_into_the_submit_answer(
    spec: dict[str, Any], registry: referencing.Registry[Any]
) -> None:
    golden = _load_golden(GOLDEN_DIR / "submit-ok.json")["body"]
    links = spec["paths"]["/entrance/submit"]["post"]["responses"]["200"]["links"]
    for name, link in links.items():
        for expression in _resolve(spec, link)["parameters"].values():
            node: Any = golden
            for token in expression.split("#", 1)[1].strip("/").split("/"):
                node = node[token]
            assert isinstance(node, (str, int)), f"{name}: {expression}"


def test_execid_examples_parse_in_both_layouts(spec: dict[str, Any]) -> None:
    examples = spec["components"]["parameters"]["ExecIdPath"]["examples"]
    layouts = {ExecId.parse(example["value"]).layout for example in examples.values()}
    assert layouts == {ExecIdLayout.V1, ExecIdLayout.LEGACY}
    pattern = re.compile(
        spec["components"]["parameters"]["ExecIdPath"]["schema"]["pattern"]
    )
    assert all(pattern.search(example["value"]) for example in examples.values())


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0", True),
        ("030418IDEhivebdpdwc010004:10087IDE_johnnwang_21", True),
        ("0418hivebdpdwc010004:10087IDE_johnnwang_21", True),
        ("IDE_hadoop_spark_0", False),
        ("exec_idXYZ", False),
    ],
)
def test_answer_execids_accept_both_layouts_and_nothing_else(
    spec: dict[str, Any], value: str, valid: bool
) -> None:
    pattern = re.compile(spec["components"]["schemas"]["ExecId"]["pattern"])
    assert bool(pattern.search(value)) is valid
