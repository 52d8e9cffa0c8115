"""The behaviour ledger as values: what real Linkis answers per release line, with sources.

Pure (stdlib only): `parse_rows` turns the mapping of one `docs/ledger/*.yaml` file into `Row`s
and names every problem (`LedgerError`); `Ledger` holds all rows, checks that ids are unique,
and answers the crash oracle's question "does a row say real Linkis throws here?"
(`Ledger.uncaught`). Reading the files is `resources.ledger`'s job. Format: docs/ledger/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from linkis_harness.errors import ConfigError

__all__ = [
    "LINES",
    "TAGS",
    "Answer",
    "Ledger",
    "LedgerError",
    "Probe",
    "Row",
    "Source",
    "Uncaught",
    "line_of",
    "parse_rows",
    "parse_span",
    "rows_citing",
]

# The release lines, oldest first; `1.2` stands for 1.2.0 and 1.3.x (docs/ledger/README.md).
LINES = ("1.0", "1.1", "1.2", "1.4", "1.5", "1.6", "1.7", "1.8")
# The tags read for each line (the tag `release-1.8.0`, not the branch of that name).
TAGS: Mapping[str, str] = MappingProxyType(
    {
        "1.0.2": "1.0",
        "release-1.0.3": "1.0",
        "release-1.1.1": "1.1",
        "1.1.3": "1.1",
        "1.2.0": "1.2",
        "1.3.2": "1.2",
        "1.4.0": "1.4",
        "1.5.0": "1.5",
        "1.6.0": "1.6",
        "1.7.0": "1.7",
        "release-1.8.0": "1.8",
    }
)
_METHODS = frozenset(
    {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"}
)
_ID = re.compile(r"[a-z][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_{}-]+){2,}")
# A path template's placeholders: one path segment each.
_PLACEHOLDER = re.compile(r"\\\{(execID|foreignExecID|taskID|id)\\\}")


_ABSENT = object()


class LedgerError(ConfigError):
    """A ledger file or row that breaks the format (the message names file and row)."""


def parse_span(text: str) -> tuple[str, ...]:
    """`1.0-1.4` → the lines from 1.0 to 1.4; `1.6` → (`1.6`,); `LedgerError` otherwise."""
    first, _, last = str(text).strip().partition("-")
    last = last or first
    if first not in LINES or last not in LINES:
        raise LedgerError(
            f"release span {text!r}: expected lines among {', '.join(LINES)}, e.g. 1.0-1.4 or 1.6"
        )
    low, high = LINES.index(first), LINES.index(last)
    if low > high:
        raise LedgerError(f"release span {text!r}: the first line is after the last")
    return LINES[low : high + 1]


def line_of(version: str) -> str:
    """Return the release line a version belongs to: `1.3.2` → `1.2`, `1.4.0` → `1.4`, `1.0.3` → `1.0`."""
    parts = version.strip().lstrip("v").split(".")
    key = ".".join(parts[:2]) if len(parts) >= 2 else f"{parts[0]}.0"
    if key == "1.3":
        return "1.2"
    if key not in LINES:
        raise LedgerError(f"version {version!r} is in no release line of the ledger")
    return key


@dataclass(frozen=True, slots=True)
class Source:
    """Where in the Linkis code an answer comes from."""

    tag: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.tag}:{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What one span of release lines answers to a row's request."""

    lines: tuple[str, ...]
    sources: tuple[Source, ...]
    http: int | None = None
    status: int | None = None
    message: str | None = None  # a regular expression (`re.search`)
    data: Mapping[str, Any] = field(default_factory=dict)  # "*": present, any value
    uncaught: bool = False
    note: str = ""
    empty: bool = False  # no body at all (and no Content-Type)

    def mismatches(
        self, http: int, body: Any, *, raw: bytes | None = None
    ) -> list[str]:
        """List what an actual answer (HTTP code, decoded JSON body) gets wrong against this one."""
        found: list[str] = []
        if self.http is not None and http != self.http:
            found.append(f"HTTP {http}, expected {self.http}")
        if self.empty and raw:
            found.append(f"a body of {len(raw)} bytes, expected none")
        envelope = body if isinstance(body, dict) else {}
        if self.status is not None and envelope.get("status") != self.status:
            found.append(f"status {envelope.get('status')!r}, expected {self.status}")
        if self.message is not None:
            message = envelope.get("message")
            # re.S: a message may quote the request's text, newlines included.
            if not isinstance(message, str) or not re.search(
                self.message, message, re.S
            ):
                found.append(f"message {message!r} does not match {self.message!r}")
        for key, want in self.data.items():
            value: Any = envelope.get("data")
            for part in key.split("."):  # `errorMsg.errCode`: a nested key
                value = value.get(part, _ABSENT) if isinstance(value, dict) else _ABSENT
            if value is _ABSENT:
                found.append(f"data.{key} missing")
            elif want != "*" and (value != want or type(value) is not type(want)):
                found.append(f"data.{key} is {value!r}, expected {want!r}")
        return found


