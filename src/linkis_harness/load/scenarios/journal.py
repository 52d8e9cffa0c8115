"""The run's journal: exact raw samples and the job ledger, merged on the master.

Locust rounds its percentiles to two significant digits, so every sample (value, time) is also
kept exactly. Workers hold what they gathered until their next stats report
(`report_to_master`, every 3 s) and ship it; the master (or the single local process) does not
hold samples at all: it streams each one to `samples.jsonl` on disk (`[name, value, at]` a
line) and keeps per entry only a `Tally` (count, failures, an HdrHistogram), so its memory stays
flat over a soak of hours. `samples.json`, written when Locust quits, holds the tallies,
violations and users over time; the runner reads the exact samples back from the stream.

The histograms (3 significant digits: a percentile within 0.1% of the exact one) serve the live
SLA check of `--sla-abort`; the final verdict is computed by the runner from the exact samples.

The ledger is what cleanup relies on: every submitted job and every job seen finishing. Workers
send each entry to the master at once (a custom message), and the master appends it to
`ledger.jsonl` and flushes, so a crashed worker or master still leaves the runner every job
it must kill.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from linkis_harness.core.sla import Kind, Sla, select
from linkis_harness.errors import ContractViolation

LEDGER_MESSAGE = "linkis_job"
STOP_FILE = "stop"  # created in the output directory to end the run gracefully
STREAM_FILE = "samples.jsonl"  # master/local: every raw sample, one JSON list a line
# HdrHistogram: values recorded in thousandths (µs for times), up to a day, 3 significant digits.
_SCALE = 1000.0
_HIGHEST = 86_400_000_000
_DIGITS = 3


class Entry:
    """The raw samples of one stats entry (compact lists; floats in ms, or lines/s)."""

    __slots__ = ("fail_times", "failures", "times", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.times: list[float] = []
        self.fail_times: list[float] = []  # when the failed samples were recorded
        self.failures = 0

    def add(self, value: float, at: float, failed: bool) -> None:
        self.values.append(round(value, 3))
        self.times.append(round(at, 2))
        if failed:
            self.failures += 1
            self.fail_times.append(round(at, 2))

    def merge(self, data: dict[str, Any]) -> None:
        self.values.extend(data["values"])
        self.times.extend(data["times"])
        self.fail_times.extend(data.get("fail_times", []))
        self.failures += int(data["failures"])

    def dump(self) -> dict[str, Any]:
        return {
            "values": self.values,
            "times": self.times,
            "fail_times": self.fail_times,
            "failures": self.failures,
        }


class Tally:
    """What the master keeps of one entry: counts and a histogram, never the samples."""

    __slots__ = ("count", "fail_times", "failures", "histogram", "total")

    def __init__(self) -> None:
        self.histogram = HdrHistogram(1, _HIGHEST, _DIGITS)
        self.count = 0
        self.total = 0.0
        self.failures = 0
        self.fail_times: list[float] = []  # when the failed samples were recorded

    def add(self, value: float) -> None:
        self.histogram.record_value(min(max(int(value * _SCALE), 0), _HIGHEST))
        self.count += 1
        self.total += value

    def dump(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "failures": self.failures,
            "fail_times": self.fail_times,
        }


class Journal:
    """One Locust process's share of the journal; `role` is local, master or worker."""

    def __init__(self, role: str, out_dir: Path | None) -> None:
        self.role = role
        self.out_dir = out_dir
        self.entries: dict[str, Entry] = {}  # worker: samples since the last report
        self.tallies: dict[str, Tally] = {}  # master/local: per entry, no samples
        self.violations: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.reports: Counter[str] = Counter()  # samples received per worker id
        self.users: list[tuple[float, int]] = []
        self.started: float | None = None
        self.stopped: float | None = None
        self.aborted: str | None = None
        self.budget_exhausted = False
        self._ledger = None
        self._stream = None
        if out_dir is not None and role != "worker":
            out_dir.mkdir(parents=True, exist_ok=True)
            self._ledger = (out_dir / "ledger.jsonl").open("a", encoding="utf-8")
            self._stream = (out_dir / STREAM_FILE).open("w", encoding="utf-8")

    def stop_requested(self) -> bool:
        """True once the runner asked for a graceful end (the `stop` file exists)."""
        return self.out_dir is not None and (self.out_dir / STOP_FILE).exists()

    # -- recording (every process) ----------------------------------------------------------
    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        exception: BaseException | None = None,
        **_: Any,
    ) -> None:
        """`events.request` listener: keep the exact sample and classify the failure."""
        value, at, failed = (
            float(response_time or 0.0),
            time.time(),
            exception is not None,
        )
        if self.role == "worker":
            entry = self.entries.get(name)
            if entry is None:
                entry = self.entries[name] = Entry()
            entry.add(value, at, failed)
        else:
            self._record(name, [round(value, 3)], [round(at, 2)])
            if failed:
                self._failed(name, [round(at, 2)])
        if isinstance(exception, ContractViolation):
            key = f"[{exception.check}] {exception.title}"
            self.violations[key] += 1
            self.examples.setdefault(key, str(exception)[:500])

    def _tally(self, name: str) -> Tally:
        tally = self.tallies.get(name)
        if tally is None:
            tally = self.tallies[name] = Tally()
        return tally

    def _record(self, name: str, values: list[float], times: list[float]) -> None:
        """Master/local: stream samples to disk and count them in the entry's histogram."""
        tally = self._tally(name)
        for value in values:
            tally.add(value)
        if self._stream is not None:
            label = json.dumps(name, ensure_ascii=False)
            self._stream.writelines(
                f"[{label}, {v}, {t}]\n" for v, t in zip(values, times, strict=True)
            )

    def _failed(self, name: str, times: list[float]) -> None:
        tally = self._tally(name)
        tally.failures += len(times)
        tally.fail_times.extend(times)

    def measure(self, sla: Sla) -> tuple[float | None, int]:
        """Evaluate one SLA from the tallies (histogram precision); (None, 0) without samples."""
        chosen = [self.tallies[n] for n in select(sla.metric, self.tallies)]
        count = sum(t.count for t in chosen)
        if not count:
            return None, 0
        if sla.kind is Kind.FAIL_RATIO:
            return sum(t.failures for t in chosen) / count, count
        if sla.kind is Kind.AVG:
            return sum(t.total for t in chosen) / count, count
        if sla.kind is Kind.MAX:
            return max(t.histogram.get_max_value() for t in chosen) / _SCALE, count
        merged = HdrHistogram(1, _HIGHEST, _DIGITS)
        for tally in chosen:
            merged.add(tally.histogram)
        quantile = sla.quantile or 100.0
        return merged.get_value_at_percentile(quantile) / _SCALE, count

    # -- ledger -------------------------------------------------------------------------------
    def job_event(self, runner: Any, **event: Any) -> None:
        """Record a job event: submitted, finished (with its state) or killed at cleanup."""
        event["at"] = round(time.time(), 3)
        if self.role == "worker":
            runner.send_message(LEDGER_MESSAGE, event)
        else:
            self.write_ledger(event)

    def write_ledger(self, event: dict[str, Any]) -> None:
        if self._ledger is not None:
            self._ledger.write(json.dumps(event, ensure_ascii=False) + "\n")
            self._ledger.flush()

    def on_ledger_message(self, environment: Any, msg: Any, **_: Any) -> None:
        """Master: a worker's ledger entry."""
        self.write_ledger(dict(msg.data))

    # -- worker -> master ---------------------------------------------------------------------
    def on_report_to_master(self, client_id: str, data: dict[str, Any]) -> None:
        """Worker: ship the samples gathered since the last report and forget them."""
        data["linkis"] = {
            "entries": {name: e.dump() for name, e in self.entries.items()},
            "violations": dict(self.violations),
            "examples": self.examples,
            "budget_exhausted": self.budget_exhausted,
        }
        self.entries = {}
        self.violations = Counter()
        self.examples = {}

    def on_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        """Master: merge one worker's samples."""
        part = data.get("linkis")
        if not part:
            return
        for name, dumped in part["entries"].items():
            self._record(name, dumped["values"], dumped["times"])
            self._failed(name, dumped.get("fail_times", []))
            self.reports[client_id] += len(dumped["values"])
        self.violations.update(part["violations"])
        for key, text in part["examples"].items():
            self.examples.setdefault(key, text)
        self.budget_exhausted = self.budget_exhausted or bool(part["budget_exhausted"])

    # -- output -------------------------------------------------------------------------------
    def write(self, errors: list[dict[str, Any]]) -> None:
        """Master/local: write samples.json (raw samples, violations, users over time)."""
        if self.out_dir is None or self.role == "worker":
            return
        summary = {
            "started": self.started,
            "stopped": self.stopped or time.time(),
            "aborted": self.aborted,
            "budget_exhausted": self.budget_exhausted,
            "entries": {name: t.dump() for name, t in self.tallies.items()},
            "stream": STREAM_FILE if self._stream is not None else None,
            "violations": {
                key: {"count": n, "example": self.examples.get(key, "")}
                for key, n in self.violations.items()
            },
            "workers": dict(self.reports),
            "users": self.users,
            "errors": errors,
        }
        tmp = self.out_dir / "samples.json.tmp"
        tmp.write_text(json.dumps(summary, default=str), encoding="utf-8")
        tmp.replace(self.out_dir / "samples.json")
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
