"""The filesystem service: result sets and finished logs (Linkis 1.4.0 FsRestfulApi.java).

Paths are the ones job history hands out: `resultLocation` (a directory holding `_0.dolphin`
when the job succeeded with rows) and `logPath`. `results-missing` acts in `get_dir_file_trees`.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.javanum import INT_BITS, JavaNumberError, parse_java
from linkis_harness.simulator.job import Job
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import Responder, spring_error

__all__ = ["FilesystemApi"]

RESULT_FILE = "_0.dolphin"
_METADATA = [
    {"columnName": "id", "comment": "NULL", "dataType": "int"},
    {"columnName": "value", "comment": "NULL", "dataType": "string"},
]
_LEVELED = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2} \d{2}:\d{2}:\d{2}\.\d{3} +(INFO|WARN|ERROR).*"
)
_LEVEL_INDEX = {"ERROR": 0, "WARN": 1, "INFO": 2}


def _page_number(text: str | None, default: int) -> int | None:
    """Bind a Spring `Integer` parameter: the default when absent, None when it cannot bind."""
    if text is None or text == "":
        return default
    try:
        return parse_java(text.strip(), bits=INT_BITS)
    except JavaNumberError:
        return None


class FilesystemApi:
    """Handlers of `/api/rest_j/v1/filesystem/*` (owner check off, the default)."""

    def __init__(
        self, store: JobStore, faults: Faults, *, column_paging: bool = False
    ) -> None:
        self.store = store
        self.faults = faults
        self.answer = Responder("filesystem", faults)
        # 1.7+: columnPage/columnPageSize (80036), the 100000-row limit (80034), totalColumn
        # (ledger: filesystem.openFile.column-paging, filesystem.openFile.row-limit)
        self.column_paging = column_paging

    def routes(self) -> list[Route]:
        base = "/api/rest_j/v1/filesystem"
        return [
            Route(f"{base}/getDirFileTrees", self.get_dir_file_trees, methods=["GET"]),
            Route(f"{base}/openFile", self.open_file, methods=["GET"]),
            Route(f"{base}/openLog", self.open_log, methods=["GET"]),
        ]

    def _job_of(self, path: str, *, suffix: str = "") -> Job | None:
        name = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(suffix)
        if not (name.isascii() and name.isdigit()) or len(name) > 18:
            return None
        return self.store.history.get(int(name))

    def _missing_path(self) -> Response:
        return self.answer.error_code(80004, "The path:null is empty(路径:null 为空)!")

    def _no_file(self, path: str) -> Response:
        """`canRead` of a missing path throws before any Linkis check: an uncaught IOException.

        ledger: filesystem.openFile.missing-path, filesystem.openLog.missing-path
        """
        return self.answer.crash(None, f"IOException: {_not_exists(path)}")

    async def get_dir_file_trees(self, request: Request) -> Response:
        path = request.query_params.get("path")
        if path is None:
            return self._missing_path()
        method = "/api/filesystem/getDirFileTrees"
        root = path.rstrip("/")
        job = self._job_of(root)
        now = self.store.now()
        if job is None or job.result_location != root or not job.has_results(now):
            return self.answer.ok(method, {"dirFileTrees": None})
        children: list[dict[str, Any]] = []
        if not self.faults.results_missing:
            props = {
                "size": str(40 + 24 * job.directive.rows),
                "modifytime": str(int(job.finished_at * 1000)),
            }
            children.append(
                {
                    "name": RESULT_FILE,
                    "path": f"{root}/{RESULT_FILE}",
                    "properties": props,
                    "children": None,
                    "isLeaf": True,
                    "parentPath": root,
                }
            )
        tree = {
            "name": root.rsplit("/", 1)[-1],
            "path": root,
            "properties": None,
            "isLeaf": False,
            "parentPath": None,
            "children": children,
        }
        return self.answer.ok(method, {"dirFileTrees": tree})

    async def open_file(self, request: Request) -> Response:
        query = request.query_params
        path = query.get("path")
        if path is None:
            return self._missing_path()
        if self.column_paging:
            refused = self._column_paging(request)
            if refused is not None:
                return refused
        directory, _, name = path.rpartition("/")
        job = self._job_of(directory)
        if (
            job is None
            or name != RESULT_FILE
            or job.result_location != directory
            or not job.has_results(self.store.now())
        ):
            return self._no_file(path)
        page_number = _page_number(query.get("page"), 1)
        page_size = _page_number(query.get("pageSize"), 5000)
        if page_number is None or page_size is None:
            return spring_error(400, request.scope["path"])
        if self.column_paging and page_size > ROW_LIMIT:
            return self.answer.error_code(80034, _ROW_LIMIT_DESC)
        page, size = max(page_number, 1), max(page_size, 1)
        first = (page - 1) * size
        rows = [
            [str(i + 1), self._value(job, i)]
            for i in range(first, min(first + size, job.directive.rows))
        ]
        data: dict[str, Any] = {
            "metadata": _METADATA,
            "fileContent": rows,
            "type": "2",
            "totalLine": len(rows),
            "page": page,
            "totalPage": 0,
        }
        if self.column_paging:
            data["totalColumn"] = len(_METADATA)
        return self.answer.ok("/api/filesystem/openFile", data)

    def _column_paging(self, request: Request) -> Response | None:
        """1.7+: bind columnPage (default 1) and columnPageSize (default 500), then check them."""
        column_page = _page_number(request.query_params.get("columnPage"), 1)
        column_size = _page_number(request.query_params.get("columnPageSize"), 500)
        if column_page is None or column_size is None:
            return spring_error(400, request.scope["path"])
        if column_page < 1 or not 1 <= column_size <= 500:
            return self.answer.error_code(80036, _COLUMN_PAGING_DESC)
        return None

    def _value(self, job: Job, index: int) -> str:
        """Row `index`'s value: the directive's `values`, else `linkis-sim row N`."""
        values = job.directive.values
        if self.faults.results_wrong_values and index == len(values) - 1 and index:
            index -= 1  # the last row repeats the one before it
        return values[index] if index < len(values) else f"linkis-sim row {index + 1}"

    async def open_log(self, request: Request) -> Response:
        path = request.query_params.get("path")
        if path is None:
            return self._missing_path()
        job = self._job_of(path, suffix=".log")
        if job is None or job.log_path != path:
            return self._no_file(path)
        lines = job.log.text_lines(self.store.now())
        return self.answer.ok(
            "/api/filesystem/openLog", {"log": open_log_buckets(lines)}
        )


ROW_LIMIT = 100_000  # linkis.filesystem.resultset.row.limit
# WorkspaceExceptionManager 1.7.0 (MessageFormat groups the number: 100,000)
_ROW_LIMIT_DESC = (
    "The result set exceeds 100,000 rows and page viewing is currently not supported. Please "
    "download to view or view in the shared directory(结果集行数超过100,000行，暂不支持页面查看。"
    "请下载查看或在共享目录中查看)"
)
_COLUMN_PAGING_DESC = (
    "Parameter error, page size is incorrect, please pass in a number within [1-500] "
    "(分页参数错误，页码从1开始，页大小需在[1-500]范围内，获取的列索引需在实际结果集列数范围内)"
)


def _not_exists(path: str) -> str:
    """Return the IOException text of `canAccess` (HDFS) or `can` (local) for a missing `FsPath`."""
    scheme, colon, rest = path.partition(":")
    if not colon or "/" in scheme:
        scheme, rest = "", path
    if rest.startswith("//") and len(rest) > 2:  # FsPath drops the authority
        slash = rest.find("/", 2)
        rest = rest[slash:] if slash > 0 else ""
    if scheme.lower() == "hdfs":
        return f"directory or file not exists: {rest}"
    return f"path {rest} not exists."


def open_log_buckets(lines: list[str] | tuple[str, ...] | Any) -> list[str]:
    r"""`WorkspaceUtil.logMatch`: leveled lines set the level; others inherit it; each keeps `\\n`."""
    parts: list[list[str]] = [[], [], [], []]
    current: int | None = None
    for line in lines:
        text = line + "\n"
        match = _LEVELED.fullmatch(line)
        if match is not None:
            current = _LEVEL_INDEX[match.group(1)]
        if current is not None:
            parts[current].append(text)
        parts[3].append(text)
    return ["".join(part) for part in parts]
