"""The gateway's token table `linkis_mg_gateway_auth_token` (1.1.1+): read it, answer like Linkis.

Read from a CSV export (header row with the column names) or a SQL `INSERT` export (a whole
`linkis_dml.sql` works: other tables' statements are skipped). `TokenRow` answers the way
`TokenImpl` does (release-1.1.1 `TokenImpl.scala:58-72,85-106,154-156`, unchanged to
release-1.8.0): `legal_users` and `legal_hosts` are split on `,` with no trimming, `*` as any
entry admits everyone, a blank list admits nobody; a token is stale once
`now > create_time + elapse_day days` (`elapse_day = -1`: never). `token_verdict` is
`CachedTokenService.doAuth`: unknown (15201 before 1.5, 15207 from 1.5), stale 15201, user
15202, host 15203, in that order. Pure: `today`/`now` are passed in. (ledger: gateway.token.lists,
gateway.token.expiry, gateway.token.do-auth-order)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from linkis_harness.core.rules import java_split
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError

__all__ = [
    "COLUMNS",
    "TABLE",
    "TokenRow",
    "TokenTable",
    "TokenVerdict",
    "parse_now",
    "parse_token_table",
    "token_verdict",
]

TABLE = "linkis_mg_gateway_auth_token"
# linkis_ddl.sql (1.1.1-1.8.0): the table's columns in declaration order.
COLUMNS = (
    "id",
    "token_name",
    "legal_users",
    "legal_hosts",
    "business_owner",
    "create_time",
    "update_time",
    "elapse_day",
    "update_by",
)
_REQUIRED = ("token_name", "legal_users", "legal_hosts", "create_time", "elapse_day")
_V1_5 = Version(1, 5)
RANDOM = "<random>"  # a name part MySQL computes at install time (MD5(RAND()))


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One row of the table; `users`/`hosts` are the raw column values ('' for NULL)."""

    name: str
    users: str
    hosts: str
    elapse_day: int
    create_time: date | None
    line: int
    random_name: bool = False  # the name is computed (concat('QML-', MD5(RAND())))
    business_owner: str = ""

    @property
    def user_list(self) -> tuple[str, ...]:
        return java_split(self.users) if self.users.strip() else ()

    @property
    def host_list(self) -> tuple[str, ...]:
        return java_split(self.hosts) if self.hosts.strip() else ()

    def allows_user(self, user: str) -> bool:
        """`TokenImpl.isUserLegal`: `*` is an entry, or `user` is an entry."""
        entries = self.user_list
        return "*" in entries or user in entries

    def allows_host(self, host: str) -> bool:
        """`TokenImpl.isHostLegal`: `*` is an entry, or `host` is an entry (exact)."""
        entries = self.host_list
        return "*" in entries or host in entries

    @property
    def expires(self) -> datetime | None:
        """When the token goes stale (None: never, or no create_time)."""
        if self.elapse_day == -1 or self.create_time is None:
            return None
        start = datetime(
            self.create_time.year, self.create_time.month, self.create_time.day
        )
        return start + timedelta(days=self.elapse_day)

    def stale(self, now: datetime) -> bool:
        """`TokenImpl.isStale`; a NULL create_time fails in Linkis (NPE): refused as stale."""
        if self.elapse_day == -1:
            return False
        expires = self.expires
        return expires is None or now > expires


@dataclass(frozen=True, slots=True)
class TokenTable:
    """The rows of one export, in file order (duplicates kept: lint reports them)."""

    source: str
    rows: tuple[TokenRow, ...]

    def get(self, name: str) -> TokenRow | None:
        """Return the row a lookup by `token_name` finds (the last one, like a reload)."""
        found = None
        for row in self.rows:
            if row.name == name and not row.random_name:
                found = row
        return found

    def effective(self) -> tuple[TokenRow, ...]:
        last = {row.name: row for row in self.rows}
        return tuple(r for r in self.rows if last[r.name] is r and not r.random_name)


