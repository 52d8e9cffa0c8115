"""`linkis-harness check`: run the contract suite against a target and report what broke.

The suite (`contract_tests/`) runs with pytest in a subprocess, so a crash or a hang in a
check cannot take the runner (and the embedded simulator it may own) down with it. Settings
travel as one run configuration in `LINKIS_RUN_CONFIG` (secrets included), never on the
command line. The linkis pytest plugin (`-p linkis`) proves the target at session start and
writes one JSON line per event (the preflight's outcome, each finished test); this module
follows that file for progress and builds the final table from it.

Exit codes: 0 every check held (accepted quirks included), 1 violations, 2 the run could not be
made (usage, config, target unreachable, login refused: all checked before the suite starts).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TextIO

from linkis_harness import resources
from linkis_harness.check import baseline as check_baseline
from linkis_harness.check import report
from linkis_harness.check.terminal import CheckProgress
from linkis_harness.client.sweep import new_marker
from linkis_harness.config import RUN_CONFIG_VAR, Settings
from linkis_harness.core.families import FAMILIES
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError, ExitCode, HarnessError
from linkis_harness.reports.checkpage import write_check_report
from linkis_harness.safety import SafetyPolicy, describe_request

__all__ = ["pytest_command", "pytest_environment", "run_check", "run_configuration"]

# The embedded simulator's default accounts (simulator/auth.py DEFAULT_USERS): alice is the
# main user, bob the peer.
SIM_MAIN = ("alice", "alice123")
SIM_PEER = ("bob", "bob123")
_DEFAULT_PROXY_RULES = ("rules", "proxy.properties")
_DEFAULT_TOKEN_RULES = ("rules", "tokens.properties")
_DEFAULT_TOKEN_TABLE = ("rules", "tokens.csv")
_POLL = 0.2
_GRACE = 20.0  # seconds pytest gets after Ctrl-C to tear down (kill its jobs)
_HYPOTHESIS_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"


@dataclass(frozen=True, slots=True)
class _Run:
    """The resolved inputs of one pytest run (paths absolute, secrets only in `settings`)."""

    settings: Settings
    profile: str
    markers: str | None
    seed: int
    workloads: Path | None
    proxy_rules: Path | None
    token_rules: Path | None
    quirks: tuple[Path, ...]
    junit_xml: Path | None
    report_dir: Path | None
    policy: SafetyPolicy
    strict: bool = False  # --strict: Linkis' own accepted defects fail
    target_key: str = ""  # the target across runs (check/baseline.py)
    baseline: Path | None = None  # --baseline DIR/results.json
    baseline_keys: dict[str, str] | None = None
    token_table: Path | None = None
    gateway_properties: Path | None = None


def run_check(
    settings: Settings,
    *,
    proxy_rules: Path | None = None,
    token_rules: Path | None = None,
    token_table: Path | None = None,
    gateway_properties: Path | None = None,
    profile: str = "standard",
    junit_xml: Path | None = None,
    report_dir: Path | None = None,
    seed: int | None = None,
    workloads: Path | None = None,
    markers: str | None = None,
    quiet: bool = False,
    quirks: Sequence[Path] = (),
    sim_speed: float | None = None,
    policy: SafetyPolicy | None = None,
    linkis_version: str | None = None,
    strict: bool = False,
    require_complete: bool = False,
    baseline: Path | None = None,
    baseline_any_target: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Run the contract suite; return 0 (all held), 1 (violations) or 2 (could not run).

    `policy` (--rate-limit, --max-jobs, --read-only) is handed to the suite, whose client
    obeys it; `--dry-run` starts nothing and prints what the run would send first.
    `require_complete` (--require-complete): a run where a check did not run exits 1.
    """
    started = time.monotonic()
    embedded = settings.target is None
    policy = policy if policy is not None else SafetyPolicy()
    try:
        if linkis_version:
            Version.parse(linkis_version)  # a usage error before anything starts
        run = _resolve(
            settings,
            profile=profile,
            markers=markers,
            seed=seed,
            workloads=workloads,
            proxy_rules=proxy_rules,
            token_rules=token_rules,
            quirks=quirks,
            junit_xml=junit_xml,
            report_dir=report_dir,
            embedded=embedded,
            policy=policy,
        )
        key = check_baseline.target_id(settings.target)
        run = replace(run, strict=strict, target_key=key, baseline=baseline)
        if baseline is not None:
            keys = check_baseline.read_baseline(
                baseline, key, any_target=baseline_any_target
            )
            run = replace(run, baseline_keys=keys)
        run = _with_gateway_rules(run, token_table, gateway_properties, embedded)
        if policy.dry_run:
            _dry_run(run, out)
            return ExitCode.OK
    except ConfigError as exc:
        err.write(f"error: {exc}\n")
        return ExitCode.NOT_RUN
    with contextlib.ExitStack() as stack:
        work = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="linkis-check-"))
        )
        if embedded:
            try:
                url = stack.enter_context(_embedded(run, sim_speed, linkis_version))
            except HarnessError as exc:
                err.write(f"error: the embedded simulator did not start: {exc}\n")
                return ExitCode.NOT_RUN
            run = replace(run, settings=run.settings.with_target(url))
            if not quiet:
                out.write(f"embedded Linkis simulator at {run.settings.target}\n")
        # The suite proves the target (preflight, version) at its session start and says how
        # it went in the events file before any test runs.
        suite = _Suite(run, work, linkis_version)
        stack.callback(suite.abandon)
        found = suite.await_target()
        if found is None and suite.error is not None:
            err.write(f"error: {suite.error}\n")
            return ExitCode.NOT_RUN
        if found is not None and not quiet:
            out.write(found + "\n")
            out.write(
                f"jobs of this run carry '# linkis-harness-run: {suite.marker}'; "
                "cleanup kills only those\n"
            )
            out.write(
                f"checking {run.settings.target} (profile {run.profile}, seed {run.seed}"
                + (f", -m {run.markers!r}" if run.markers else "")
                + ")\n"
            )
        return _finish(
            suite,
            out=out,
            err=err,
            quiet=quiet,
            started=started,
            require_complete=require_complete,
        )
    return ExitCode.NOT_RUN  # pragma: no cover - the with-block always returns