@dataclass(frozen=True, slots=True)
class Probe:
    """A request that shows a row's answer (path below `/api/rest_j/v1`)."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None  # sent as is (JSON text, or "" for an empty body)
    headers: Mapping[str, str] = field(default_factory=dict)
    as_user: str | None = None  # None: the main user; "none": no session

    @property
    def operation(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (method, path below the prefix) is this probe's operation."""
        if method.upper() != self.method:
            return False
        pattern = _PLACEHOLDER.sub(r"[^/]+", re.escape(self.path))
        return re.fullmatch(pattern, path) is not None


@dataclass(frozen=True, slots=True)
class Row:
    """One behaviour: a request, and what each span of release lines answers."""

    id: str
    what: str
    answers: tuple[Answer, ...]
    probe: Probe | None = None
    relied_on_by: tuple[str, ...] = ()
    file: str = ""

    def answer_for(self, line: str) -> Answer | None:
        """Return the answer of one release line, or None when the row says nothing about it."""
        return next((a for a in self.answers if line in a.lines), None)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for line in LINES if self.answer_for(line) is not None)


@dataclass(frozen=True, slots=True)
class Uncaught:
    """A ledger row saying real Linkis throws for this request: the crash oracle accepts it."""

    row: Row
    answer: Answer
    line: str = ""

    @property
    def sources(self) -> tuple[Source, ...]:
        """The sources read at the release line's own tags (all of them when none is)."""
        own = tuple(s for s in self.answer.sources if TAGS.get(s.tag) == self.line)
        return own or self.answer.sources

    @property
    def reason(self) -> str:
        """One line for a report: the row, what Linkis does, and where in its code."""
        source = ", ".join(str(s) for s in self.sources[:2])
        text = (self.answer.note or self.row.what).split("; ")[0].rstrip(".")
        return f"ledger {self.row.id}: {text} (source: {source})"


