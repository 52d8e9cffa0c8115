"""Envelope: status mapping, decoding, the envelope check, framework errors and masked crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.crash import CRASH_MARKER, DOCUMENTED_CRASHES, masked_crash
from linkis_harness.core.envelope import (
    Envelope,
    MessageStatus,
    check_envelope,
    http_status_for,
    is_framework_error,
)
from linkis_harness.errors import MalformedEnvelope

JSON = "application/json;charset=UTF-8"
STATUS_METHOD = "/api/entrance/exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0/status"
SPRING_500 = {
    "timestamp": "2024-05-06T14:07:33.007+0000",
    "path": "/api/rest_j/v1/jobhistory/list",
    "status": 500,
    "error": "Internal Server Error",
    "message": "",
    "requestId": "7d1e",
}


def _body(**fields: Any) -> bytes:
    envelope = {
        "method": "/api/entrance/submit",
        "status": 0,
        "message": "OK",
        "data": {},
    }
    envelope.update(fields)
    return json.dumps(envelope, ensure_ascii=False).encode()


def _titles(violations: list[Any]) -> list[str]:
    return [v.title for v in violations]


# --- status mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "http"), [(-1, 401), (0, 200), (1, 400), (2, 412), (3, 403), (4, 206)]
)
def test_http_mapping_matches_message_to_http_status(status: int, http: int) -> None:
    assert http_status_for(status) == http
    assert http_status_for(MessageStatus(status)) == http


@pytest.mark.parametrize("status", [5, -2, 500])
def test_unknown_status_has_no_mapping(status: int) -> None:
    with pytest.raises(
        ValueError, match=f"status {status} is not a Linkis MessageStatus"
    ):
        http_status_for(status)


# --- decoding --------------------------------------------------------------------------------


def test_from_json_decodes_bytes_str_and_mappings() -> None:
    raw = {"method": None, "status": 1, "message": "no", "data": {"x": 1}}
    expected = Envelope(None, 1, "no", {"x": 1})
    assert Envelope.from_json(json.dumps(raw).encode()) == expected
    assert Envelope.from_json(json.dumps(raw)) == expected
    assert Envelope.from_json(raw) == expected


def test_from_json_defaults_missing_or_null_fields() -> None:
    assert Envelope.from_json('{"status": 0}') == Envelope(None, 0, "", {})
    assert Envelope.from_json(
        '{"status": 0, "message": null, "data": null}'
    ) == Envelope(None, 0, "", {})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502</html>", "answer is not JSON"),
        (b"[1, 2]", "answer is a JSON list, not an envelope object"),
        (json.dumps(SPRING_500).encode(), "web framework's error body"),
        (b'{"detail": "Not Found"}', "web framework's error body"),
        (b'{"status": "0"}', "envelope 'status' must be an integer, got '0'"),
        (b'{"status": true}', "envelope 'status' must be an integer, got True"),
        (b'{"message": "OK"}', "envelope 'status' must be an integer, got None"),
        (
            b'{"status": 0, "method": 3}',
            "envelope 'method' must be a string or null, got 3",
        ),
        (b'{"status": 0, "message": 3}', "envelope 'message' must be a string, got 3"),
        (b'{"status": 0, "data": []}', "envelope 'data' must be an object, got list"),
    ],
)
def test_from_json_refuses_non_envelopes(body: bytes, message: str) -> None:
    with pytest.raises(MalformedEnvelope) as info:
        Envelope.from_json(body, http_status=502)
    assert message in str(info.value)
    assert info.value.http_status == 502
    assert "HTTP 502" in str(info.value)


def test_malformed_envelope_truncates_the_body() -> None:
    with pytest.raises(MalformedEnvelope) as info:
        Envelope.from_json(b"x" * 2000)
    assert len(info.value.body) == 500


@given(st.one_of(st.binary(max_size=60), st.text(max_size=60)))
def test_from_json_raises_only_malformed_envelope(body: bytes | str) -> None:
    try:
        envelope = Envelope.from_json(body)
    except MalformedEnvelope:
        return
    assert isinstance(envelope.status, int)


# --- check_envelope --------------------------------------------------------------------------


def test_real_success_answer_passes() -> None:
    body = _body(method=STATUS_METHOD, data={"status": "Running", "execID": "x"})
    assert (
        check_envelope(
            http_status=200, content_type=JSON, body=body, expected_method=STATUS_METHOD
        )
        == []
    )


@pytest.mark.parametrize(
    ("status", "http"), [(-1, 401), (0, 200), (1, 400), (2, 412), (3, 403), (4, 206)]
)
def test_every_mapped_status_passes(status: int, http: int) -> None:
    assert (
        check_envelope(http_status=http, content_type=JSON, body=_body(status=status))
        == []
    )


def test_http_200_for_an_error_is_a_violation() -> None:
    found = check_envelope(
        http_status=200, content_type=JSON, body=_body(status=1, message="no")
    )
    assert _titles(found) == ["HTTP status disagrees with envelope status"]
    assert found[0].check == "envelope"
    assert "status 1 (ERROR) must come with HTTP 400, got HTTP 200" in found[0].detail


def test_gateway_routing_errors_may_be_http_200() -> None:
    body = _body(
        status=1,
        method="/api/rest_j/v1/entrance/bad/status",
        message="String index out of range: 3",
    )
    for http in (200, 400):
        assert (
            check_envelope(
                http_status=http, content_type=JSON, body=body, gateway_routing=True
            )
            == []
        )
    success_on_400 = check_envelope(
        http_status=400, content_type=JSON, body=_body(), gateway_routing=True
    )
    assert _titles(success_on_400) == ["HTTP status disagrees with envelope status"]
    no_login_on_200 = check_envelope(
        http_status=200, content_type=JSON, body=_body(status=-1), gateway_routing=True
    )
    assert _titles(no_login_on_200) == ["HTTP status disagrees with envelope status"]


def test_unknown_status_is_a_violation() -> None:
    found = check_envelope(http_status=200, content_type=JSON, body=_body(status=7))
    assert _titles(found) == ["unknown envelope status"]
    assert "status 7" in found[0].detail


def test_missing_message_key_is_named() -> None:
    body = json.dumps(
        {"method": "/api/entrance/submit", "status": 0, "data": {}}
    ).encode()
    found = check_envelope(http_status=200, content_type=JSON, body=body)
    assert _titles(found) == ["envelope key 'message' missing"]
    assert "['data', 'method', 'status']" in found[0].detail


@pytest.mark.parametrize(
    ("fields", "key", "fragment"),
    [
        ({"status": "0"}, "status", "expected integer, got string '0'"),
        ({"status": True}, "status", "expected integer, got boolean True"),
        ({"method": 5}, "method", "expected string or null, got integer 5"),
        ({"message": None}, "message", "expected string, got null None"),
        ({"data": None}, "data", "expected object, got null"),
        ({"data": []}, "data", "expected object, got array"),
        ({"data": 1.5}, "data", "expected object, got number"),
    ],
)
def test_wrong_types_are_named(fields: dict[str, Any], key: str, fragment: str) -> None:
    found = check_envelope(http_status=200, content_type=JSON, body=_body(**fields))
    assert f"envelope {key!r} has the wrong type" in _titles(found)
    assert any(fragment in v.detail for v in found)


@pytest.mark.parametrize(
    "content_type", [None, "text/html", "text/plain;charset=UTF-8"]
)
def test_content_type_must_be_json(content_type: str | None) -> None:
    found = check_envelope(http_status=200, content_type=content_type, body=_body())
    assert _titles(found) == ["answer is not declared JSON"]
    assert repr(content_type) in found[0].detail


def test_json_suffix_content_types_pass() -> None:
    assert (
        check_envelope(
            http_status=200, content_type="application/problem+json", body=_body()
        )
        == []
    )
    assert (
        check_envelope(http_status=200, content_type="Application/JSON", body=_body())
        == []
    )


def test_non_json_body() -> None:
    found = check_envelope(
        http_status=502, content_type="text/html", body=b"<html>bad gateway</html>"
    )
    assert _titles(found) == ["answer is not declared JSON", "answer is not JSON"]
    assert "HTTP 502" in found[1].detail
    assert "bad gateway" in found[1].detail


def test_non_object_json() -> None:
    found = check_envelope(http_status=200, content_type=JSON, body=b'"OK"')
    assert _titles(found) == ["answer is not an envelope object"]
    assert "JSON string" in found[0].detail


def test_spring_error_body_is_named() -> None:
    found = check_envelope(
        http_status=500, content_type=JSON, body=json.dumps(SPRING_500).encode()
    )
    assert _titles(found) == ["framework error body instead of an envelope"]
    assert "HTTP 500" in found[0].detail
    assert "Internal Server Error" in found[0].detail


def test_method_must_name_the_operation_on_success() -> None:
    wrong = check_envelope(
        http_status=200,
        content_type=JSON,
        body=_body(method="/api/rest_j/v1/entrance/submit"),
        expected_method="/api/entrance/submit",
    )
    assert _titles(wrong) == ["envelope method does not name the operation"]
    assert (
        "expected '/api/entrance/submit', got '/api/rest_j/v1/entrance/submit'"
        in wrong[0].detail
    )
    null_on_success = check_envelope(
        http_status=200,
        content_type=JSON,
        body=_body(method=None),
        expected_method="/api/entrance/submit",
    )
    assert _titles(null_on_success) == ["envelope method does not name the operation"]


@pytest.mark.parametrize(
    "method",
    [None, STATUS_METHOD, STATUS_METHOD.replace("/api/", "/api/rest_j/v1/", 1)],
)
def test_error_answers_may_carry_null_or_the_request_uri(method: str | None) -> None:
    body = _body(status=1, method=method, message="no")
    assert (
        check_envelope(
            http_status=400, content_type=JSON, body=body, expected_method=STATUS_METHOD
        )
        == []
    )


def test_error_with_another_method_is_flagged() -> None:
    body = _body(status=1, method="/api/entrance/other/status", message="no")
    found = check_envelope(
        http_status=400, content_type=JSON, body=body, expected_method=STATUS_METHOD
    )
    assert _titles(found) == ["envelope method does not name the operation"]


def test_bad_method_type_is_not_also_reported_as_wrong_method() -> None:
    found = check_envelope(
        http_status=200,
        content_type=JSON,
        body=_body(method=1),
        expected_method="/api/x",
    )
    assert _titles(found) == ["envelope 'method' has the wrong type"]


# --- framework errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (SPRING_500, True),
        (
            {
                "timestamp": 1,
                "status": 405,
                "error": "Method Not Allowed",
                "path": "/x",
            },
            True,
        ),
        ({"detail": "Not Found"}, True),
        ({"detail": "x", "status": 1}, False),
        ({"method": None, "status": 0, "message": "OK", "data": {}}, False),
        ({"status": 1, "error": "x"}, False),
    ],
)
def test_is_framework_error(body: dict[str, Any], expected: bool) -> None:
    assert is_framework_error(body) is expected


def test_is_framework_error_is_false_for_non_mappings() -> None:
    assert is_framework_error(["detail"]) is False  # type: ignore[arg-type]


# --- masked crashes --------------------------------------------------------------------------

NPE = Envelope(
    "/api/entrance/x/progress",
    1,
    CRASH_MARKER + "NullPointerException: ",
    {"errorMsg": {"level": 2, "errCode": 0, "desc": "NullPointerException: "}},
)


def test_masked_npe_is_named() -> None:
    reason = masked_crash(NPE)
    assert reason is not None
    assert "uncaught NullPointerException" in reason
    assert "errCode is 0" in reason


@pytest.mark.parametrize(
    ("message", "data", "cause"),
    [
        (
            CRASH_MARKER + "ClassCastException: java.lang.String",
            {},
            "ClassCastException",
        ),
        (
            CRASH_MARKER + "java.lang.IllegalArgumentException: bad",
            {},
            "IllegalArgumentException",
        ),
        (CRASH_MARKER + "JsonMappingException: x", {}, "JsonMappingException"),
        ('NumberFormatException: For input string: "x"', {}, "NumberFormatException"),
        ("java.lang.NullPointerException", {}, "NullPointerException"),
        ("something went wrong", {"errorMsg": {"errCode": 0}}, None),
        (CRASH_MARKER + "no class here", {}, None),
    ],
)
def test_crash_signatures(
    message: str, data: dict[str, Any], cause: str | None
) -> None:
    reason = masked_crash(Envelope(None, 1, message, data))
    assert reason is not None
    assert (f"uncaught {cause}" if cause else "an uncaught exception") in reason


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope(
            None,
            0,
            CRASH_MARKER + "NullPointerException: ",
            {"errorMsg": {"errCode": 0}},
        ),
        Envelope(
            None,
            1,
            "error code(错误码): 12011, error message(错误信息): Unrecognized execId.",
            {"errorMsg": {"errCode": 12011}},
        ),
        Envelope(None, 1, "Validation failed", {}),
        Envelope(
            None, 1, "login failed! reason: NonLoginException: errCode: 11002", {}
        ),
        Envelope(None, 1, "Error: nope", {}),
        Envelope(None, 1, "You are not logged in", {"errorMsg": "text"}),
        Envelope(None, 1, "x", {"errorMsg": {"errCode": False}}),
        Envelope(None, -1, "NullPointerException", {}),
    ],
)
def test_ordinary_answers_are_not_crashes(envelope: Envelope) -> None:
    assert masked_crash(envelope) is None


def test_documented_real_answers_are_allowed_in_their_context() -> None:
    status_755 = Envelope(
        STATUS_METHOD,
        1,
        CRASH_MARKER + "NumberFormatException: null",
        {"errorMsg": {"errCode": 0}},
    )
    assert (
        masked_crash(
            status_755, allow=DOCUMENTED_CRASHES["status-without-taskid"].exceptions
        )
        is None
    )
    assert masked_crash(status_755) is not None
    kill_1538 = Envelope(
        None, 1, CRASH_MARKER + "NullPointerException: ", {"errorMsg": {"errCode": 0}}
    )
    assert (
        masked_crash(
            kill_1538, allow=DOCUMENTED_CRASHES["kill-without-taskid"].exceptions
        )
        is None
    )
    # The allowance is per exception: an NPE in the status context is still a crash.
    assert (
        masked_crash(
            kill_1538, allow=DOCUMENTED_CRASHES["status-without-taskid"].exceptions
        )
        is not None
    )


def test_allow_does_not_excuse_a_zero_code_without_a_named_cause() -> None:
    envelope = Envelope(None, 1, "boom", {"errorMsg": {"errCode": 0}})
    assert masked_crash(envelope, allow={"NullPointerException"}) is not None


@pytest.mark.parametrize(
    "message",
    [
        'NumberFormatException: For input string: "x1"',
        "java.lang.StringIndexOutOfBoundsException: String index out of range: 3",
        CRASH_MARKER + "IllegalArgumentException: The index 9 must be less than 5",
    ],
)
def test_malformed_exec_id_answers_are_allowed_in_their_context(message: str) -> None:
    envelope = Envelope("/api/rest_j/v1/entrance/x1/status", 1, message, {})
    assert masked_crash(envelope) is not None
    assert (
        masked_crash(envelope, allow=DOCUMENTED_CRASHES["malformed-execid"].exceptions)
        is None
    )


@given(
    st.sampled_from(list(MessageStatus)),
    st.sampled_from([200, 206, 400, 401, 403, 412, 500]),
    st.text(max_size=20),
)
def test_http_check_agrees_with_the_mapping(
    status: MessageStatus, http: int, message: str
) -> None:
    found = check_envelope(
        http_status=http,
        content_type=JSON,
        body=_body(status=int(status), message=message),
    )
    if http == http_status_for(status):
        assert found == []
    else:
        assert _titles(found) == ["HTTP status disagrees with envelope status"]