def _resolve(
    settings: Settings,
    *,
    profile: str,
    markers: str | None,
    seed: int | None,
    workloads: Path | None,
    proxy_rules: Path | None,
    token_rules: Path | None,
    quirks: Sequence[Path],
    junit_xml: Path | None,
    report_dir: Path | None,
    embedded: bool,
    policy: SafetyPolicy,
) -> _Run:
    if profile not in ("smoke", "standard", "deep"):
        raise ConfigError(
            f"--profile: expected smoke, standard or deep, got {profile!r}"
        )
    if embedded:
        fixtures = resources.data_dir("fixtures")
        if proxy_rules is None and (fixtures.joinpath(*_DEFAULT_PROXY_RULES)).is_file():
            proxy_rules = fixtures.joinpath(*_DEFAULT_PROXY_RULES)
        if token_rules is None and (fixtures.joinpath(*_DEFAULT_TOKEN_RULES)).is_file():
            token_rules = fixtures.joinpath(*_DEFAULT_TOKEN_RULES)
        if settings.user is None and not settings.uses_token:
            settings = replace(settings, user=SIM_MAIN[0], password=SIM_MAIN[1])
        if settings.peer_user is None:
            settings = replace(
                settings, peer_user=SIM_PEER[0], peer_password=SIM_PEER[1]
            )
    elif settings.user is None and not settings.uses_token:
        raise ConfigError(
            "no credentials for the target: pass --user and --password "
            "(or --token-code and --token-user, or LINKIS_* variables)"
        )
    if settings.peer_user is not None and settings.peer_password is None:
        raise ConfigError("--peer-user needs --peer-password (or LINKIS_PEER_PASSWORD)")
    for flag, path in (("--proxy-rules", proxy_rules), ("--token-rules", token_rules)):
        if path is not None:
            _readable_rules(flag, path)
    if workloads is not None and not workloads.is_dir():
        raise ConfigError(f"--workloads: no such directory: {workloads}")
    shipped = resources.data_dir("fixtures") / "quirks.yaml"
    quirk_files = ([shipped] if shipped.is_file() else []) + list(quirks)
    for path in quirk_files:
        if not path.is_file():
            raise ConfigError(f"--quirks: no such file: {path}")
    return _Run(
        settings=settings,
        profile=profile,
        markers=markers or None,
        seed=seed if seed is not None else random.randrange(1, 2**31),
        workloads=_abs(workloads),
        proxy_rules=_abs(proxy_rules),
        token_rules=_abs(token_rules),
        quirks=tuple(p.resolve() for p in quirk_files),
        junit_xml=_abs(junit_xml),
        report_dir=_abs(report_dir),
        policy=policy,
    )


