"""Run options: Locust custom arguments (the master forwards them to workers) and the environment.

Per-run parameters are Locust arguments so workers on other machines get the master's values.
Per-machine values (the workloads file, the output directory, credentials) come from the
environment only: paths differ between machines, and secrets never sit on a command line.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkis_harness.core.options import RUN_CONFIG_VAR, decode_run_config, from_environ
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ConfigError

# Environment variables (set by `linkis-harness load`, or by hand / a k8s ConfigMap).
ENV_WORKLOADS = "LINKIS_LOAD_WORKLOADS"  # JSON list of workload mappings (a file path)
ENV_OUT = "LINKIS_LOAD_OUT"  # master/local: where the ledger and raw samples go
ENV_SHAPE = "LINKIS_LOAD_SHAPE"  # master/local: ramp | step | spike (read at import)
CLIENT_MODELS = {
    "java": 0.5,
    "cli": 2.0,
}  # poll interval in seconds (Java client, linkis-cli)


def add_arguments(parser: Any) -> None:
    """Register the custom Locust arguments (`init_command_line_parser` listener)."""
    group = parser.add_argument_group("linkis-harness")
    group.add_argument(
        "--linkis-run-time",
        type=float,
        default=0.0,
        env_var="LINKIS_LOAD_RUN_TIME",
        help="Seconds before a graceful stop (0: until stopped).",
    )
    group.add_argument(
        "--linkis-kill-fraction",
        type=float,
        default=0.0,
        env_var="LINKIS_LOAD_KILL_FRACTION",
        help="Fraction of jobs killed once seen Running.",
    )
    group.add_argument(
        "--linkis-client-model",
        choices=sorted(CLIENT_MODELS),
        default="java",
        env_var="LINKIS_LOAD_CLIENT_MODEL",
        help="java: poll every 500 ms; cli: every 2 s like linkis-cli.",
    )
    group.add_argument(
        "--linkis-submit-rate",
        type=float,
        default=0.0,
        env_var="LINKIS_LOAD_SUBMIT_RATE",
        help="Open model: job arrivals per second over all workers (0: closed model).",
    )
    group.add_argument(
        "--linkis-sla",
        action="append",
        default=[],
        help="SLA evaluated live for --linkis-sla-abort (repeatable).",
    )
    group.add_argument(
        "--linkis-run-marker",
        default="",
        env_var="LINKIS_LOAD_RUN_MARKER",
        help="The run's marker: every job carries it, cleanup kills only jobs that do.",
    )
    group.add_argument(
        "--linkis-sla-abort",
        action="store_true",
        default=False,
        help="Stop the run as soon as an SLA is breached.",
    )


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What one Locust process needs to run lifecycle users."""

    run_time: float
    kill_fraction: float
    poll_interval: float
    submit_rate: float
    slas: tuple[str, ...]
    sla_abort: bool
    run_marker: str = ""

    @classmethod
    def from_parsed(cls, parsed: Any) -> RunOptions:
        """Read the options Locust parsed (or received from the master)."""
        model = getattr(parsed, "linkis_client_model", "java")
        return cls(
            run_time=float(getattr(parsed, "linkis_run_time", 0.0) or 0.0),
            kill_fraction=float(getattr(parsed, "linkis_kill_fraction", 0.0) or 0.0),
            poll_interval=CLIENT_MODELS.get(model, 0.5),
            submit_rate=float(getattr(parsed, "linkis_submit_rate", 0.0) or 0.0),
            slas=tuple(getattr(parsed, "linkis_sla", None) or ()),
            sla_abort=bool(getattr(parsed, "linkis_sla_abort", False)),
            run_marker=str(getattr(parsed, "linkis_run_marker", "") or ""),
        )


def connection_values(environ: Mapping[str, str]) -> dict[str, object]:
    """The run's connection options: `LINKIS_RUN_CONFIG` (set by `load`), else `LINKIS_*`.

    A worker started by hand or by a k8s manifest may give the plain variables instead.
    """
    values = from_environ(environ)
    if environ.get(RUN_CONFIG_VAR):
        values.update(decode_run_config(environ[RUN_CONFIG_VAR]))
    return values


@dataclass(frozen=True, slots=True)
class Connection:
    """How the users' HTTP client talks to the target: `--timeout` and `--insecure`."""

    timeout: float = 10.0
    insecure: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Connection:
        """Read the run configuration (or LINKIS_TIMEOUT / LINKIS_INSECURE)."""
        values = connection_values(environ)
        timeout = values.get("timeout", 10.0)
        insecure = values.get("insecure", False)
        return cls(
            timeout=float(timeout) if isinstance(timeout, int | float) else 10.0,
            insecure=bool(insecure),
        )


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who the users are: a password login or Token-Code/Token-User headers."""

    user: str
    password: str | None = None
    token_code: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Credentials:
        """Read the run configuration (or LINKIS_USER/LINKIS_PASSWORD, LINKIS_TOKEN_*)."""
        values = {k: str(v) for k, v in connection_values(environ).items()}
        token, token_user = values.get("token_code"), values.get("token_user")
        if token and token_user:
            return cls(user=token_user, token_code=token)
        user, password = values.get("user"), values.get("password")
        if not (user and password):
            raise ConfigError(
                "load users need LINKIS_USER and LINKIS_PASSWORD, or LINKIS_TOKEN_CODE and "
                "LINKIS_TOKEN_USER, in the environment (or LINKIS_RUN_CONFIG)"
            )
        return cls(user=user, password=password)

    def headers(self) -> dict[str, str]:
        """Headers every request carries (token auth) or none (cookie after login)."""
        if self.token_code is None:
            return {}
        return {"Token-Code": self.token_code, "Token-User": self.user}


class WorkloadMix:
    """The weighted workload mix read from the JSON file `linkis-harness load` writes."""

    def __init__(self, workloads: list[Workload]) -> None:
        if not workloads:
            raise ConfigError("the workload mix is empty")
        self.workloads = workloads
        self._weights = [w.weight for w in workloads]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WorkloadMix:
        """Load the file named by LINKIS_LOAD_WORKLOADS."""
        path = environ.get(ENV_WORKLOADS)
        if not path:
            raise ConfigError(f"{ENV_WORKLOADS} is not set (a JSON list of workloads)")
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{ENV_WORKLOADS}={path}: {exc}") from exc
        if not isinstance(data, list):
            raise ConfigError(f"{ENV_WORKLOADS}={path}: expected a JSON list")
        return cls(
            [
                Workload.from_mapping(item, source=f"{path}[{i}]")
                for i, item in enumerate(data)
            ]
        )

    def pick(self, rng: random.Random) -> Workload:
        """Choose one workload by weight."""
        return rng.choices(self.workloads, weights=self._weights)[0]
