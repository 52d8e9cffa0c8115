"""The `java.util.Properties` text format: logical lines, key/value split, escapes.

Like `java.util.Properties.load`: lines end at LF, CR or CRLF; comments (`#`, `!`) and blank
lines are skipped; a line ending in an odd number of backslashes continues on the next one;
key and value split at the first unescaped `=` or `:`; backslash escapes (`uXXXX` included)
are undone. `escape` writes text back so that it reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "WHITESPACE",
    "LogicalLine",
    "escape",
    "has_unescaped_space",
    "logical_lines",
    "rstrip_unescaped",
    "split_line",
    "unescape",
]

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
WHITESPACE = " \t\f"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One logical line: `line` is its first physical line (1-based), escapes still in `text`."""

    line: int
    text: str  # the logical line, continuations joined, escapes still in place


def logical_lines(text: str) -> Iterator[LogicalLine]:
    """Yield non-comment, non-blank logical lines with their first physical line number."""
    # Java's LineReader ends lines at \n, \r and \r\n only (not str.splitlines' extras).
    lines = _LINE_BREAK.split(text)
    index = 0
    while index < len(lines):
        start = index
        physical = lines[index].lstrip(WHITESPACE)
        index += 1
        if not physical or physical[0] in "#!":
            continue
        parts = []
        while _continues(physical):
            parts.append(physical[:-1])
            if index >= len(lines):
                physical = ""
                break
            physical = lines[index].lstrip(WHITESPACE)
            index += 1
        parts.append(physical)
        yield LogicalLine(line=start + 1, text="".join(parts))


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def unescape(text: str) -> str:
    r"""Undo backslash escapes; a malformed `\uXXXX` raises `ValueError`."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or any(
                c not in "0123456789abcdefABCDEF" for c in digits
            ):
                raise ValueError(f"malformed \\uXXXX escape {text[i : i + 6]!r}")
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return _join_surrogates("".join(out))


def _join_surrogates(text: str) -> str:
    """Combine UTF-16 surrogate pairs left by escapes into one character (Java strings are UTF-16)."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return text  # a lone surrogate stays as it is, like in Java


def split_line(text: str) -> tuple[str, str] | None:
    """Split a logical line at its first unescaped `=` or `:`; None when there is none."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=:":
            return text[:i], text[i + 1 :]
        i += 1
    return None


def rstrip_unescaped(text: str) -> str:
    """Strip trailing whitespace that is not escaped by a backslash."""
    while text and text[-1] in WHITESPACE:
        body = text[:-1]
        if (len(body) - len(body.rstrip("\\"))) % 2 == 1:
            break
        text = body
    return text


def has_unescaped_space(text: str) -> bool:
    """Whether `text` holds whitespace that no backslash escapes."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in WHITESPACE:
            return True
        i += 1
    return False


def escape(text: str, *, key: bool) -> str:
    """Escape a key (`key=True`) or a value so that `unescape` reads it back the same."""
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\t\n\r\f":
            out.append("\\" + {"\t": "t", "\n": "n", "\r": "r", "\f": "f"}[ch])
        elif ch == " " and (key or index == 0):
            out.append("\\ ")
        elif key and ch in "=:#!":
            out.append("\\" + ch)
        elif not ch.isprintable() or ch in "\u2028\u2029\x85\x1c\x1d\x1e":
            units = ch.encode("utf-16-be", "surrogatepass")
            for k in range(0, len(units), 2):
                out.append(f"\\u{int.from_bytes(units[k : k + 2]):04x}")
        else:
            out.append(ch)
    return "".join(out)
