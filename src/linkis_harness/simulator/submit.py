"""Turning an execute/submit body into a job record, with the entrance parser's real refusals.

Both endpoints accept both body styles; the key `executionContent` selects the 1.x parser
(`CommonEntranceParser`). Checks and their error codes follow
Linkis 1.4.0 CommonEntranceParser.scala.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_VERSIONS", "Refusal", "parse_task", "stored_code"]

DEFAULT_CREATOR = "IDE"
DEFAULT_VERSIONS = {
    "spark": "2.4.3",
    "hive": "2.3.3",
    "python": "python2",
    "shell": "1",
    "jdbc": "4",
    "pipeline": "1",
    "presto": "0.234",
    "io_file": "1.0",
    "appconn": "1",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A `LinkisException` the parser or an interceptor throws (`persisted`: after the row exists)."""

    code: int
    desc: str
    persisted: bool = False


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def parse_task(
    body: dict[str, Any], *, user: str, login_user: str
) -> dict[str, Any] | Refusal:
    """Return the job record fields for `JobStore.create`, or why the entrance refuses the body."""
    parsed = _parse_v1(body) if "executionContent" in body else _parse_old(body)
    if isinstance(parsed, Refusal):
        return parsed
    labels, code, run_type, style = parsed
    engine_type = labels.get("engineType", "")
    if (
        "-" not in engine_type
        or engine_type.startswith("-")
        or engine_type.endswith("-")
    ):
        return Refusal(
            20009,
            f"Label params invalid(标签参数无效): engineType label {engine_type!r} is not 'type-version'",
        )
    default_creator = DEFAULT_CREATOR
    if style == "execute":
        default_creator = _text(body.get("requestApplicationName")) or DEFAULT_CREATOR
    creator_label = labels.setdefault("userCreator", f"{user}-{default_creator}")
    label_user, sep, creator = creator_label.partition("-")
    if not sep or not label_user or not creator:
        return Refusal(
            20009,
            f"Label params invalid(标签参数无效): userCreator label {creator_label!r} is not 'user-creator'",
        )
    labels.setdefault("codeType", run_type)
    record: dict[str, Any] = {
        "submit_user": login_user,
        "execute_user": user,
        "creator": creator,
        "engine_type": engine_type,
        "run_type": run_type,
        "code": code,
        "style": style,
        "labels": labels,
        "params": _map(body.get("params")),
        "source": {**_map(body.get("source")), "requestIP": "127.0.0.1"},
    }
    if label_user.lower() != user.lower():
        record["refusal"] = Refusal(
            50080,
            f"userCreator label user {label_user} is not the same as the execute user {user}"
            "(userCreator标签的用户与执行用户不一致)",
            persisted=True,
        )
    return record


def _parse_v1(body: dict[str, Any]) -> tuple[dict[str, str], str, str, str] | Refusal:
    labels = {str(k): _text(v) for k, v in _map(body.get("labels")).items()}
    if not labels:
        return Refusal(20008, "params cannot be empty ,  labels is null")
    content = _map(body.get("executionContent"))
    if "code" not in content:
        return Refusal(
            20010,
            "The param executionContent.code is missing(参数 executionContent.code 缺失)",
        )
    code = _text(content.get("code"))
    if not code.strip():
        return Refusal(
            20007,
            "The param executionCode can not be empty (参数 executionCode 不能为空)",
        )
    if "engineType" not in labels:
        return Refusal(
            20009,
            "Label params invalid(标签参数无效): the engineType label is required",
        )
    run_type = _text(content.get("runType")) or labels.get("codeType", "")
    if not run_type:
        return Refusal(
            20009,
            "Label params invalid(标签参数无效): runType or a codeType label is required",
        )
    return labels, code, run_type, "submit"


def _parse_old(body: dict[str, Any]) -> tuple[dict[str, str], str, str, str] | Refusal:
    code = _text(body.get("executionCode"))
    creator = _text(body.get("requestApplicationName")) or DEFAULT_CREATOR
    script_path = _text(
        _map(body.get("source")).get("scriptPath") or body.get("scriptPath")
    )
    if creator == DEFAULT_CREATOR and not code.strip() and not script_path:
        return Refusal(
            20007,
            "The param executionCode can not be empty (参数 executionCode 不能为空)",
        )
    labels = {str(k): _text(v) for k, v in _map(body.get("labels")).items()}
    engine = _text(body.get("executeApplicationName"))
    if engine and "engineType" not in labels:
        version = DEFAULT_VERSIONS.get(engine, "1")
        labels["engineType"] = engine if "-" in engine else f"{engine}-{version}"
    if "engineType" not in labels:
        return Refusal(
            20009,
            "Label params invalid(标签参数无效): executeApplicationName is required",
        )
    run_type = _text(body.get("runType")) or "sql"
    return labels, code, run_type, "execute"


# CodeAndRunTypeUtils' default relation (linkis.codeType.language.relation): the SQL codeTypes.
_SQL_TYPES = frozenset({"sql", "hql", "jdbc", "hive", "psql", "fql", "tsql"})
# SQLCommentHelper's pattern: quoted strings are kept, comments removed.
_SQL_COMMENT = re.compile(r"('(?:''|[^'])*')|--.*?$|/\*.*?\*/|#.*?$", re.M | re.S)


def stored_code(code: str, run_type: str) -> str:
    """Return the code job history keeps: SQL comments stripped (CommentInterceptor).

    ledger: jobhistory.list.sql-comments-stripped (Python, Scala and shell code keep theirs).
    The simulator reads its `linkis-sim:` directive before this, as Linkis runs interceptors
    after the job's row exists.
    """
    if run_type.lower() not in _SQL_TYPES:
        return code
    return _SQL_COMMENT.sub(lambda m: m.group(1) or "", code)
