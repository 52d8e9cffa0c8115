"""Log continuity: pages that follow the returned fromLine equal a full read; buckets match levels.

Linkis 1.4.0 EntranceRestfulApi.java and LogReader.scala: lines numbered from 0; `size` 0 reads
nothing, negative means 10000; the returned `fromLine` counts blank lines; `distinctLevel=false`
returns every consumed line. Hypothesis chooses the page sizes; `core.logcheck.check_pages` and
`check_buckets` are the oracles. A full read is compared with pages taken under the same conditions
(both while running, or both after the end), and a finished job's entrance log with its log file
(`openLog`), where #3742-style gaps show.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.client.polling import is_terminal
from linkis_harness.core.logcheck import (
    check_buckets,
    check_numbered,
    check_pages,
    numbered_counts,
)
from linkis_harness.core.logs import LogPage, read_lines, split_log
from linkis_harness.core.violation import Violation
from linkis_harness.suite.lifecycle import (
    FinishedJob,
    RunningJob,
    violation,
    with_evidence,
)

pytestmark = pytest.mark.log

CHECK = "log"
FULL_PAGE = 5000
MAX_DRAIN = 20
EXAMPLES = {"smoke": 5, "standard": 12, "deep": 40}
RUNNING_EXAMPLES = {"smoke": 3, "standard": 5, "deep": 10}

# None leaves `size` out (server default 100); 0, 1, negatives and "more than the log" are the
# edges Linkis treats specially.
SIZES = st.one_of(
    st.none(),
    st.sampled_from([0, 1, -1, -7, 1_000_000]),
    st.integers(min_value=-3, max_value=300),
)
PLANS = st.tuples(st.sampled_from([None, 0]), st.lists(SIZES, min_size=1, max_size=10))


@dataclass(frozen=True)
class Read:
    page: LogPage
    answer: Answer


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# The entrance's documented answers when it cannot read (1.4.0 EntranceRestfulApi.java log()):
# an IllegalArgumentException (a ring slot already dropped, LoopArray.get) answers status 0 with
# `log: ""` (line 470), an IllegalStateException status 0 with `log: null` (453-461, the message
# is rebuilt with retLog null), another exception status 1 "Failed to get log information"
# (478); a job no longer in memory answers status 1 "The job you just executed has ended"
# (412-417). fromLine is then the requested one. They are retried, then the check is skipped.
READ_FAILURE_RETRIES = 3
_READ_FAILED = ("Failed to get log information", "has ended", "Can't find execID")


def _read_failure(answer: Answer, from_line: int | None) -> str | None:
    """Say which documented read-failure answer this is, or None."""
    log, nxt = answer.data.get("log"), answer.data.get("fromLine")
    if answer.ok and log in ("", None) and nxt == max(from_line or 0, 0):
        return f"status 0 with log {log!r}"
    if answer.status == 1 and any(t in answer.message for t in _READ_FAILED):
        return f"status 1 {answer.message[:80]!r}"
    return None


def read_page(
    client: LinkisClient, exec_id: str, from_line: int | None, size: int | None
) -> Read:
    for _ in range(READ_FAILURE_RETRIES):
        answer = client.log(exec_id, from_line, size)
        failure = _read_failure(answer, from_line)
        if failure is None:
            break
        time.sleep(0.2)
    else:
        pytest.skip(
            f"the entrance kept answering its documented read failure ({failure}) for "
            f"fromLine {from_line}, size {size}"
        )
    log, nxt = answer.data.get("log"), answer.data.get("fromLine")
    if not (
        answer.ok
        and isinstance(log, list)
        and len(log) == 4
        and all(isinstance(part, str) for part in log)
        and _is_int(nxt)
    ):
        raise violation(
            CHECK,
            "log page unreadable",
            f"fromLine {from_line}, size {size}: expected status 0 with data.log = 4 strings "
            "and an integer data.fromLine (or a documented read-failure answer)",
            answer,
            operation="log",
            exec_id=exec_id,
        )
    return Read(LogPage(from_line, size, nxt, tuple(log)), answer)


def full_read(client: LinkisClient, exec_id: str) -> tuple[list[str], list[Answer]]:
    """Read the whole log with `distinctLevel=false` (every consumed line, blanks included)."""
    lines: list[str] = []
    answers: list[Answer] = []
    start = 0
    for _ in range(MAX_DRAIN):
        answer = client.log(exec_id, start, FULL_PAGE, distinct_level=False)
        answers.append(answer)
        text, nxt = answer.data.get("log"), answer.data.get("fromLine")
        if not (answer.ok and isinstance(text, str) and _is_int(nxt)):
            raise violation(
                CHECK,
                "full log read unreadable",
                "distinctLevel=false: expected status 0, data.log a string and an integer data.fromLine",
                answer,
                operation="log",
                exec_id=exec_id,
            )
        consumed = nxt - start
        if consumed <= 0:
            break
        chunk = text.split("\n")
        if len(chunk) != consumed:
            raise violation(
                CHECK,
                "full log read returned a different number of lines than it consumed",
                f"fromLine {start} -> {nxt} consumed {consumed} lines, data.log holds {len(chunk)}",
                answer,
                operation="log",
                exec_id=exec_id,
            )
        lines += chunk
        start = nxt
        if consumed < FULL_PAGE:
            break
    return lines, answers


def page_through(
    client: LinkisClient,
    exec_id: str,
    first: int | None,
    sizes: Sequence[int | None],
    *,
    drain: bool,
) -> list[Read]:
    """Read pages with the given sizes, each from the previous page's fromLine; then drain."""
    reads: list[Read] = []
    from_line = first
    for size in sizes:
        read = read_page(client, exec_id, from_line, size)
        reads.append(read)
        from_line = read.page.next_from_line
    if drain:
        for _ in range(MAX_DRAIN):
            read = read_page(client, exec_id, from_line, FULL_PAGE)
            reads.append(read)
            done = read.page.next_from_line == from_line or not read.page.log[3]
            from_line = read.page.next_from_line
            if done:
                break
        reads.append(read_page(client, exec_id, from_line, 7))  # past the end
    return reads


