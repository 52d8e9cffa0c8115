"""The simulator's pure pieces: Java-style execID routing and number parsing, fault and user
parsing, the openLog classification, and the log script's O(page) reads."""

from __future__ import annotations

import pytest

from linkis_harness.core.directive import engine_output_size
from linkis_harness.errors import ConfigError
from linkis_harness.simulator.auth import parse_users
from linkis_harness.simulator.faults import FAULTS, Faults, parse_faults
from linkis_harness.simulator.filesystem import open_log_buckets
from linkis_harness.simulator.javanum import INT_BITS, JavaNumberError, parse_java
from linkis_harness.simulator.joblog import EngineChunk, FixedChunk, LogScript
from linkis_harness.simulator.routing import RouteError, parse_exec_id, route_exec_id

EXEC_ID = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0"


def test_exec_ids_split_like_zuul_entrance_utils() -> None:
    assert parse_exec_id(EXEC_ID) == (
        "exec_id",
        "linkis-cg-entrance",
        "localhost:9104",
        "IDE_hadoop_spark_0",
    )
    legacy = "030418IDEhivebdpdwc010004:10087IDE_johnnwang_21"
    assert parse_exec_id(legacy) == (
        "IDE",
        "hive",
        "bdpdwc010004:10087",
        "IDE_johnnwang_21",
    )


@pytest.mark.parametrize(
    ("text", "root_cause"),
    [
        ("exec_id", "StringIndexOutOfBoundsException: String index out of range: 3"),
        (
            "exec_idx1y014linkis-cg-entrance",
            'NumberFormatException: For input string: "x1y"',
        ),
        (
            "exec_id018099linkis-cg-entrancelocalhost:9104",
            "StringIndexOutOfBoundsException: String index out of range: 123",
        ),
        ("a", "StringIndexOutOfBoundsException: String index out of range: 2"),
        ("ab", 'NumberFormatException: For input string: "ab"'),
    ],
)
def test_bad_exec_ids_fail_with_the_java_exception_text(
    text: str, root_cause: str
) -> None:
    with pytest.raises(RouteError) as caught:
        parse_exec_id(text)
    assert caught.value.root_cause == root_cause


def test_routing_needs_one_known_service_but_not_our_instance() -> None:
    assert (
        route_exec_id(EXEC_ID, instance="localhost:9104").short_id
        == "IDE_hadoop_spark_0"
    )
    # reflesh disabled (the default): the instance is never checked
    foreign = route_exec_id(EXEC_ID, instance="localhost:9105")
    assert foreign.short_id == "IDE_hadoop_spark_0"
    assert foreign.service == "linkis-cg-entrance"
    with pytest.raises(RouteError, match="does not exist any instances"):
        route_exec_id(
            "exec_id003014zzzlocalhost:9104IDE_a_b_0", instance="localhost:9104"
        )
    with pytest.raises(RouteError, match=r"Cannot find a correct serviceId"):
        route_exec_id(
            "exec_id006014linkislocalhost:9104IDE_a_b_0", instance="localhost:9104"
        )
    other = route_exec_id(
        "exec_id013014publicservicelocalhost:9104IDE_a_b_0", instance="localhost:9104"
    )
    assert other.service == "linkis-ps-publicservice"


@pytest.mark.parametrize(
    "text", ["9223372036854775808", "", "1.0", "٣", "0x10", " 1", None]
)
def test_java_long_parsing_refuses_what_java_refuses(text: str | None) -> None:
    with pytest.raises(JavaNumberError) as caught:
        parse_java(text)
    assert caught.value.root_cause.startswith("NumberFormatException: ")


def test_java_number_parsing_accepts_signs_and_the_full_range() -> None:
    assert parse_java("-9223372036854775808") == -(2**63)
    assert parse_java("+7") == 7
    with pytest.raises(JavaNumberError):
        parse_java("2147483648", bits=INT_BITS)


def test_faults_parse_combined_and_refuse_unknown_names_with_a_hint() -> None:
    assert parse_faults(None) == Faults()
    both = parse_faults("kill-noop, log-overshoot")
    assert both.kill_noop
    assert both.log_overshoot
    assert not both.auth_bypass
    with pytest.raises(ConfigError, match="Did you mean 'kill-noop'"):
        parse_faults("kill-nop")


def test_every_fault_has_exactly_one_predicate() -> None:
    for name in FAULTS:
        assert getattr(Faults(frozenset({name})), name.replace("-", "_")) is True
        assert getattr(Faults(), name.replace("-", "_")) is False


def test_users_file_parsing() -> None:
    assert parse_users("# users\nAlice = pw\n\nbob=x=y\n", source="u.txt") == {
        "alice": "pw",
        "bob": "x=y",
    }
    with pytest.raises(ConfigError, match=r"u.txt:2: expected 'user=password'"):
        parse_users("a=b\nnonsense\n", source="u.txt")


def test_open_log_lines_inherit_the_last_level_and_keep_newlines() -> None:
    lines = [
        "before any level",
        "2024-05-06 14:07:33.007 ERROR boom",
        "    at x.y(Z.java:1)",
        "2024-05-06 14:07:34.007 INFO fine",
    ]
    error, warn, info, every = open_log_buckets(lines)
    assert error == "2024-05-06 14:07:33.007 ERROR boom\n    at x.y(Z.java:1)\n"
    assert warn == ""
    assert info == "2024-05-06 14:07:34.007 INFO fine\n"
    assert every == "\n".join(lines) + "\n"


def test_a_log_script_reveals_its_chunks_over_time() -> None:
    script = LogScript(
        (
            FixedChunk(0.0, ("a", "b")),
            EngineChunk(10.0, 20.0, 100),
            FixedChunk(20.0, ("end",)),
        )
    )
    assert script.size(5.0) == 2
    assert script.size(15.0) == 2 + engine_output_size(50)
    assert script.size(25.0) == 2 + engine_output_size(100) + 1
    page = script.lines(0, 5, 25.0)
    assert page[:2] == ["a", "b"]
    assert page[2].endswith("INFO linkis-harness: log line 1 of 100")
    assert script.lines(script.size(25.0) - 1, 10**9, 25.0) == ["end"]
    killed = EngineChunk(10.0, 20.0, 100, cut=30)
    assert killed.visible(25.0) == engine_output_size(30)
