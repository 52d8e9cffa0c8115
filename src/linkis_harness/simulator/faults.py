"""Named fault modes: each one small, realistic deviation from real Linkis, served on request.

`FAULTS` is the catalogue (docs/checks.md names the check that catches each one); `Faults` is the value the handlers get,
with one predicate per fault, so each deviation lives at exactly one place in the code.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from linkis_harness.errors import ConfigError

__all__ = ["FAULTS", "Fault", "Faults", "known", "parse_faults"]


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault mode: its name, the check family that must catch it, and what it does."""

    name: str
    family: str
    description: str
    since: str = "1.0"  # the first release line whose behaviour the fault can distort


_CATALOGUE = (
    Fault(
        "envelope-shape", "envelope", "entrance success answers omit the `message` key"
    ),
    Fault(
        "http-200-errors",
        "envelope",
        "status 1/2/3 answers from entrance/jobhistory/filesystem come with HTTP 200",
    ),
    Fault(
        "taskid-string",
        "execid",
        "`taskID` is a JSON string in submit/execute answers and job history",
    ),
    Fault(
        "execid-garbled",
        "execid",
        "the execID's instance-length prefix is one more than the real length",
    ),
    Fault(
        "execid-history-mismatch",
        "execid",
        "job history `execId` index is off by one and `strongerExecId` differs from the entrance execID",
    ),
    Fault(
        "state-regression",
        "states",
        "one status poll answers `Scheduled` while the job runs, at a seeded random moment "
        "within 2 s (scaled by --speed) after it started running",
    ),
    Fault(
        "terminal-flip",
        "states",
        "a `Succeed` job answers `Failed` from a seeded random moment within 2 s (scaled by "
        "--speed) after its end on",
    ),
    Fault(
        "taskid-status-stale",
        "states",
        "1.5+: `status` asked by taskID answers `Running` for a completed job",
        since="1.5",
    ),
    Fault(
        "history-status-mismatch",
        "states",
        'job history keeps `status: "Running"` after the entrance says terminal',
    ),
    Fault(
        "progress-decrease",
        "progress",
        "once per job, at a seeded random moment within 2 s (scaled by --speed) after it "
        "started running, progress answers half of its previous answer",
    ),
    Fault(
        "progress-out-of-range",
        "progress",
        "progress reported in percent (0-100), 100 at the end",
    ),
    Fault(
        "log-lose-lines",
        "log",
        "each page drops its last consumed line while `fromLine` still advances past it",
    ),
    Fault(
        "log-duplicate-lines",
        "log",
        "returned `fromLine` is one less than it should be when a page consumed >= 2 lines",
    ),
    Fault(
        "log-overshoot",
        "log",
        "past the end (and on short pages) returned `fromLine` = request + size",
    ),
    Fault(
        "log-wrong-bucket",
        "log",
        "ERROR lines go to the `warn` bucket instead of `error`",
    ),
    Fault(
        "log-flush-gap",
        "log",
        "#3742: after the first flush of the entrance's 500-line ring (500 lines, or 300 s scaled "
        "by --speed), the lines it held are never served again, to any reader; the file keeps them",
    ),
    Fault(
        "log-drop-line",
        "log",
        "one engine line of each job (seeded by its taskID) is never written: no read, "
        "full read or log file has it, and the line count is one less",
    ),
    Fault(
        "kill-noop",
        "kill",
        "kill answers success but the job runs on to its natural end",
    ),
    Fault("kill-any-user", "kill", "no owner check on kill: any user may kill any job"),
    Fault(
        "history-any-user",
        "kill",
        "`jobhistory/{id}/get` shows other users' jobs to non-admins",
    ),
    Fault(
        "auth-bypass",
        "auth",
        "requests without cookie or token are served as user `hadoop` instead of 401",
    ),
    Fault("token-any-user", "auth", "a known token accepts any `Token-User`"),
    Fault("proxy-wildcard", "rules", "`/user/proxy` treats every token's rule as `*`"),
    Fault(
        "proxy-substring",
        "rules",
        "`/user/proxy` matches users by substring of the rule value (0.x token style)",
    ),
    Fault(
        "token-host-ignored",
        "rules",
        "token table: `legal_hosts` is not checked (any host may use a host-restricted token)",
        since="1.2",  # the token table, 1.1.1+
    ),
    Fault(
        "token-host-substring",
        "rules",
        "token table: the caller's host is matched as a substring of `legal_hosts` (Linkis: whole entries)",
        since="1.2",  # the token table, 1.1.1+
    ),
    Fault(
        "token-expiry-ignored",
        "rules",
        "token table: stale tokens (`create_time` + `elapse_day` past) are still accepted",
        since="1.2",  # the token table, 1.1.1+
    ),
    Fault(
        "access-control-ignored",
        "rules",
        "1.5+ access control (`linkis.client.access.control.*`) is not applied",
        since="1.5",  # access control, 1.5+
    ),
    Fault(
        "access-control-exact",
        "rules",
        "access control matches whole list entries (Linkis: `contains()` on the whole value)",
        since="1.5",  # access control, 1.5+
    ),
    Fault(
        "masked-crash",
        "crash",
        "`progress` of a running job answers status 1 `NullPointerException: ` with errCode 0",
    ),
    Fault(
        "results-missing",
        "results",
        "`getDirFileTrees` of a succeeded job's result directory has no `_N.dolphin` children",
    ),
    Fault(
        "results-wrong-values",
        "results",
        "the last row of a succeeded job's result (of two or more `values`) repeats the row "
        "before it: the row count is right, a value is not",
    ),
    Fault(
        "login-envelope",
        "envelope",
        "a successful login answers without the envelope's `status` key (the session still works)",
    ),
    Fault(
        "execute-swallowed",
        "schema",
        "`POST /entrance/execute` answers HTTP 200 with no body even when the request has one "
        "(real Linkis does that only for an empty body)",
    ),
    Fault(
        "server-error",
        "schema",
        "`GET /jobhistory/list` with a `status` parameter answers HTTP 500 with Spring's error body",
    ),
)