def _readable_rules(flag: str, path: Path) -> None:
    """Refuse a rules file the suite could not read (missing, not UTF-8, not rules)."""
    from linkis_harness.core.rules import parse_rules

    if not path.is_file():
        raise ConfigError(f"{flag}: no such file: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{flag}: {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    kind: Literal["proxy", "token"] = "token" if flag == "--token-rules" else "proxy"
    parse_rules(text, source=str(path), kind=kind)  # names the file and line


_EMBEDDED_URL = "http://127.0.0.1:<embedded simulator port>"


def _dry_run(run: _Run, out: TextIO) -> None:
    """Print the login and one submit per workload of the profile (at most --max-jobs)."""
    from linkis_harness.resources.workloads import load_workloads, select

    s = run.settings
    base = (s.target or _EMBEDDED_URL) + "/api/rest_j/v1"
    secrets = s.secrets()
    out.write("dry run: nothing is sent; the run would start with:\n")
    if s.uses_token:
        headers = {"Token-Code": str(s.token_code), "Token-User": str(s.token_user)}
        out.write(
            describe_request(
                "GET",
                base + "/jobhistory/list?pageSize=1",
                headers=headers,
                secrets=secrets,
            )
            + "\n"
        )
    else:
        body = json.dumps({"userName": s.user, "password": s.password})
        out.write(
            describe_request(
                "POST",
                base + "/user/login",
                headers={"Content-Type": "application/json"},
                body=body,
                secrets=secrets,
            )
            + "\n"
        )
        headers = {"Cookie": "linkis_user_session_ticket_id_v1=<ticket>"}
    workloads = select(load_workloads(run.workloads), run.profile)
    limit = run.policy.max_jobs
    shown = workloads if limit is None else workloads[:limit]
    for workload in shown:
        body = json.dumps(
            workload.submit_body(user=s.user or s.token_user or ""), ensure_ascii=False
        )
        out.write(
            describe_request(
                "POST",
                base + "/entrance/submit",
                headers={**headers, "Content-Type": "application/json"},
                body=body,
                secrets=secrets,
            )
            + "\n"
        )
    if len(shown) < len(workloads):
        out.write(
            f"({len(workloads) - len(shown)} more workload(s) over --max-jobs {limit} would be skipped)\n"
        )


def _with_gateway_rules(
    run: _Run,
    token_table: Path | None,
    gateway_properties: Path | None,
    embedded: bool,
) -> _Run:
    """Add --token-table / --gateway-properties (the shipped table on the embedded simulator)."""
    if embedded and token_table is None:
        sample = resources.data_dir("fixtures").joinpath(*_DEFAULT_TOKEN_TABLE)
        token_table = sample if sample.is_file() else None
    for flag, path in (
        ("--token-table", token_table),
        ("--gateway-properties", gateway_properties),
    ):
        if path is not None and not path.is_file():
            raise ConfigError(f"{flag}: no such file: {path}")
    return replace(
        run, token_table=_abs(token_table), gateway_properties=_abs(gateway_properties)
    )


def _abs(path: Path | None) -> Path | None:
    return path.resolve() if path is not None else None


@contextlib.contextmanager
def _embedded(
    run: _Run, speed: float | None, linkis_version: str | None
) -> Iterator[str]:
    """Start the embedded simulator imitating `--linkis-version` (default: its newest).

    It binds port 0 itself and announces the URL it got.
    """
    from linkis_harness.simulator.launch import start_simulator

    version = ("--linkis-version", linkis_version) if linkis_version else ()
    extra = [*version]
    if run.token_table is not None:
        extra += ["--token-table", str(run.token_table)]
    if run.gateway_properties is not None:
        extra += ["--gateway-properties", str(run.gateway_properties)]
    # Deployed behind a proxy that overwrites X-Forwarded-For (ledger: gateway.token.host).
    extra.append("--behind-proxy")
    with start_simulator(
        proxy_rules=run.proxy_rules,
        token_rules=run.token_rules,
        speed=speed if speed is not None else 1.0,
        extra_args=tuple(extra),
    ) as sim:
        yield sim.url


def pytest_command(
    run: _Run,
    *,
    events: Path,
    cassette: Path | None,
    junit: Path | None,
    requests: Path | None = None,
) -> list[str]:
    """Return the pytest argv for one run (no settings: those are the run configuration)."""
    suite = resources.data_dir("contract_tests")
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *suite_paths(suite, run.markers),
        "-c",
        os.devnull,
        "--rootdir",
        str(suite),
        # Only the plugins the suite uses (pytest_environment turns autoloading off): a plugin
        # installed beside the harness (xdist, anyio, Locust's, a coverage tool) stays out.
        "-p",
        "hypothesispytest",
        "-p",
        "schemathesis",
        "-p",
        "no:cacheprovider",
        "-p",
        "linkis",
        "-q",
        "--tb=short",
        "--color=no",
        "-o",
        "junit_family=xunit2",
        "--linkis-events",
        str(events),
        "--hypothesis-seed",
        str(run.seed),
    ]
    if cassette is not None:
        argv += ["--linkis-cassette", str(cassette)]
    if requests is not None:
        argv += ["--linkis-requests", str(requests)]
    if junit is not None:
        argv += ["--junit-xml", str(junit)]
    if run.markers:
        argv += ["-m", run.markers]
    return argv


