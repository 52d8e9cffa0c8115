"""Java's number parsing (`Long.parseLong`, `Integer.parseInt`), whose failures Linkis answers with.

Inside Linkis code a bad number is a `NumberFormatException` caught by the aspect (status 1);
where Spring binds a `Long`/`Integer` parameter, the same failure is Spring's 400 body.
"""

from __future__ import annotations

__all__ = ["INT_BITS", "LONG_BITS", "JavaNumberError", "java_long", "parse_java"]

LONG_BITS = 64
INT_BITS = 32


class JavaNumberError(ValueError):
    """A `NumberFormatException`; `root_cause` is how `ExceptionUtils.getRootCauseMessage` shows it."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        detail = "null" if text is None else f'For input string: "{text}"'
        self.root_cause = f"NumberFormatException: {detail}"
        super().__init__(self.root_cause)


def parse_java(text: str | None, *, bits: int = LONG_BITS) -> int:
    """Parse like `Long.parseLong` (or `Integer.parseInt` with `bits=32`): ASCII digits, one sign, in range."""
    if text is None:
        raise JavaNumberError(None)
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise JavaNumberError(text)
    value = int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise JavaNumberError(text)
    return value


def java_long(text: str | None) -> int | str:
    """`Long.parseLong`: the number, or the NumberFormatException root cause."""
    try:
        return parse_java(text)
    except JavaNumberError as exc:
        return exc.root_cause