def _page_of(found: Violation, reads: Sequence[Read]) -> Answer | None:
    match = re.search(r"page (\d+)", found.detail)
    return (
        reads[int(match.group(1))].answer
        if match and int(match.group(1)) < len(reads)
        else None
    )


def check_reads(
    reads: Sequence[Read],
    full: Sequence[str],
    full_answers: Sequence[Answer],
    *,
    finished: bool,
    exec_id: str,
    numbered: tuple[str, int] | None = None,
) -> None:
    """Raise the first defect of `reads` against the full read, with the page that showed it.

    With `numbered` (the workload's numbered lines) and a finished log read from its start,
    each numbered line must appear exactly once in the full read and across the pages.
    """
    pages = [r.page for r in reads]
    plan = ", ".join(f"({p.from_line}, {p.size})->{p.next_from_line}" for p in pages)
    for found in check_pages(full, pages, finished=finished):
        detail = f"{found.detail}\npages (fromLine, size)->fromLine: {plan}"
        raise with_evidence(
            Violation(found.check, found.title, detail),
            _page_of(found, reads),
            full_answers[0] if full_answers else None,
            operation="log",
            exec_id=exec_id,
        )
    for read in reads:
        for found in check_buckets(read.page.log):
            raise with_evidence(found, read.answer, operation="log", exec_id=exec_id)
    if numbered is None or not finished or reads[0].page.from_line not in (None, 0):
        return
    text, count = numbered
    paged = numbered_counts(
        (line for r in reads for line in split_log(r.page.log[3])), text
    )
    for where, counts, shown in (
        (
            "the full read (distinctLevel=false)",
            numbered_counts(full, text),
            full_answers,
        ),
        (f"the {len(reads)} pages (fromLine, size)->fromLine: {plan}", paged, []),
    ):
        for found in check_numbered(counts, text, count, where=where):
            raise with_evidence(
                found,
                *(shown[:1] or [reads[0].answer]),
                operation="log",
                exec_id=exec_id,
            )


