"""execID codec: the 1.x `exec_id` layout and the legacy (0.x) layouts, both ways.

Layouts (Linkis 1.4.0 ZuulEntranceUtils.scala):

- 1.x: `exec_id` + 3-digit application-name length + 3-digit instance length + application
  + instance(s) + short id, e.g. `exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0`.
- legacy (0.x, still parsed by 1.x): 2-digit creator, application and instance lengths, then the
  three fields and the short id, e.g. `030418IDEhivebdpdwc010004:10087IDE_johnnwang_21`.
- the older legacy variant without a creator: 2-digit application and instance lengths only.
  Java tells the two legacy forms apart by "are the first 6 characters digits"; so do we, and
  `format()` refuses a creator-less id whose application starts with two digits.

The real encoder pads with `%03d`/`%02d` and silently corrupts the id when a field needs more
digits (>= 1000 / >= 100 characters); `format()` refuses such fields instead. An `ExecId` with
`creator=None` and the legacy layout is the creator-less variant. Lengths and offsets count
UTF-16 units as Java does (a character outside the BMP counts 2); `parse()` refuses a length
that ends inside such a character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from linkis_harness.errors import InvalidExecId

__all__ = ["EXEC_ID_PREFIX", "ExecId", "ExecIdLayout", "ShortId"]

EXEC_ID_PREFIX = "exec_id"
DEFAULT_APPLICATION = "linkis-cg-entrance"
_MAX_INDEX = 2**31 - 1  # the index is a Java int
_DIGITS = re.compile(r"[0-9]+")
_EXAMPLE_V1 = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0"


class ExecIdLayout(StrEnum):
    V1 = "1.x"
    LEGACY = "legacy"


def _is_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def _units(text: str) -> int:
    """Length as Java's `String.length()`: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True, slots=True)
class ShortId:
    """The scheduler event id `<group>_<index>` (index: position in the group's ring)."""

    group: str
    index: int

    @classmethod
    def parse(cls, text: str) -> ShortId:
        """Split `IDE_hadoop_spark_0` into group `IDE_hadoop_spark` and index 0."""
        group, sep, index = text.rpartition("_")
        if not sep:
            raise InvalidExecId(
                f"short id {text!r}: expected '<group>_<index>' such as 'IDE_hadoop_spark_0', found no '_'"
            )
        if not group:
            raise InvalidExecId(
                f"short id {text!r}: expected '<group>_<index>', the group before the last '_' is empty"
            )
        if not _is_digits(index):
            raise InvalidExecId(
                f"short id {text!r}: expected a decimal index after the last '_', got {index!r}"
            )
        value = int(index)
        if value > _MAX_INDEX:
            raise InvalidExecId(
                f"short id {text!r}: index {value} does not fit a Java int (max {_MAX_INDEX})"
            )
        return cls(group, value)

    def __str__(self) -> str:
        return f"{self.group}_{self.index}"