FAULTS: Mapping[str, Fault] = MappingProxyType({f.name: f for f in _CATALOGUE})


@dataclass(slots=True)
class Faults:
    """The active fault modes; one predicate per fault (all False: the faithful simulator).

    One value is shared by every service of a simulator, so `switch` turns a fault on or off
    for the whole running simulator (the pytest fixture's `linkis_simulator.fault(name)`).
    """

    names: frozenset[str] = frozenset()

    def switch(self, name: str, on: bool) -> None:
        """Turn the fault `name` on or off; an unknown name is a `ConfigError` listing them."""
        known(name)
        self.names = self.names | {name} if on else self.names - {name}

    @property
    def envelope_shape(self) -> bool:
        return "envelope-shape" in self.names

    @property
    def http_200_errors(self) -> bool:
        return "http-200-errors" in self.names

    @property
    def taskid_string(self) -> bool:
        return "taskid-string" in self.names

    @property
    def execid_garbled(self) -> bool:
        return "execid-garbled" in self.names

    @property
    def execid_history_mismatch(self) -> bool:
        return "execid-history-mismatch" in self.names

    @property
    def state_regression(self) -> bool:
        return "state-regression" in self.names

    @property
    def terminal_flip(self) -> bool:
        return "terminal-flip" in self.names

    @property
    def taskid_status_stale(self) -> bool:
        return "taskid-status-stale" in self.names

    @property
    def history_status_mismatch(self) -> bool:
        return "history-status-mismatch" in self.names

    @property
    def progress_decrease(self) -> bool:
        return "progress-decrease" in self.names

    @property
    def progress_out_of_range(self) -> bool:
        return "progress-out-of-range" in self.names

    @property
    def log_lose_lines(self) -> bool:
        return "log-lose-lines" in self.names

    @property
    def log_duplicate_lines(self) -> bool:
        return "log-duplicate-lines" in self.names

    @property
    def log_overshoot(self) -> bool:
        return "log-overshoot" in self.names

    @property
    def log_wrong_bucket(self) -> bool:
        return "log-wrong-bucket" in self.names

    @property
    def log_flush_gap(self) -> bool:
        return "log-flush-gap" in self.names

    @property
    def log_drop_line(self) -> bool:
        return "log-drop-line" in self.names

    @property
    def kill_noop(self) -> bool:
        return "kill-noop" in self.names

    @property
    def kill_any_user(self) -> bool:
        return "kill-any-user" in self.names

    @property
    def history_any_user(self) -> bool:
        return "history-any-user" in self.names

    @property
    def auth_bypass(self) -> bool:
        return "auth-bypass" in self.names

    @property
    def token_any_user(self) -> bool:
        return "token-any-user" in self.names

    @property
    def proxy_wildcard(self) -> bool:
        return "proxy-wildcard" in self.names

    @property
    def proxy_substring(self) -> bool:
        return "proxy-substring" in self.names

    @property
    def token_host_ignored(self) -> bool:
        return "token-host-ignored" in self.names

    @property
    def token_host_substring(self) -> bool:
        return "token-host-substring" in self.names

    @property
    def token_expiry_ignored(self) -> bool:
        return "token-expiry-ignored" in self.names

    @property
    def access_control_ignored(self) -> bool:
        return "access-control-ignored" in self.names

    @property
    def access_control_exact(self) -> bool:
        return "access-control-exact" in self.names

    @property
    def masked_crash(self) -> bool:
        return "masked-crash" in self.names

    @property
    def results_missing(self) -> bool:
        return "results-missing" in self.names

    @property
    def results_wrong_values(self) -> bool:
        return "results-wrong-values" in self.names

    @property
    def login_envelope(self) -> bool:
        return "login-envelope" in self.names

    @property
    def execute_swallowed(self) -> bool:
        return "execute-swallowed" in self.names

    @property
    def server_error(self) -> bool:
        return "server-error" in self.names


def known(name: str) -> str:
    """Return `name` if it is a fault mode; else raise `ConfigError` listing the known ones."""
    if name not in FAULTS:
        close = difflib.get_close_matches(name, list(FAULTS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"no fault mode {name!r}.{hint} Known: {', '.join(FAULTS)}")
    return name


def parse_faults(text: str | None) -> Faults:
    """`None`/`""` → faithful; `a,b` → both faults; an unknown name is a `ConfigError`."""
    if not text:
        return Faults()
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in FAULTS:
            close = difflib.get_close_matches(name, list(FAULTS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"--fault {name!r}: no such fault mode.{hint} Run 'linkis-harness serve --fault list' to see them."
            )
    return Faults(frozenset(names))