def _examples(
    pytestconfig: pytest.Config, count: int
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis settings for a live target: no deadline, no database, no shrinking."""
    chosen = pytestconfig.getoption("hypothesis_seed", None)

    def wrap(test: Callable[..., None]) -> Callable[..., None]:
        wrapped = settings(
            max_examples=count,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(test)
        if chosen is None:
            return wrapped
        return seed(int(chosen) if str(chosen).isdigit() else chosen)(wrapped)

    return wrap


def _numbered(finished: FinishedJob) -> tuple[str, int] | None:
    """The numbered lines a job must have printed: only if it ended as its workload expects."""
    if finished.final_state not in finished.workload.expect_status:
        return None  # reported by the states checks; the job printed only some lines
    return finished.workload.numbered


@pytest.fixture(scope="module")
def longest_finished_log(
    client: LinkisClient, finished_jobs: dict[str, FinishedJob]
) -> FinishedJob:
    """The finished job with the longest log the entrance still serves."""
    best: tuple[int, FinishedJob] | None = None
    for job in finished_jobs.values():
        if job.exec_id is None or not job.terminal:
            continue
        # One large read gives the line count (fromLine); its defects are the tests' business.
        probe = client.log(job.exec_id, 0, FULL_PAGE)
        count = probe.data.get("fromLine") if probe.ok else None
        if _is_int(count) and (best is None or count > best[0]):
            best = (count, job)
    if best is None:
        pytest.skip("no finished job's log is still served by the entrance")
    return best[1]


def test_pages_of_a_finished_log_match_a_full_read(
    pytestconfig: pytest.Config,
    client: LinkisClient,
    longest_finished_log: FinishedJob,
    profile: str,
) -> None:
    exec_id = longest_finished_log.job.require(CHECK)

    @_examples(pytestconfig, EXAMPLES[profile])
    @example(plan=(None, [0, 1, -1, 1_000_000]))
    @given(plan=PLANS)
    def run(plan: tuple[int | None, list[int | None]]) -> None:
        first, sizes = plan
        reads = page_through(client, exec_id, first, sizes, drain=True)
        full, full_answers = full_read(client, exec_id)
        check_reads(
            reads,
            full,
            full_answers,
            finished=True,
            exec_id=exec_id,
            numbered=_numbered(longest_finished_log),
        )

    run()


def test_pages_of_a_running_log_match_a_full_read(
    pytestconfig: pytest.Config,
    client: LinkisClient,
    running_job: RunningJob,
    profile: str,
) -> None:
    exec_id = running_job.job.require(CHECK)

    @_examples(pytestconfig, RUNNING_EXAMPLES[profile])
    @example(plan=(None, [1, 0, 5, -1]))
    @given(plan=PLANS)
    def run(plan: tuple[int | None, list[int | None]]) -> None:
        first, sizes = plan
        state = client.status(exec_id).data.get("status")
        ended = is_terminal(state if isinstance(state, str) else None)
        reads = page_through(client, exec_id, first, sizes, drain=ended)
        full, full_answers = full_read(client, exec_id)
        check_reads(reads, full, full_answers, finished=ended, exec_id=exec_id)

    run()


def test_entrance_log_matches_log_file(
    client: LinkisClient, finished: FinishedJob
) -> None:
    exec_id = finished.job.require(CHECK)
    if not finished.terminal:
        pytest.skip(f"{finished.workload.name} never ended")
    if not client.log(exec_id, 0, 0).ok:
        pytest.skip("the job left entrance memory; its log is only in the file")
    history = client.job_history(finished.task_id)
    task = history.data.get("task") if history.ok else None
    path = task.get("logPath") if isinstance(task, dict) else None
    if not isinstance(path, str) or not path:
        pytest.skip("job history gives no logPath")
    entrance, answers = full_read(client, exec_id)
    opened = client.open_log(path)
    log = opened.data.get("log") if opened.ok else None
    if not (isinstance(log, list) and len(log) == 4 and isinstance(log[3], str)):
        pytest.skip(
            f"openLog did not give the file ({opened.http_status}, status {opened.status})"
        )
    # Blank lines are not stored in HDFS logs and dropped from local files at the end
    # (ledger: entrance.log.file-flushes); openLog reads the file with BufferedReader.readLine
    # (lines end at \n, \r, \r\n), which also splits a line the entrance served whole from its
    # cache: both sides are read so.
    in_entrance = [line for line in read_lines("\n".join(entrance)) if line.strip()]
    in_file = [line for line in read_lines(log[3]) if line.strip()]
    numbered = _numbered(finished)
    if numbered is not None:
        text, count = numbered
        counts = numbered_counts(in_file, text)
        for found in check_numbered(counts, text, count, where=f"the log file {path}"):
            raise with_evidence(found, opened, operation="openLog", exec_id=exec_id)
    if in_entrance == in_file:
        return
    diff = list(
        difflib.unified_diff(
            in_file, in_entrance, "log file", "entrance /log", n=1, lineterm=""
        )
    )
    raise violation(
        CHECK,
        "entrance log and log file disagree",
        f"{len(in_file)} non-blank lines in {path}, {len(in_entrance)} from the entrance; first differences:\n"
        + "\n".join(diff[:12]),
        opened,
        answers[0] if answers else None,
        operation="log",
        exec_id=exec_id,
    )