class Ledger:
    """Every row of the ledger, by id (ids are unique across files)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows: dict[str, Row] = {}
        for row in rows:
            if row.id in self._rows:
                other = self._rows[row.id].file or "another file"
                raise LedgerError(
                    f"{row.file}: row {row.id!r}: the id is already used in {other}"
                )
            self._rows[row.id] = row

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._rows

    def __getitem__(self, row_id: str) -> Row:
        return self._rows[row_id]

    def __iter__(self) -> Any:
        return iter(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def uncaught(
        self, method: str, path: str, message: str, *, line: str
    ) -> Uncaught | None:
        """Return the row saying `line` throws with this message for this request, if there is one.

        `path` is below `/api/rest_j/v1`. The caller decides whether the request names something
        nonexistent (never the run's own job): the ledger knows requests, not the run.
        """
        for row in self._rows.values():
            if row.probe is None or not row.probe.matches(method, path):
                continue
            answer = row.answer_for(line)
            if (
                answer is not None
                and answer.uncaught
                and answer.message is not None
                and re.search(answer.message, message, re.S)  # a path may hold "\n"
            ):
                return Uncaught(row, answer, line)
        return None


def _need(entry: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = entry.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise LedgerError(f"{where}: `{key}` must be a {kind.__name__}, got {value!r}")
    return value


def _source(entry: Any, where: str) -> Source:
    if not isinstance(entry, Mapping):
        raise LedgerError(f"{where}: a source must be a mapping with tag, file, line")
    tag = str(entry.get("tag", ""))
    if tag not in TAGS:
        raise LedgerError(
            f"{where}: source tag {tag!r} is not one of {', '.join(TAGS)}"
        )
    file = _need(entry, "file", str, where)
    line = _need(entry, "line", int, where)
    if not file.strip() or line < 1:
        raise LedgerError(f"{where}: a source needs a file and a line >= 1")
    return Source(tag, file, line)


def _answer(entry: Any, where: str) -> Answer:
    if not isinstance(entry, Mapping):
        raise LedgerError(f"{where}: an answer must be a mapping")
    raw_lines = entry.get("lines")
    if not isinstance(raw_lines, str | float) or isinstance(raw_lines, bool):
        raise LedgerError(f"{where}: `lines` must be a span such as 1.0-1.4 or 1.6")
    lines = parse_span(str(raw_lines))  # YAML reads a bare 1.6 as a float
    sources = entry.get("sources")
    if not isinstance(sources, list) or not sources:
        raise LedgerError(f"{where}: every answer needs `sources` (tag, file, line)")
    message = entry.get("message")
    if message is not None:
        try:
            re.compile(str(message))
        except re.error as exc:
            raise LedgerError(f"{where}: message {message!r}: {exc}") from None
    data = entry.get("data") or {}
    if not isinstance(data, Mapping):
        raise LedgerError(f"{where}: `data` must be a mapping")
    for key in ("http", "status"):
        if key in entry and (
            not isinstance(entry[key], int) or isinstance(entry[key], bool)
        ):
            raise LedgerError(f"{where}: `{key}` must be an integer")
    return Answer(
        lines=lines,
        sources=tuple(_source(s, where) for s in sources),
        http=entry.get("http"),
        status=entry.get("status"),
        message=None if message is None else str(message),
        data=dict(data),
        uncaught=bool(entry.get("uncaught", False)),
        note=str(entry.get("note", "")).strip(),
        empty=bool(entry.get("empty", False)),
    )


def _probe(entry: Any, where: str) -> Probe:
    if not isinstance(entry, Mapping):
        raise LedgerError(f"{where}: `probe` must be a mapping")
    method = str(entry.get("method", "")).upper()
    if method not in _METHODS:
        raise LedgerError(f"{where}: probe method {entry.get('method')!r}")
    path = _need(entry, "path", str, where)
    if not path.startswith("/"):
        raise LedgerError(f"{where}: probe path {path!r} must start with '/'")
    query = entry.get("query") or {}
    headers = entry.get("headers") or {}
    if not isinstance(query, Mapping) or not isinstance(headers, Mapping):
        raise LedgerError(f"{where}: probe `query` and `headers` must be mappings")
    body = entry.get("body")
    as_user = entry.get("as")
    return Probe(
        method=method,
        path=path,
        query={str(k): str(v) for k, v in query.items()},
        body=None if body is None else str(body),
        headers={str(k): str(v) for k, v in headers.items()},
        as_user=None if as_user is None else str(as_user),
    )


def _row(entry: Any, where: str) -> Row:
    if not isinstance(entry, Mapping):
        raise LedgerError(f"{where}: a row must be a mapping")
    row_id = _need(entry, "id", str, where)
    if not _ID.fullmatch(row_id):
        raise LedgerError(f"{where}: id {row_id!r}: expected <area>.<operation>.<case>")
    where = f"{where} ({row_id})"
    answers = entry.get("answers")
    if not isinstance(answers, list) or not answers:
        raise LedgerError(f"{where}: a row needs at least one answer")
    parsed = tuple(_answer(a, f"{where} answer #{n}") for n, a in enumerate(answers, 1))
    seen: set[str] = set()
    for answer in parsed:
        overlap = seen.intersection(answer.lines)
        if overlap:
            raise LedgerError(
                f"{where}: line(s) {', '.join(sorted(overlap))} have two answers"
            )
        seen.update(answer.lines)
    relied = entry.get("relied_on_by") or []
    if not isinstance(relied, list):
        raise LedgerError(f"{where}: `relied_on_by` must be a list")
    probe = entry.get("probe")
    return Row(
        id=row_id,
        what=str(entry.get("what", "")).strip(),
        answers=parsed,
        probe=None if probe is None else _probe(probe, where),
        relied_on_by=tuple(str(r) for r in relied),
    )


def parse_rows(data: Any, *, source: str) -> list[Row]:
    """Parse the rows of one ledger file (its YAML already decoded); `LedgerError` names what is wrong."""
    if not isinstance(data, list):
        raise LedgerError(f"{source}: a ledger file is a list of rows")
    rows: list[Row] = []
    for number, entry in enumerate(data, 1):
        row = _row(entry, f"{source} row #{number}")
        rows.append(
            Row(row.id, row.what, row.answers, row.probe, row.relied_on_by, source)
        )
    return rows


def rows_citing(text: str) -> Sequence[str]:
    """Return the row ids a source text cites as `ledger: <id>`."""
    return re.findall(r"ledger: ([a-z][\w-]*(?:\.[\w{}-]+){2,})", text)
