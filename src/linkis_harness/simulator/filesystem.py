"""The filesystem service: result sets and finished logs (API-FACTS §4.1, §8).

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

    def __init__(self, store: JobStore, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self.answer = Responder("filesystem", faults)

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
        page, size = max(page_number, 1), max(page_size, 1)
        first = (page - 1) * size
        rows = [
            [str(i + 1), f"linkis-sim row {i + 1}"]
            for i in range(first, min(first + size, job.directive.rows))
        ]
        data = {
            "metadata": _METADATA,
            "fileContent": rows,
            "type": "2",
            "totalLine": len(rows),
            "page": page,
            "totalPage": 0,
        }
        return self.answer.ok("/api/filesystem/openFile", data)

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
