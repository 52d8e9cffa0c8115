"""What keeps a run from harming the target: rate limit, job budget, read-only and dry-run.

Users point the harness at shared and production deployments. This module decides, for every
request the harness is about to send, whether it may go out now (`RateLimiter`), whether it may
submit one more job (`JobBudget`), whether it changes jobs at all (`changes_jobs`, refused under
`--read-only`), and what `--dry-run` prints instead of sending it (`describe_request`, secrets
replaced by `PLACEHOLDER`). Stdlib only; no I/O besides the clock (and sleeping on it), so the
client, the contract suite and the Locust scenarios can all share it.

    policy = SafetyPolicy(rate_limit=5.0, max_jobs=20, read_only=False)
    guard = RequestGuard(policy)
    guard.admit("POST", "entrance/submit")     # may sleep; raises JobBudgetExhausted/ReadOnlyRefused
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from linkis_harness.errors import ConfigError, HarnessError

__all__ = [
    "ENV_VARS",
    "PLACEHOLDER",
    "DryRunStop",
    "JobBudget",
    "JobBudgetExhausted",
    "RateLimiter",
    "ReadOnlyRefused",
    "RequestGuard",
    "SafetyPolicy",
    "changes_jobs",
    "describe_request",
    "redact",
    "share",
    "submits_job",
]

PLACEHOLDER = "***"

# Policy field -> environment variable, to hand the policy to the pytest and Locust subprocesses.
ENV_VARS: Mapping[str, str] = {
    "rate_limit": "LINKIS_RATE_LIMIT",
    "max_jobs": "LINKIS_MAX_JOBS",
    "dry_run": "LINKIS_DRY_RUN",
    "read_only": "LINKIS_READ_ONLY",
}

# Header, JSON key and query parameter names whose values are secrets (compared lower-case).
_SECRET_HEADERS = frozenset(
    {"token-code", "cookie", "set-cookie", "authorization", "validation-code"}
)
_SECRET_KEYS = frozenset(
    {"password", "passwdencrypt", "validationcode", "token-code", "tokencode"}
)
# Entrance operations that create a job (relative to /api/rest_j/v1, or the full path).
_SUBMIT = re.compile(r"(?:^|/)entrance/(?:execute|submit)/?$")
# ... and those that change an existing job: kill (GET!), killJobs, pause.
_CHANGE = re.compile(r"(?:^|/)entrance/[^/]+/(?:kill|killJobs|pause)/?$")


class JobBudgetExhausted(HarnessError):
    """`--max-jobs` is used up: the run may not submit another job."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"--max-jobs {limit} reached: not submitting another job (raise --max-jobs to run more)"
        )

    @property
    def skip_reason(self) -> str:
        """The reason a test that needed a job is skipped."""
        return f"--max-jobs {self.limit} used up; this check needs a job"


