"""Job history in SQLite: taskID is the table's auto-increment, as in `linkis_ps_job_history_group_history`.

In memory by default; with a file path the history (and the taskID sequence) survives a restart.
Rows hold the job record as JSON plus the columns the list query filters on.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from linkis_harness.core.directive import Directive

if TYPE_CHECKING:
    from linkis_harness.simulator.job import Job

__all__ = ["History", "HistoryFilter"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS job_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submit_user TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL NOT NULL,
    final_status TEXT NOT NULL,
    engine TEXT NOT NULL,
    creator TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_history_user ON job_history (submit_user, id);
"""
_FIELDS = (
    "short_id",
    "instance",
    "submit_user",
    "execute_user",
    "creator",
    "engine_type",
    "run_type",
    "code",
    "style",
    "labels",
    "params",
    "source",
    "submitted",
    "killed_at",
    "legacy",
    "lost_line",
)


class History:
    """The job history table."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def insert(self, job: Job) -> int:
        cursor = self._db.execute(
            "INSERT INTO job_history (submit_user, created, finished, final_status, engine,"
            " creator, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                job.submit_user,
                job.submitted,
                job.finished_at,
                job.final_status,
                job.engine,
                job.creator,
                _dump(job),
            ),
        )
        return int(cursor.lastrowid or 0)

    def update(self, job: Job) -> None:
        self._db.execute(
            "UPDATE job_history SET finished = ?, final_status = ?, record = ? WHERE id = ?",
            (job.finished_at, job.final_status, _dump(job), job.task_id),
        )

    def get(self, task_id: int) -> Job | None:
        row = self._db.execute(
            "SELECT id, record FROM job_history WHERE id = ?", (task_id,)
        ).fetchone()
        return None if row is None else _load(row[0], row[1])

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM job_history").fetchone()[0])

    def select(
        self, where: HistoryFilter, *, now: float, live_state: str | None = None
    ) -> tuple[int, list[Job]]:
        """(total rows, the page of jobs) newest first.

        `where.final_status` matches finished rows in SQL; `live_state` (a non-terminal state)
        is computed per row from the plan, since it depends on the time.
        """
        sql = " FROM job_history WHERE created >= ? AND created <= ?"
        args: list[Any] = [where.start, where.end]
        for column, value in (
            ("submit_user", where.user),
            ("id", where.task_id),
            ("engine", where.engine),
            ("creator", where.creator),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if where.final_status is not None:
            sql += " AND final_status = ? AND finished <= ?"
            args.extend([where.final_status, now])
        if live_state is not None:
            sql += " AND finished > ?"
            args.append(now)
            rows = self._db.execute(
                "SELECT id, record" + sql + " ORDER BY id DESC", args
            )
            jobs = [
                job
                for job in (_load(r[0], r[1]) for r in rows)
                if job.state(now) == live_state
            ]
            return len(jobs), jobs[where.offset : where.offset + where.limit]
        total = int(self._db.execute("SELECT count(*)" + sql, args).fetchone()[0])
        rows = self._db.execute(
            "SELECT id, record" + sql + " ORDER BY id DESC LIMIT ? OFFSET ?",
            [*args, where.limit, where.offset],
        )
        return total, [_load(r[0], r[1]) for r in rows]


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """The `jobhistory/list` filters (None: not filtered)."""

    start: float
    end: float
    offset: int
    limit: int
    user: str | None = None
    task_id: int | None = None
    engine: str | None = None
    creator: str | None = None
    final_status: str | None = None


def _dump(job: Job) -> str:
    data = {name: getattr(job, name) for name in _FIELDS}
    data["directive"] = asdict(job.directive)
    data["timeline"] = job.timeline
    data["window"] = job.window
    data["error"] = job.error
    return json.dumps(data, ensure_ascii=False)


def _load(task_id: int, text: str) -> Job:
    from linkis_harness.simulator.job import Job

    data = json.loads(text)
    error = data.pop("error")
    return Job(
        task_id=task_id,
        directive=_directive(data.pop("directive")),
        timeline=tuple((float(at), str(state)) for at, state in data.pop("timeline")),
        window=tuple(data.pop("window")),
        error=(int(error[0]), str(error[1])) if error is not None else None,
        **data,
    )


def _directive(data: dict[str, Any]) -> Directive:
    """Rebuild a stored directive (JSON lists back to tuples)."""
    return Directive(**{**data, "values": tuple(data.get("values", ()))})