def suite_paths(suite: Path, markers: str | None) -> list[str]:
    """Return what pytest collects: only the files `-m` can select, when it names families only.

    Each `contract_tests/test_<family>.py` marks all its tests with its family alone, so a file
    whose family the expression rejects has nothing to run, and importing it costs a run up to a
    second (the schema family loads the spec and builds its tests at import). An expression
    naming anything else (`hypothesis`, an unknown name) keeps the whole directory: pytest
    decides, and says so when nothing is selected.
    """
    whole = [str(suite)]
    if not markers:
        return whole
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m grammar

        expression = Expression.compile(markers)
    except (ImportError, SyntaxError):
        return whole
    named: set[str] = set()

    def has(family: str) -> Callable[..., bool]:
        def matcher(name: str, **_: object) -> bool:
            named.add(name)
            return name == family

        return matcher

    chosen = [f for f in FAMILIES if expression.evaluate(has(f))]
    files = [suite / f"test_{f}.py" for f in chosen]
    if not chosen or not named <= set(FAMILIES) or not all(f.is_file() for f in files):
        return whole
    return [str(f) for f in files]


def run_configuration(run: _Run, linkis_version: str | None = None) -> str:
    """Serialise the run's settings and suite options for `LINKIS_RUN_CONFIG` (secrets included)."""
    return run.settings.to_run_config(
        profile=run.profile,
        seed=run.seed,
        workloads=_text(run.workloads),
        proxy_rules=_text(run.proxy_rules),
        token_rules=_text(run.token_rules),
        token_table=_text(run.token_table),
        gateway_properties=_text(run.gateway_properties),
        quirks=tuple(str(p) for p in run.quirks),
        linkis_version=linkis_version or None,
        strict=run.strict or None,
    )


def _text(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def pytest_environment(
    run: _Run,
    linkis_version: str | None = None,
    base: dict[str, str] | None = None,
) -> dict[str, str]:
    """Return the subprocess environment: no inherited LINKIS_* values, one run configuration."""
    env = {
        k: v
        for k, v in (base if base is not None else os.environ).items()
        if not k.startswith("LINKIS_")
    }
    env[RUN_CONFIG_VAR] = run_configuration(run, linkis_version)
    env.update(run.policy.to_env())
    # pytest rewrites the asserts of every plugin module (schemathesis, hypothesis) on each start
    # unless it may cache the result: ~5 s of CPU per run without the cache.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = (
        "1"  # pytest_command names the suite's plugins
    )
    if _HYPOTHESIS_STORAGE not in env:
        cache = _hypothesis_cache(env)
        if cache is not None:
            env[_HYPOTHESIS_STORAGE] = str(cache)
    return env


def _hypothesis_cache(env: dict[str, str]) -> Path | None:
    """Where the suite's hypothesis keeps its Unicode tables between runs (None: no home).

    The suite runs in a fresh temporary directory, where hypothesis would rebuild its tables of
    the characters a codec can encode (~1.5 s of CPU) on every run; it keeps no example database
    (the suite's settings turn it off), so nothing else is stored there.
    """
    base = env.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "linkis-harness" / "hypothesis"


