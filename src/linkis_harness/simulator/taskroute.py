"""1.5-1.8: a numeric `{id}` in `/entrance/{id}/...` is a taskID the gateway looks up.

`EntranceRequestGatewayParser.parse` (1.5.0, line 66-80): an id that starts neither with
`operation` nor with `exec_id` is `execId.toLong` (a `NumberFormatException` is the gateway's
routing error: status 1, HTTP 200); `buildJobInstance` searches job history, answers
`taskId N is not exists.` (status 1, HTTP 200, `method` the URI) for no row, and passes a
`JobInstance` (history status, instance, jobReqId, created time, the instance's registry time)
to the entrance in a header. `EntranceRestfulApi` (1.5.0, status/progress/progressWithResource/
log/kill) then answers a completed job from that header alone, a job whose entrance is gone
("wait failover": registry time > created time) with Inited/0, and otherwise looks the job up
by its jobReqId (ledger: entrance.taskid.absent, entrance.taskid.not-a-number).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.javanum import java_long
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import envelope_response

__all__ = ["TaskRoute", "nfe_stack", "route_task_id"]

_TERMINAL = frozenset(s.value for s in JobState if s.is_terminal)


@dataclass(frozen=True, slots=True)
class TaskRoute:
    """What the gateway found for a taskID: the history row's state and where the job lives."""

    text: str  # the id as sent (answers echo it as `taskID`, a string)
    task_id: int
    state: str
    failover: bool  # the row names no live entrance: "wait failover"
    short_id: str  # the jobReqId the entrance looks up
    exec_id: str  # generateExecID(jobReqId, entrance, this instance)

    @property
    def completed(self) -> bool:
        """`SchedulerEventState.isCompletedByStr(history status)`."""
        return self.state in _TERMINAL


def nfe_stack(root_cause: str) -> str:
    """Return the stack of the gateway's `execId.toLong` failure."""
    return (
        f"java.lang.{root_cause}\n"
        "\tat java.lang.Long.parseLong(Long.java:589)\n"
        "\tat org.apache.linkis.gateway.ujes.parser.EntranceRequestGatewayParser.parse("
        "EntranceRequestGatewayParser.scala:71)\n"
    )


def route_task_id(store: JobStore, text: str, path: str) -> TaskRoute | Response:
    """Look a taskID up like the 1.5+ gateway; a Response when the gateway answers itself."""
    number = java_long(text)
    if isinstance(number, str):
        data = {"stack": nfe_stack(number)}
        return envelope_response(path, 1, number, data, http_status=200)
    stored = store.history.get(number)
    if stored is None:
        return envelope_response(
            path, 1, f"taskId {number} is not exists.", http_status=200
        )
    # A row written by another simulator process (--db, restarted) names a dead instance.
    return TaskRoute(
        text=text,
        task_id=number,
        state=stored.state(store.now()),
        failover=stored.instance != store.instance,
        short_id=stored.short_id,
        exec_id=stored.exec_id,
    )
