"""What the client has seen of one job, and the light checks each answer gets.

Each `observe_*` method records one answer and returns the contract violation it shows, or
None; the caller fails that request with it. Checks are light on purpose (a step at a time, a
page at a time); the end-of-job log comparison is `core.logcheck.check_pages`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from linkis_harness.core.jobstate import (
    TERMINAL,
    count_retries,
    first_illegal_step,
    first_unexplained_step,
)
from linkis_harness.core.logcheck import check_numbered, numbered_counts
from linkis_harness.core.logs import LogPage, split_log
from linkis_harness.core.oracles import check_result_values
from linkis_harness.core.violation import Violation
from linkis_harness.core.workload import Workload

_TERMINAL = frozenset(str(s) for s in TERMINAL)


@dataclass
class Job:
    """What the client has seen of one job so far."""

    workload: Workload
    exec_id: str
    task_id: int
    submitted: float
    states: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)
    pages: list[LogPage] = field(default_factory=list)
    next_line: int = 0
    lines: int = 0
    first_line_at: float | None = None
    last_line_at: float | None = None
    running_at: float | None = None
    kill_planned: bool = False
    suspect_steps: int = 0
    drops: list[str] = field(default_factory=list)
    states_at_progress: int = 0
    retries_seen: int = 0
    kill_accepted: bool = False
    ended_at: float | None = None
    running_compared: bool = False
    read_failures: int = 0

    @property
    def state(self) -> str | None:
        return self.states[-1] if self.states else None

    @property
    def finished(self) -> bool:
        return self.state in _TERMINAL

    def expected(self) -> tuple[str, ...]:
        return ("Cancelled",) if self.kill_accepted else self.workload.expect_status

    def observe_state(self, envelope: dict[str, Any]) -> Violation | None:
        """Record one status answer; return the illegal step it shows, if any.

        A step one missed WaitForRetry would explain (Running -> Scheduled: polling every
        0.5-2 s misses a short retry) is only suspect: `unexplained_steps` judges it at the end
        against the retries the job's log proves, as the contract suite does.
        """
        state = (envelope.get("data") or {}).get("status")
        previous = self.state
        self.states.append(str(state))
        if previous is None:
            return first_illegal_step([str(state)])
        found = first_illegal_step([previous, str(state)])
        if (
            found is not None
            and first_illegal_step([previous, "WaitForRetry", str(state)]) is None
        ):
            self.suspect_steps += 1
            return None
        return found

    def observe_progress(self, envelope: dict[str, Any]) -> Violation | None:
        """Record one progress answer; return what is wrong with it, if anything.

        A drop with no WaitForRetry seen since the previous reading is suspect (a retry resets
        progress to 0): `unexplained_drops` judges it at the end against the logged retries.
        """
        value = (envelope.get("data") or {}).get("progress")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Violation(
                "progress", "progress is not a number", f"progress {value!r}"
            )
        if not 0.0 <= value <= 1.0:
            return Violation(
                "progress", "progress out of range", f"progress {value} outside 0..1"
            )
        previous = self.progress[-1] if self.progress else 0.0
        retried = "WaitForRetry" in self.states[self.states_at_progress :]
        self.progress.append(float(value))
        self.states_at_progress = len(self.states)
        if value < previous and not retried:
            self.drops.append(f"{previous} then {value} while {self.state}")
        return None

    def numbered_in_pages(self) -> list[Violation]:
        """No numbered line of the workload twice (or invented) across the pages read so far.

        At most once, not exactly once: pages read while the job ran and after its end count
        lines differently on real 1.4 (see `Lifecycle.drain_log`); the full read after the end
        proves each line present.
        """
        if self.workload.numbered is None:
            return []
        text, count = self.workload.numbered
        counts = numbered_counts(
            (line for page in self.pages for line in split_log(page.log[3])), text
        )
        return check_numbered(
            counts, text, count, where=f"{len(self.pages)} pages", at_most_once=True
        )

    def unexplained_steps(self, retries: int) -> Violation | None:
        """The first observed step the job's `retries` (from its log) do not explain."""
        if not self.suspect_steps:
            return None
        found = first_unexplained_step(self.states, retries)
        if found is None:
            return None
        return Violation(
            found.check,
            found.title,
            f"{found.detail}; the job's log shows {retries} retr{'y' if retries == 1 else 'ies'}",
        )

    def unexplained_drops(self, retries: int) -> Violation | None:
        """Progress drops beyond what the job's `retries` (from its log) explain."""
        if len(self.drops) <= retries:
            return None
        return Violation(
            "progress",
            "progress went down",
            f"{len(self.drops)} drop(s) ({'; '.join(self.drops[:3])}), "
            f"the job's log shows {retries} retr{'y' if retries == 1 else 'ies'}; "
            f"readings {self.progress[:20]}",
        )

    def observe_page(
        self, start: int, size: int, envelope: dict[str, Any]
    ) -> Violation | None:
        """Record one log page read from `start`; return what is wrong with it, if anything."""
        data = envelope.get("data") or {}
        log, next_line = data.get("log"), data.get("fromLine")
        if read_failure(envelope, start):
            self.read_failures += 1  # documented: nothing read, the cursor stays
            return None
        if envelope.get("status") != 0:
            return Violation(
                "log",
                "log read refused",
                f"status {envelope.get('status')}: {str(envelope.get('message'))[:200]}",
            )
        if isinstance(next_line, bool) or not isinstance(next_line, int):
            return Violation(
                "log", "fromLine is not a number", f"fromLine {next_line!r}"
            )
        if not (
            isinstance(log, list)
            and len(log) == 4
            and all(isinstance(x, str) for x in log)
        ):
            return Violation(
                "log", "log is not [error, warn, info, all]", f"log {str(log)[:200]!r}"
            )
        if next_line < start:
            return Violation(
                "log", "fromLine went backwards", f"asked {start}, got back {next_line}"
            )
        if next_line > start + size:
            return Violation(
                "log",
                "fromLine advanced past the page size",
                f"asked {start}+{size}, got back {next_line}",
            )
        self.pages.append(
            LogPage(start, size, next_line, (log[0], log[1], log[2], log[3]))
        )
        self.next_line = next_line
        self.retries_seen += count_retries(log[3])
        shown = log[3].count("\n") + 1 if log[3] else 0
        if shown:
            now = time.time()
            self.lines += shown
            self.first_line_at = self.first_line_at or now
            self.last_line_at = now
        return None