class ReadOnlyRefused(HarnessError):
    """`--read-only` forbids this request: it would submit or change a job."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(
            f"--read-only: refused {method} {path} (it submits or changes a job)"
        )

    @property
    def skip_reason(self) -> str:
        """The reason a test that needed a job is skipped."""
        return f"--read-only: {self.method} {self.path} would submit or change a job"


class DryRunStop(HarnessError):
    """`--dry-run`: the request was described, not sent; there is no answer."""

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__("--dry-run: request not sent")


def submits_job(method: str, path: str) -> bool:
    """Tell whether the request creates a job (POST entrance/execute or entrance/submit)."""
    return method.upper() == "POST" and bool(_SUBMIT.search(_path_only(path)))


def changes_jobs(method: str, path: str) -> bool:
    """Tell whether the request creates or changes a job; `--read-only` refuses these.

    Kill is a GET in real Linkis (Linkis 1.4.0 EntranceRestfulApi.java), so the method alone says
    nothing.
    """
    return submits_job(method, path) or bool(_CHANGE.search(_path_only(path)))


def _path_only(path: str) -> str:
    return urlsplit(path).path if "://" in path or "?" in path else path


class RateLimiter:
    """Token bucket: at most `rate` requests per second on average, bursts up to `burst`.

    Thread-safe and fair: each caller reserves its slot, then sleeps outside the lock.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ConfigError(
                f"--rate-limit: expected requests per second > 0, got {rate!r}"
            )
        if not burst >= 1:
            raise ConfigError(f"rate limiter burst must be >= 1, got {burst!r}")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()

    def reserve(self) -> float:
        """Take one slot; return how many seconds the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(
                self.burst, self._tokens + (now - self._last) * self.rate
            )
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Wait until a request may be sent; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class JobBudget:
    """How many jobs the run may still submit (`--max-jobs`); None means unlimited."""

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ConfigError(f"--max-jobs: expected 0 or more, got {limit!r}")
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        """Jobs taken so far."""
        return self._used

    @property
    def remaining(self) -> int | None:
        """Jobs still allowed, or None when unlimited."""
        return None if self.limit is None else self.limit - self._used

    def try_take(self) -> bool:
        """Take one job from the budget; False (and nothing taken) when it is used up."""
        with self._lock:
            if self.limit is not None and self._used >= self.limit:
                return False
            self._used += 1
            return True

    def take(self) -> None:
        """Take one job from the budget or raise `JobBudgetExhausted`."""
        if not self.try_take():
            assert self.limit is not None
            raise JobBudgetExhausted(self.limit)


def share(limit: int | None, parts: int, index: int) -> int | None:
    """Part `index` (0-based) of `limit` split over `parts` processes; the parts sum to `limit`."""
    if limit is None:
        return None
    if parts < 1 or not 0 <= index < parts:
        raise ValueError(f"share: bad part {index} of {parts}")
    base, extra = divmod(limit, parts)
    return base + (1 if index < extra else 0)


@dataclass(frozen=True, slots=True)
class SafetyPolicy:
    """The four production-safety options of a run; the defaults restrict nothing."""

    rate_limit: float | None = None
    max_jobs: int | None = None
    dry_run: bool = False
    read_only: bool = False

    def __post_init__(self) -> None:
        if self.rate_limit is not None and not self.rate_limit > 0:
            raise ConfigError(
                f"--rate-limit: expected requests per second > 0, got {self.rate_limit!r}"
            )
        if self.max_jobs is not None and self.max_jobs < 0:
            raise ConfigError(f"--max-jobs: expected 0 or more, got {self.max_jobs!r}")

    def to_env(self) -> dict[str, str]:
        """Return the policy as LINKIS_* variables for a subprocess (only the options set)."""
        env: dict[str, str] = {}
        if self.rate_limit is not None:
            env[ENV_VARS["rate_limit"]] = repr(float(self.rate_limit))
        if self.max_jobs is not None:
            env[ENV_VARS["max_jobs"]] = str(self.max_jobs)
        if self.dry_run:
            env[ENV_VARS["dry_run"]] = "1"
        if self.read_only:
            env[ENV_VARS["read_only"]] = "1"
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SafetyPolicy:
        """Read the policy a parent process passed down with `to_env()`."""
        rate = environ.get(ENV_VARS["rate_limit"], "")
        jobs = environ.get(ENV_VARS["max_jobs"], "")
        try:
            return cls(
                rate_limit=float(rate) if rate else None,
                max_jobs=int(jobs) if jobs else None,
                dry_run=_flag(environ.get(ENV_VARS["dry_run"], "")),
                read_only=_flag(environ.get(ENV_VARS["read_only"], "")),
            )
        except ValueError as exc:
            raise ConfigError(f"safety policy from the environment: {exc}") from None

    def split(self, parts: int, index: int) -> SafetyPolicy:
        """Return the share of one of `parts` processes (rate and jobs divided, flags kept)."""
        rate = None if self.rate_limit is None else self.rate_limit / parts
        return SafetyPolicy(
            rate_limit=rate,
            max_jobs=share(self.max_jobs, parts, index),
            dry_run=self.dry_run,
            read_only=self.read_only,
        )


def _flag(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


class RequestGuard:
    """Applies a `SafetyPolicy` to each request before it is sent (one per client or process)."""

    def __init__(
        self,
        policy: SafetyPolicy,
        *,
        budget: JobBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self.budget = budget if budget is not None else JobBudget(policy.max_jobs)
        self.limiter = (
            None
            if policy.rate_limit is None
            else RateLimiter(policy.rate_limit, clock=clock, sleep=sleep)
        )

    def admit(self, method: str, path: str) -> None:
        """Refuse (raise) or delay this request as the policy says; return when it may go out.

        Order: read-only refusal, then the job budget, then the rate limit (a refused request
        costs no rate slot). Dry-run is the caller's business: describe instead of sending.
        """
        if self.policy.read_only and changes_jobs(method, path):
            raise ReadOnlyRefused(method.upper(), _path_only(path))
        if submits_job(method, path):
            self.budget.take()
        if self.limiter is not None and not self.policy.dry_run:
            self.limiter.acquire()


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret value in `text` by the placeholder."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, PLACEHOLDER)
    return text


def _redact_json(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: PLACEHOLDER
            if str(k).lower() in _SECRET_KEYS and v not in (None, "")
            else _redact_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, PLACEHOLDER if k.lower() in _SECRET_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def describe_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    body: bytes | str | None = None,
    secrets: Iterable[str] = (),
) -> str:
    """Describe one request as `--dry-run` prints it: method, URL, headers, body; secrets `***`.

    Secret headers (Token-Code, Cookie, ...), secret JSON keys and query parameters (password,
    validationCode, ...) are replaced by name; every literal value in `secrets` is replaced too.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    lines = [f"DRY-RUN {method.upper()} {_redact_url(url)}"]
    for name, value in items:
        shown = PLACEHOLDER if name.lower() in _SECRET_HEADERS else value
        lines.append(f"  {name}: {shown}")
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        with contextlib.suppress(ValueError):
            text = json.dumps(_redact_json(json.loads(text)), ensure_ascii=False)
        lines.append(f"  {text}")
    return redact("\n".join(lines), secrets)