@dataclass(frozen=True, slots=True)
class TokenVerdict:
    """`doAuth`'s outcome: code 0 admitted, else the 152xx error that refuses it."""

    code: int
    reason: str

    @property
    def admitted(self) -> bool:
        return self.code == 0


def token_verdict(
    table: TokenTable,
    token: str,
    user: str,
    host: str,
    *,
    now: datetime,
    version: Version,
    check_host: bool = True,
    check_expiry: bool = True,
) -> TokenVerdict:
    """`CachedTokenService.doAuth` (release-1.1.1:140-156, 1.5.0+:168-196)."""
    row = table.get(token)
    if row is None:
        if version >= _V1_5:
            return TokenVerdict(15207, "token not in the table")
        return TokenVerdict(15201, "token not in the table")
    if check_expiry and row.stale(now):
        return TokenVerdict(15201, "token stale")
    if not row.allows_user(user):
        return TokenVerdict(15202, "user not in legal_users")
    if check_host and not row.allows_host(host):
        return TokenVerdict(15203, "host not in legal_hosts")
    return TokenVerdict(0, "admitted")


# --- parsing ---------------------------------------------------------------------------------


def parse_now(text: str | None, *, option: str = "--now") -> datetime | None:
    """Parse `--now` (ISO date or date-time, local time); `ConfigError` names the bad value."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{option} {text!r}: expected a date or date-time such as 2026-03-01 or "
            "2026-03-01T12:00"
        ) from None


def parse_token_table(text: str, *, source: str, today: date) -> TokenTable:
    """Parse a CSV or SQL export; `ConfigError` (`file:line: …`) for anything Linkis would not hold.

    `today` stands for `curdate()`/`NOW()` in SQL seeds.
    """
    if re.search(r"\binsert\s+(?:ignore\s+)?into\b", text, re.IGNORECASE):
        rows = list(_sql_rows(text, source, today))
    else:
        rows = list(_csv_rows(text, source))
    return TokenTable(source, tuple(rows))


def _column(name: str) -> str:
    return name.strip().strip("`\"'").strip().lower()


def _check_columns(columns: Sequence[str], source: str, line: int) -> None:
    for name in columns:
        if name not in COLUMNS:
            raise ConfigError(
                f"{source}:{line}: unknown column {name!r} for {TABLE} "
                f"(expected some of {', '.join(COLUMNS)})"
            )
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise ConfigError(
            f"{source}:{line}: no {', '.join(missing)} column; {TABLE} exports need "
            f"{', '.join(_REQUIRED)}"
        )


def _csv_rows(text: str, source: str) -> Iterator[TokenRow]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for record in reader:
        if not record or all(not cell.strip() for cell in record):
            continue
        if header is None:
            header = [_column(c) for c in record]
            _check_columns(header, source, reader.line_num)
            continue
        if len(record) != len(header):
            raise ConfigError(
                f"{source}:{reader.line_num}: {len(record)} values for {len(header)} columns"
            )
        values: dict[str, object] = {
            k: (None if v.strip() in ("NULL", "\\N") else v)
            for k, v in zip(header, record, strict=True)
        }
        yield _row(values, source, reader.line_num, today=None)
    if header is None:
        raise ConfigError(
            f"{source}: empty; expected a header row ({', '.join(_REQUIRED)}) or SQL INSERTs"
        )


def _parse_date(value: object, column: str, source: str, line: int) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ConfigError(
            f"{source}:{line}: {column} {text!r} is not a date "
            "(expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"
        ) from None


def _row(
    values: dict[str, object], source: str, line: int, *, today: date | None
) -> TokenRow:
    name = values.get("token_name")
    random_name = isinstance(name, str) and RANDOM in name
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{source}:{line}: token_name is empty")
    elapse = values.get("elapse_day")
    try:
        elapse_day = int(str(elapse).strip())
    except ValueError:
        raise ConfigError(
            f"{source}:{line}: elapse_day {elapse!r} is not a whole number of days (-1: never expires)"
        ) from None
    created = values.get("create_time")
    create_time = (
        today
        if created is _TODAY
        else _parse_date(created, "create_time", source, line)
    )
    _parse_date(
        None if values.get("update_time") is _TODAY else values.get("update_time"),
        "update_time",
        source,
        line,
    )

    def text(column: str) -> str:
        value = values.get(column)
        if value is _TODAY:
            raise ConfigError(f"{source}:{line}: {column} is a date function")
        return "" if value is None else str(value)

    return TokenRow(
        name=name,
        users=text("legal_users"),
        hosts=text("legal_hosts"),
        elapse_day=elapse_day,
        create_time=create_time,
        line=line,
        random_name=random_name,
        business_owner=text("business_owner"),
    )


# --- SQL -------------------------------------------------------------------------------------


class _Today:
    """`curdate()`, `NOW()` and friends: the day the seed ran."""


_TODAY = _Today()
_INSERT = re.compile(
    r"\binsert\s+(?:ignore\s+)?into\s+(`?[\w.]+`?)\s*(\([^)]*\))?\s*values\s*",
    re.IGNORECASE,
)
_DATE_FUNCTIONS = frozenset(
    {"curdate", "now", "current_date", "current_timestamp", "sysdate", "date_format"}
)


@dataclass
class _Scanner:
    text: str
    pos: int
    source: str

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def fail(self, what: str) -> ConfigError:
        near = self.text[self.pos : self.pos + 20].split("\n")[0]
        return ConfigError(f"{self.source}:{self.line}: {what} near {near!r}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt))
                self.pos += 2
                continue
            if ch == quote:
                if self.text[self.pos + 1 : self.pos + 2] == quote:
                    out.append(quote)
                    self.pos += 2
                    continue
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise self.fail("unterminated string")

    def value(self) -> object:
        ch = self.peek()
        if ch in ("'", '"'):
            return self.string()
        match = re.compile(r"-?\d+(?:\.\d+)?|[A-Za-z_]\w*").match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a value")
        self.pos = match.end()
        word = match.group(0)
        if word.upper() == "NULL":
            return None
        if word[0].isdigit() or word[0] == "-":
            return word
        if self.peek() != "(":
            raise self.fail(f"unexpected word {word!r}")
        self.pos += 1
        args: list[object] = []
        if self.peek() == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.value())
                if self.peek() == ",":
                    self.pos += 1
                    continue
                self.expect(")")
                break
        return _call(word.lower(), args)

    def tuple(self) -> list[object]:
        self.expect("(")
        values = [self.value()]
        while self.peek() == ",":
            self.pos += 1
            values.append(self.value())
        self.expect(")")
        return values


def _call(name: str, args: list[object]) -> object:
    if name in _DATE_FUNCTIONS:
        return _TODAY
    if name == "concat":
        return "".join(RANDOM if not isinstance(a, str) else a for a in args)
    return RANDOM  # MD5(RAND()), UUID(): decided by MySQL at install time


def _sql_rows(text: str, source: str, today: date) -> Iterator[TokenRow]:
    pos = 0
    while True:
        match = _INSERT.search(text, pos)
        if match is None:
            return
        scanner = _Scanner(text, match.end(), source)
        table = match.group(1).strip("`").split(".")[-1].strip("`").lower()
        columns = (
            [_column(c) for c in match.group(2)[1:-1].split(",")]
            if match.group(2)
            else list(COLUMNS)
        )
        if table != TABLE:
            pos = _statement_end(text, match.end())
            continue
        _check_columns(columns, source, scanner.line)
        while True:
            scanner.skip()
            line = scanner.line
            values = scanner.tuple()
            if len(values) != len(columns):
                raise scanner.fail(f"{len(values)} values for {len(columns)} columns")
            row = dict(zip(columns, values, strict=True))
            yield _row(row, source, line, today=today)
            if scanner.peek() == ",":
                scanner.pos += 1
                continue
            break
        pos = scanner.pos


def _statement_end(text: str, pos: int) -> int:
    """Return the position after the `;` ending the statement at `pos` (strings skipped)."""
    quote = ""
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            return pos + 1
        pos += 1
    return pos