class _Suite:
    """The pytest subprocess of one run; it proves the target itself before any test."""

    def __init__(self, run: _Run, work: Path, linkis_version: str | None) -> None:
        self.run = run
        report_dir = run.report_dir
        if report_dir is not None:
            report_dir.mkdir(parents=True, exist_ok=True)
        self.events = work / "events.jsonl"
        self.error: str | None = None
        self.linkis_version: str | None = None
        self._pending = ""
        self._early: list[str] = []
        self.junit = (
            (report_dir / "junit.xml") if report_dir is not None else run.junit_xml
        )
        cassette = (report_dir / "cassette.yaml") if report_dir is not None else None
        self.log_path = (
            (report_dir / "pytest.log")
            if report_dir is not None
            else work / "pytest.log"
        )
        requests: Path | None = None
        if report_dir is not None:
            requests = report_dir / "requests.jsonl"
            requests.unlink(missing_ok=True)
        argv = pytest_command(
            run,
            events=self.events,
            cassette=cassette,
            junit=self.junit,
            requests=requests,
        )
        self.events.touch()
        self._feed = self.events.open("r", encoding="utf-8")
        self._log = self.log_path.open("wb")
        # Every job of the run carries this marker; the suite's cleanup kills only those.
        self.marker = new_marker()
        env = pytest_environment(run, linkis_version)
        env["LINKIS_RUN_MARKER"] = self.marker
        self.proc = subprocess.Popen(
            argv,
            cwd=work,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def await_target(self) -> str | None:
        """Wait for the suite's preflight: return its version line, or None (see `error`).

        None with no `error`: pytest ended before proving anything (a usage or collection
        error); `_finish` reports it from pytest's own output.
        """
        while True:
            code = self.proc.poll()
            chunk = self._pending + self._feed.read()
            *lines, self._pending = chunk.split("\n")
            for number, line in enumerate(lines):
                event = _event(line)
                if event.get("event") == "abort":
                    self.error = str(event.get("error", "the target was not proven"))
                    return None
                if event.get("event") == "target":
                    self.linkis_version = str(event.get("version") or "") or None
                    self._early = lines[number + 1 :]
                    return str(event.get("describe", ""))
            if code is not None:
                # Ended without a word about the target: follow() reads what it wrote.
                self._early = lines
                return None
            time.sleep(_POLL / 4)

    def abandon(self) -> None:
        """End pytest if it still runs (an error on the way): SIGINT lets it kill its jobs."""
        if self.proc.poll() is None:
            _stop(self.proc)
        self._log.close()
        self._feed.close()

    def follow(self, out: TextIO, quiet: bool) -> tuple[report.RunResults, int, bool]:
        """Echo each finished test until pytest ends; stop it cleanly on Ctrl-C."""
        results = report.RunResults()
        interrupted = False
        feed = self._feed
        with CheckProgress(out, quiet=quiet) as progress:
            # What await_target read past the preflight's event, then the rest of the file.
            pending = "".join(line + "\n" for line in self._early) + self._pending
            try:
                while True:
                    code = self.proc.poll()
                    pending = _drain(feed, pending, results, progress)
                    if code is not None:
                        break
                    time.sleep(_POLL)
            except KeyboardInterrupt:
                interrupted = True
                progress.close()
                out.write(
                    "\ninterrupted: stopping the suite (its jobs are killed on the way out)\n"
                )
                _stop(self.proc)
            code = self.proc.wait()
            _drain(feed, pending, results, progress)
        return results, code, interrupted


def _event(line: str) -> dict[str, object]:
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _finish(
    suite: _Suite,
    *,
    out: TextIO,
    err: TextIO,
    quiet: bool,
    started: float,
    require_complete: bool = False,
) -> int:
    run = suite.run
    results, code, interrupted = suite.follow(out, quiet)
    wall = time.monotonic() - started
    junit = suite.junit
    if (
        junit is not None
        and run.junit_xml is not None
        and junit != run.junit_xml
        and junit.is_file()
    ):
        run.junit_xml.parent.mkdir(parents=True, exist_ok=True)
        run.junit_xml.write_bytes(junit.read_bytes())
    exit_code, problem = _exit_code(results, code, interrupted, suite.log_path, run)
    verdict = report.Verdict.of(results, problem=problem)
    if (
        require_complete
        and exit_code == ExitCode.OK
        and not verdict.complete
        and problem is None
    ):
        exit_code = ExitCode.FINDINGS
    if exit_code == ExitCode.OK and verdict.left_running:
        exit_code = ExitCode.FINDINGS  # the run's jobs are not proven ended
    report.render_summary(results, out, wall=wall, quiet=quiet, verdict=verdict)
    if problem is not None:
        err.write(f"error: {problem}\n")
    elif exit_code == ExitCode.FINDINGS and verdict.left_running:
        err.write(f"error: {report.cleanup_line(results.cleanup or {})}\n")
    elif exit_code == ExitCode.FINDINGS and not results.failures:
        err.write(
            f"error: --require-complete: {verdict.skipped} check(s) did not run\n"
        )
    extra: dict[str, Any] = {"target_id": run.target_key}
    if run.baseline_keys is not None and exit_code != ExitCode.NOT_RUN:
        assert run.baseline is not None
        diff = check_baseline.compare(run.baseline_keys, results.to_json())
        check_baseline.print_diff(diff, run.baseline, out)
        extra["baseline"] = check_baseline.to_json(diff, run.baseline)
        new = diff.new or verdict.left_running  # jobs left running stay a finding
        exit_code = ExitCode.FINDINGS if new else ExitCode.OK
    if run.report_dir is not None:
        report.write_results(
            run.report_dir / "results.json",
            results,
            verdict=verdict,
            require_complete=require_complete,
            **extra,
            target=run.settings.target,
            profile=run.profile,
            seed=run.seed,
            markers=run.markers,
            exit_code=int(exit_code),
            wall_seconds=round(wall, 2),
            durations={k: round(v, 2) for k, v in results.durations().items()},
            linkis_version=suite.linkis_version,
            run_marker=suite.marker,
        )
        try:
            page = write_check_report(run.report_dir, secrets=run.settings.secrets())
        except (OSError, HarnessError) as exc:
            err.write(f"error: the HTML report was not written: {exc}\n")
        else:
            if not quiet:
                out.write(f"report: {page}\n")
    return exit_code


def _drain(
    feed: TextIO, pending: str, results: report.RunResults, progress: CheckProgress
) -> str:
    chunk = pending + feed.read()
    *lines, rest = chunk.split("\n")
    for line in lines:
        parsed = report.parse_events([line])
        for found in parsed.outcomes:
            outcome = report.for_cli(found)
            results.outcomes.append(outcome)
            progress.result(outcome)
        if parsed.collected is not None:
            results.collected = parsed.collected
            progress.collected(parsed.collected)
        if parsed.pytest_exit is not None:
            results.pytest_exit = parsed.pytest_exit
        if parsed.cleanup is not None:
            results.cleanup = parsed.cleanup
        for family, seconds in parsed.teardown.items():
            results.teardown[family] = results.teardown.get(family, 0.0) + seconds
    return rest


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT first (pytest tears its fixtures down and kills its jobs), then terminate."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=_GRACE)
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _exit_code(
    results: report.RunResults,
    code: int,
    interrupted: bool,
    log_path: Path,
    run: _Run,
) -> tuple[ExitCode, str | None]:
    """Return the exit code, and why the run did not run to its end (None when it did)."""
    if interrupted:
        return ExitCode.NOT_RUN, "interrupted; the results above are partial"
    if results.failures:
        return ExitCode.FINDINGS, None
    if code == 0:
        return ExitCode.OK, None
    if code == 5:
        selected = f" by -m {run.markers!r}" if run.markers else ""
        return ExitCode.NOT_RUN, f"no checks selected{selected}"
    if code == 1:
        # pytest saw failures the plugin could not attribute (e.g. a collection error).
        return (
            ExitCode.FINDINGS,
            f"the suite failed outside any check; see {_tail(log_path)}",
        )
    return (
        ExitCode.NOT_RUN,
        f"the contract suite could not run (pytest exit {code}): {_tail(log_path)}",
    )


def _tail(log_path: Path) -> str:
    """Return the most telling line of pytest's own output (usage or collection errors)."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return str(log_path)
    for line in lines:
        if line.startswith(("ERROR:", "E   ", "error:")):
            return line.strip()
    meaningful = [line for line in lines if line.strip()]
    return meaningful[-1].strip() if meaningful else str(log_path)
