"""The Linkis REST operations beyond the gateway's `/user/*`: entrance, job history, files.

Each one is a single `request()` call with the path and parameters real Linkis expects
(Linkis 1.4.0 EntranceRestfulApi.java, QueryRestfulApi.java, FsRestfulApi.java); `LinkisClient`
supplies `request()` (session, re-login, scrubbing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from linkis_harness.client.answer import Answer

__all__ = ["LinkisEndpoints"]


class LinkisEndpoints:
    """Entrance, job-history and filesystem calls, each over `request()`."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: bool = True,
    ) -> Answer:
        """Send one request (`LinkisClient` implements it)."""
        raise NotImplementedError

    # -- entrance -----------------------------------------------------------------------------

    def execute(self, body: Mapping[str, Any]) -> Answer:
        """`POST /entrance/execute`."""
        return self.request("POST", "/entrance/execute", json=body)

    def submit(self, body: Mapping[str, Any]) -> Answer:
        """`POST /entrance/submit`."""
        return self.request("POST", "/entrance/submit", json=body)

    def status(self, exec_id: str, task_id: int | str | None = None) -> Answer:
        """`GET /entrance/{execID}/status[?taskID=]`."""
        return self.request("GET", _job(exec_id, "status"), params={"taskID": task_id})

    def progress(self, exec_id: str) -> Answer:
        """`GET /entrance/{execID}/progress`."""
        return self.request("GET", _job(exec_id, "progress"))

    def progress_with_resource(self, exec_id: str) -> Answer:
        """`GET /entrance/{execID}/progressWithResource`."""
        return self.request("GET", _job(exec_id, "progressWithResource"))

    def log(
        self,
        exec_id: str,
        from_line: int | None = None,
        size: int | None = None,
        distinct_level: bool | None = None,
    ) -> Answer:
        """`GET /entrance/{execID}/log`; None leaves a parameter out (server default)."""
        return self.request(
            "GET",
            _job(exec_id, "log"),
            params={
                "fromLine": from_line,
                "size": size,
                "distinctLevel": distinct_level,
            },
        )

    def kill(self, exec_id: str, task_id: int | str | None = None) -> Answer:
        """`GET /entrance/{execID}/kill[?taskID=]` (kill is GET in real Linkis)."""
        return self.request("GET", _job(exec_id, "kill"), params={"taskID": task_id})

    def kill_jobs(
        self, exec_id: str, id_list: Sequence[str], task_id_list: Sequence[int]
    ) -> Answer:
        """`POST /entrance/{execID}/killJobs`."""
        return self.request(
            "POST",
            _job(exec_id, "killJobs"),
            json={"idList": list(id_list), "taskIDList": list(task_id_list)},
        )

    def pause(self, exec_id: str) -> Answer:
        """`GET /entrance/{execID}/pause`."""
        return self.request("GET", _job(exec_id, "pause"))

    # -- job history and result sets ----------------------------------------------------------

    def job_history(self, task_id: int | str) -> Answer:
        """`GET /jobhistory/{taskID}/get`."""
        return self.request("GET", f"/jobhistory/{quote(str(task_id), safe='')}/get")

    def job_history_list(self, **params: object) -> Answer:
        """`GET /jobhistory/list` with the given query parameters."""
        return self.request("GET", "/jobhistory/list", params=params)

    def dir_file_trees(self, path: str) -> Answer:
        """`GET /filesystem/getDirFileTrees?path=`."""
        return self.request("GET", "/filesystem/getDirFileTrees", params={"path": path})

    def open_file(
        self, path: str, page: int | None = None, page_size: int | None = None
    ) -> Answer:
        """`GET /filesystem/openFile?path=&page=&pageSize=`."""
        return self.request(
            "GET",
            "/filesystem/openFile",
            params={"path": path, "page": page, "pageSize": page_size},
        )

    def open_log(self, path: str) -> Answer:
        """`GET /filesystem/openLog?path=`."""
        return self.request("GET", "/filesystem/openLog", params={"path": path})


def _job(exec_id: str, operation: str) -> str:
    return f"/entrance/{quote(exec_id, safe=':@')}/{operation}"
