"""execID codec: round trips, errors, prefix lengths, and the seed examples."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from linkis_harness.core.execid import ExecId, ExecIdLayout, ShortId
from linkis_harness.errors import InvalidExecId

SEED_LEGACY = "030418IDEhivebdpdwc010004:10087IDE_johnnwang_21"
SEED_V1 = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0"

field_text = st.text(
    alphabet=st.characters(max_codepoint=0xFFFF), min_size=1, max_size=40
)
short_ids = st.builds(
    ShortId, group=field_text, index=st.integers(min_value=0, max_value=2**31 - 1)
)


@st.composite
def exec_ids(draw: st.DrawFn) -> ExecId:
    short = str(draw(short_ids))
    kind = draw(st.sampled_from(["v1", "legacy", "legacy-no-creator"]))
    if kind == "v1":
        return ExecId.v1(
            application=draw(field_text), instance=draw(field_text), short_id=short
        )
    creator = draw(field_text) if kind == "legacy" else None
    return ExecId.legacy(
        creator=creator,
        application=draw(field_text),
        instance=draw(field_text),
        short_id=short,
    )


def _formats(exec_id: ExecId) -> str | None:
    try:
        return exec_id.format()
    except InvalidExecId:
        return None


# --- seed examples ---------------------------------------------------------------------------


def test_seed_legacy_example_parses_to_its_documented_fields() -> None:
    parsed = ExecId.parse(SEED_LEGACY)
    assert parsed.layout is ExecIdLayout.LEGACY
    assert parsed.creator == "IDE"
    assert parsed.application == "hive"
    assert parsed.instance == "bdpdwc010004:10087"
    assert parsed.short_id == "IDE_johnnwang_21"
    assert parsed.short == ShortId("IDE_johnnwang", 21)
    assert parsed.format() == SEED_LEGACY


def test_seed_v1_example_parses_and_describes() -> None:
    parsed = ExecId.parse(SEED_V1)
    assert parsed == ExecId.v1(instance="localhost:9104", short_id="IDE_hadoop_spark_0")
    assert parsed.describe() == {
        "format": "1.x",
        "application": "linkis-cg-entrance",
        "creator": None,
        "instance": "localhost:9104",
        "instances": ["localhost:9104"],
        "short_id": "IDE_hadoop_spark_0",
        "group": "IDE_hadoop_spark",
        "index": 0,
    }


def test_legacy_without_creator_is_the_four_digit_variant() -> None:
    text = "0418hivebdpdwc010004:10087IDE_johnnwang_21"
    parsed = ExecId.parse(text)
    assert parsed.creator is None
    assert parsed.application == "hive"
    assert parsed.instance == "bdpdwc010004:10087"
    assert parsed.format() == text


def test_v1_instances_split_on_underscore_and_legacy_keeps_one() -> None:
    two = ExecId.v1(instance="h1:9104_h2:9104", short_id="IDE_a_spark_3")
    assert two.instances == ("h1:9104", "h2:9104")
    assert ExecId.parse(two.format()).instances == ("h1:9104", "h2:9104")
    legacy = ExecId.legacy(
        creator="IDE", application="hive", instance="a_b:1", short_id="IDE_x_1"
    )
    assert legacy.instances == ("a_b:1",)


# --- properties ------------------------------------------------------------------------------


@given(exec_ids())
def test_parse_inverts_format(exec_id: ExecId) -> None:
    text = _formats(exec_id)
    assume(text is not None)
    assert text is not None
    assert ExecId.parse(text) == exec_id


@given(exec_ids())
def test_prefix_lengths_agree_with_fields(exec_id: ExecId) -> None:
    text = _formats(exec_id)
    assume(text is not None)
    assert text is not None
    if exec_id.layout is ExecIdLayout.V1:
        assert text.startswith("exec_id")
        digits, body = 3, text[len("exec_id") :]
        fields = [exec_id.application, exec_id.instance]
    else:
        digits, body = 2, text
        fields = [exec_id.application, exec_id.instance]
        if exec_id.creator is not None:
            fields.insert(0, exec_id.creator)
    prefix = body[: digits * len(fields)]
    lengths = [int(prefix[i : i + digits]) for i in range(0, len(prefix), digits)]
    assert lengths == [len(f.encode("utf-16-le", "surrogatepass")) // 2 for f in fields]
    assert body[digits * len(fields) :] == "".join(fields) + exec_id.short_id


@given(exec_ids())
def test_only_creatorless_ids_that_read_as_creator_form_are_refused(
    exec_id: ExecId,
) -> None:
    # Short fields always fit their prefix; the one refusal left is the ambiguity.
    if _formats(exec_id) is None:
        assert exec_id.layout is ExecIdLayout.LEGACY
        assert exec_id.creator is None
        assert (exec_id.application + exec_id.instance)[:2].isdigit()


@given(st.text(max_size=80))
def test_parse_raises_only_invalid_exec_id_on_arbitrary_text(text: str) -> None:
    try:
        parsed = ExecId.parse(text)
    except InvalidExecId as exc:
        error = str(exc)
    else:
        assert parsed.format() == text
        return
    assert repr(text) in error


@given(
    st.sampled_from(["exec_id", "0304", "030418", ""]),
    st.text(alphabet="0123456789_abc:", max_size=40),
)
def test_parse_raises_only_invalid_exec_id_on_prefixed_text(
    head: str, tail: str
) -> None:
    text = head + tail
    try:
        parsed = ExecId.parse(text)
    except InvalidExecId:
        return
    assert parsed.format() == text


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "ok"), [(999, True), (1000, False)])
def test_v1_field_lengths_must_fit_three_digits(size: int, ok: bool) -> None:
    for exec_id in (
        ExecId.v1(application="a" * size, instance="h:1", short_id="IDE_u_spark_0"),
        ExecId.v1(instance="h" * size, short_id="IDE_u_spark_0"),
    ):
        if ok:
            assert ExecId.parse(exec_id.format()) == exec_id
        else:
            with pytest.raises(
                InvalidExecId, match="1000 UTF-16 units do not fit the 3-digit"
            ):
                exec_id.format()


@pytest.mark.parametrize("field", ["creator", "application", "instance"])
@pytest.mark.parametrize(("size", "ok"), [(99, True), (100, False)])
def test_legacy_field_lengths_must_fit_two_digits(
    field: str, size: int, ok: bool
) -> None:
    values = {"creator": "IDE", "application": "hive", "instance": "h:1"}
    values[field] = "x" * size
    exec_id = ExecId.legacy(short_id="IDE_u_1", **values)
    if ok:
        assert ExecId.parse(exec_id.format()) == exec_id
    else:
        with pytest.raises(
            InvalidExecId, match="100 UTF-16 units do not fit the 2-digit"
        ) as info:
            exec_id.format()
        assert "legacy execID" in str(info.value)


@pytest.mark.parametrize(
    ("exec_id", "message"),
    [
        (ExecId.v1(instance="", short_id="IDE_u_0"), "instance '': it is empty"),
        (
            ExecId.v1(instance="h:1", application="", short_id="IDE_u_0"),
            "application name '': it is empty",
        ),
        (ExecId.v1(instance="h:1", short_id="nounderscore"), "found no '_'"),
        (ExecId.v1(instance="h:1", short_id="IDE_u_x"), "expected a decimal index"),
        (
            ExecId.v1(instance="h:1", short_id="_5"),
            "group before the last '_' is empty",
        ),
        (
            ExecId(ExecIdLayout.V1, "app", "h:1", "IDE_u_0", creator="IDE"),
            "the 1.x layout has no creator",
        ),
        (
            ExecId.legacy(
                creator=None, application="12hive", instance="h:1", short_id="I_1"
            ),
            "reads back as the legacy layout with creator",
        ),
        (
            ExecId.legacy(creator=None, application="1", instance="2h", short_id="I_1"),
            "reads back as the legacy layout with creator",
        ),
    ],
)
def test_format_refuses_ids_that_would_not_parse_back(
    exec_id: ExecId, message: str
) -> None:
    with pytest.raises(InvalidExecId, match="cannot format") as info:
        exec_id.format()
    assert message in str(info.value)


def test_long_field_is_shortened_in_the_refusal() -> None:
    with pytest.raises(InvalidExecId) as info:
        ExecId.v1(instance="h" * 1200, short_id="IDE_u_0").format()
    assert "h" * 37 + "..." in str(info.value)
    assert "h" * 41 not in str(info.value)


# --- parse errors name the input, the offset and what was expected ---------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "execID '': expected 'exec_id'"),
        (
            "hello",
            "execID 'hello': expected 'exec_id' (1.x) or a run of 2-digit lengths",
        ),
        (
            "exec_id01",
            "at offset 7: expected the 3-digit length of the application name, got '01'",
        ),
        (
            "exec_id018x14abc",
            "at offset 10: expected the 3-digit length of the instance, got 'x14'",
        ),
        (
            "exec_id018014linkis-cg-entrance",
            "the instance length 14 runs past the end: it needs offsets 31-44, the id has 31 UTF-16 units",
        ),
        ("exec_id000014", "at offset 13: the application name is empty"),
        (
            "exec_id018014linkis-cg-entrancelocalhost:9104",
            "at offset 45: expected the short id '<group>_<index>', the id ends there",
        ),
        (
            "exec_id018014linkis-cg-entrancelocalhost:9104IDE",
            "at offset 45: short id 'IDE': expected '<group>_<index>'",
        ),
        ("0304IDEhive", "(legacy without creator layout)"),
        ("03x418IDE", "at offset 0, got '03x418I'"),
        (
            "1234",
            "(legacy without creator layout): the application name length 12 runs past the end",
        ),
        (
            "030418IDEhi",
            "(legacy layout): the application name length 4 runs past the end",
        ),
        (
            "exec_id018014linkis-cg-entrancelocalhost:9104IDE_u_99999999999",
            "does not fit a Java int",
        ),
        (
            "exec_id\U0001f600",
            "at offset 7: expected the 3-digit length of the application name",
        ),
        (
            "exec_id002002a\U0001f600\U0001f600IDE_u_0",
            "the application name length 2 ends at offset 15, inside a character outside the BMP",
        ),
    ],
)
def test_parse_errors_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(InvalidExecId) as info:
        ExecId.parse(text)
    assert message in str(info.value)
    if text:
        assert repr(text) in str(info.value)


def test_parse_refuses_non_strings() -> None:
    with pytest.raises(InvalidExecId, match="must be a string, got int"):
        ExecId.parse(42)  # type: ignore[arg-type]


def test_invalid_exec_id_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="execID"):
        ExecId.parse("nope")


# --- short ids -------------------------------------------------------------------------------


@given(short_ids)
def test_short_id_parse_inverts_str(short: ShortId) -> None:
    assert ShortId.parse(str(short)) == short


def test_short_id_group_keeps_inner_underscores() -> None:
    assert ShortId.parse("IDE_hadoop_spark_0") == ShortId("IDE_hadoop_spark", 0)
    assert str(ShortId("Concurrent_jdbc", 12)) == "Concurrent_jdbc_12"


def test_lengths_count_utf16_units_like_java() -> None:
    # Real Linkis builds ids from user-supplied creators; Java's String.length() counts a
    # character outside the BMP as 2, so the prefix says 2 for one emoji.
    exec_id = ExecId.legacy(
        creator="\U0001f600",
        application="hive",
        instance="h:1",
        short_id="\U0001f600_x_1",
    )
    text = exec_id.format()
    assert text.startswith("020403\U0001f600hive")
    assert ExecId.parse(text) == exec_id


def test_lone_surrogates_count_one_unit() -> None:
    exec_id = ExecId.v1(application="a\udb94", instance="h:1", short_id="IDE_u_0")
    text = exec_id.format()
    assert text.startswith("exec_id002003")
    assert ExecId.parse(text) == exec_id