class _Reader:
    """A cursor over the id's UTF-16 units that explains where and why parsing stopped."""

    def __init__(self, text: str, layout: str) -> None:
        self.text = text
        self.layout = layout
        self.data = text.encode("utf-16-le", "surrogatepass")
        self.size = len(self.data) // 2
        self.pos = 0
        self.starts = {0}
        unit = 0
        for ch in text:
            unit += 2 if ord(ch) > 0xFFFF else 1
            self.starts.add(unit)

    def fail(self, what: str) -> InvalidExecId:
        return InvalidExecId(f"execID {self.text!r} ({self.layout} layout): {what}")

    def take(self, start: int, end: int) -> str:
        return self.data[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")

    def length(self, digits: int, field: str) -> int:
        start = self.pos
        chunk = self.take(start, start + digits)
        if len(chunk) < digits or not _is_digits(chunk):
            raise self.fail(
                f"at offset {start}: expected the {digits}-digit length of the {field}, got {chunk!r}"
            )
        self.pos += digits
        return int(chunk)

    def field(self, size: int, field: str) -> str:
        start = self.pos
        end = start + size
        if end > self.size:
            raise self.fail(
                f"the {field} length {size} runs past the end: it needs offsets {start}-{end - 1}, "
                f"the id has {self.size} UTF-16 units"
            )
        if size == 0:
            raise self.fail(
                f"at offset {start}: the {field} is empty (length prefix 0)"
            )
        if end not in self.starts:
            raise self.fail(
                f"the {field} length {size} ends at offset {end}, inside a character outside "
                "the BMP (lengths count UTF-16 units)"
            )
        self.pos = end
        return self.take(start, end)

    def rest(self) -> str:
        tail = self.take(self.pos, self.size)
        if not tail:
            raise self.fail(
                f"at offset {self.pos}: expected the short id '<group>_<index>', the id ends there"
            )
        try:
            ShortId.parse(tail)
        except InvalidExecId as exc:
            raise self.fail(f"at offset {self.pos}: {exc}") from None
        return tail


@dataclass(frozen=True, slots=True)
class ExecId:
    """An execID's fields. `creator` is only set for the legacy layout with creator."""

    layout: ExecIdLayout
    application: str
    instance: str
    short_id: str
    creator: str | None = None

    @classmethod
    def v1(
        cls, *, instance: str, short_id: str, application: str = DEFAULT_APPLICATION
    ) -> ExecId:
        """Build a 1.x execID (`exec_id…`) of an entrance instance `host:port`."""
        return cls(ExecIdLayout.V1, application, instance, short_id)

    @classmethod
    def legacy(
        cls, *, creator: str | None, application: str, instance: str, short_id: str
    ) -> ExecId:
        """Build a 0.x execID; `creator=None` gives the older variant without a creator."""
        return cls(ExecIdLayout.LEGACY, application, instance, short_id, creator)

    @classmethod
    def parse(cls, text: str) -> ExecId:
        """Read an execID in any known layout; raise `InvalidExecId` saying where it breaks."""
        if not isinstance(text, str):
            raise InvalidExecId(f"execID must be a string, got {type(text).__name__}")
        if not text:
            raise InvalidExecId(
                f"execID '': expected 'exec_id' + two 3-digit lengths + fields, e.g. {_EXAMPLE_V1!r}"
            )
        if text.startswith(EXEC_ID_PREFIX):
            return cls._parse_v1(text)
        if len(text) >= 6 and _is_digits(text[:6]):
            return cls._parse_legacy(text, with_creator=True)
        if len(text) >= 4 and _is_digits(text[:4]):
            return cls._parse_legacy(text, with_creator=False)
        raise InvalidExecId(
            f"execID {text!r}: expected 'exec_id' (1.x) or a run of 2-digit lengths (legacy) "
            f"at offset 0, got {text[:7]!r}; a 1.x id looks like {_EXAMPLE_V1!r}"
        )

    @classmethod
    def _parse_v1(cls, text: str) -> ExecId:
        reader = _Reader(text, "1.x")
        reader.pos = len(EXEC_ID_PREFIX)
        app_len = reader.length(3, "application name")
        inst_len = reader.length(3, "instance")
        application = reader.field(app_len, "application name")
        instance = reader.field(inst_len, "instance")
        return cls(ExecIdLayout.V1, application, instance, reader.rest())

    @classmethod
    def _parse_legacy(cls, text: str, *, with_creator: bool) -> ExecId:
        reader = _Reader(text, "legacy" if with_creator else "legacy without creator")
        creator_len = reader.length(2, "creator") if with_creator else 0
        app_len = reader.length(2, "application name")
        inst_len = reader.length(2, "instance")
        creator = reader.field(creator_len, "creator") if with_creator else None
        application = reader.field(app_len, "application name")
        instance = reader.field(inst_len, "instance")
        return cls(ExecIdLayout.LEGACY, application, instance, reader.rest(), creator)

    def format(self) -> str:
        """Encode the id; refuse fields the length prefixes cannot describe."""
        digits = 3 if self.layout is ExecIdLayout.V1 else 2
        fields: list[tuple[str, str]] = []
        if self.layout is ExecIdLayout.V1:
            if self.creator is not None:
                raise self._refuse(
                    "creator", self.creator, "the 1.x layout has no creator field"
                )
        elif self.creator is not None:
            fields.append(("creator", self.creator))
        fields += [("application name", self.application), ("instance", self.instance)]
        limit = 10**digits
        for name, value in fields:
            if not value:
                raise self._refuse(name, value, "it is empty")
            if _units(value) >= limit:
                raise self._refuse(
                    name,
                    value,
                    f"{_units(value)} UTF-16 units do not fit the {digits}-digit length prefix "
                    f"(max {limit - 1}); Linkis would silently corrupt the id",
                )
        try:
            ShortId.parse(self.short_id)
        except InvalidExecId as exc:
            raise self._refuse("short id", self.short_id, str(exc)) from None
        lengths = "".join(f"{_units(v):0{digits}d}" for _, v in fields)
        head = EXEC_ID_PREFIX if self.layout is ExecIdLayout.V1 else ""
        text = head + lengths + "".join(v for _, v in fields) + self.short_id
        if (
            self.layout is ExecIdLayout.LEGACY
            and self.creator is None
            and _is_digits(text[:6])
        ):
            raise self._refuse(
                "application name",
                self.application,
                "a creator-less legacy id whose fields start with two digits "
                "reads back as the legacy layout with creator",
            )
        return text

    def _refuse(self, name: str, value: str, why: str) -> InvalidExecId:
        shown = value if len(value) <= 40 else value[:37] + "..."
        return InvalidExecId(
            f"cannot format a {self.layout.value} execID: {name} {shown!r}: {why}"
        )

    @property
    def instances(self) -> tuple[str, ...]:
        """Entrance instances; the 1.x layout may join several with `_` (the gateway uses the first)."""
        if self.layout is ExecIdLayout.V1:
            return tuple(self.instance.split("_"))
        return (self.instance,)

    @property
    def short(self) -> ShortId:
        """The short id as group and index."""
        return ShortId.parse(self.short_id)

    def describe(self) -> dict[str, Any]:
        """Return the fields as JSON-ready values (what `linkis-harness execid` prints)."""
        short = self.short
        return {
            "format": self.layout.value,
            "application": self.application,
            "creator": self.creator,
            "instance": self.instance,
            "instances": list(self.instances),
            "short_id": self.short_id,
            "group": short.group,
            "index": short.index,
        }