# The entrance's documented answers when it cannot read a log (1.4.0 EntranceRestfulApi.java
# log()): status 0 with `log: ""` (IllegalArgumentException, line 470) or `log: null`
# (IllegalStateException, 453-461), status 1 "Failed to get log information" (478), or status 1
# "The job you just executed has ended" once the job left memory (412-417); fromLine is the
# requested one. They are not findings; the client reads again later.
_READ_FAILED = ("Failed to get log information", "has ended", "Can't find execID")


def read_failure(envelope: dict[str, Any], start: int) -> bool:
    """Say whether a `/log` answer is one of the entrance's documented read-failure answers."""
    data = envelope.get("data") or {}
    if envelope.get("status") == 0:
        return data.get("log") in ("", None) and data.get("fromLine") == start
    message = str(envelope.get("message", ""))
    return envelope.get("status") == 1 and any(t in message for t in _READ_FAILED)


def check_submit(envelope: dict[str, Any]) -> Violation | None:
    """The submit answer must carry an execID string and a numeric taskID."""
    data = envelope.get("data") or {}
    if not isinstance(data.get("execID"), str) or not data["execID"]:
        return Violation(
            "execid", "submit answer has no execID", f"data {data!r}"[:300]
        )
    task_id = data.get("taskID")
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        return Violation("execid", "taskID is not a JSON number", f"taskID {task_id!r}")
    return None


def history_agrees(job: Job, envelope: dict[str, Any]) -> bool:
    """True when job history's status is the entrance's terminal state."""
    task = (envelope.get("data") or {}).get("task") or {}
    return bool(task.get("status") == job.state)


def check_history(
    job: Job, envelope: dict[str, Any], *, late: bool = True
) -> Violation | None:
    """Job history must agree with the entrance; a non-terminal status only once `late`."""
    task = (envelope.get("data") or {}).get("task") or {}
    status = task.get("status")
    if status == job.state or (not late and status not in _TERMINAL):
        return None
    return Violation(
        "states",
        "job history disagrees with the entrance",
        f"entrance said {job.state}, job history says {status!r}"
        + ("" if status in _TERMINAL else " after the grace period"),
    )


_RESULT = re.compile(r"(?:.*_)?(\d+)\.dolphin")


def result_paths(envelope: dict[str, Any]) -> list[str]:
    """The `_N.dolphin` result sets of a `getDirFileTrees` answer, in N order (not HDFS's)."""
    tree = (envelope.get("data") or {}).get("dirFileTrees") or {}
    found = []
    for child in tree.get("children") or []:
        match = _RESULT.fullmatch(str(child.get("name", "")))
        if match and isinstance(child.get("path"), str):
            found.append((int(match.group(1)), child["path"]))
    return [path for _, path in sorted(found)]


def check_tree(job: Job, envelope: dict[str, Any]) -> Violation | None:
    tree = (envelope.get("data") or {}).get("dirFileTrees") or {}
    if job.workload.rows and not result_paths(envelope):
        return Violation(
            "results",
            "succeeded job has no result set",
            f"no _N.dolphin under {tree.get('path')!r}",
        )
    return None


def check_page_rows(envelope: dict[str, Any]) -> Violation | None:
    content = (envelope.get("data") or {}).get("fileContent")
    if not isinstance(content, list):
        return Violation(
            "results", "result page unreadable", f"fileContent {str(content)[:200]!r}"
        )
    return None


def check_rows(job: Job, rows: list[Any]) -> Violation | None:
    """All result sets together hold the rows (and values) the workload declares."""
    if len(rows) != job.workload.rows:
        return Violation(
            "results",
            "result sets hold the wrong number of rows",
            f"expected {job.workload.rows}, got {len(rows)}",
        )
    found = check_result_values(rows, job.workload.values or ())
    return found[0] if found else None
