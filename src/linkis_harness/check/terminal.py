"""Progress of a `check` run on the terminal: a live bar on a TTY, plain lines elsewhere.

On a terminal (rich): one progress bar with the passed/failed/skipped counts so far and the
check running now; each failure is printed above the bar as it happens. Anywhere else (a CI log,
a pipe, a test's StringIO): one plain line per finished check, as `report.progress_line`
writes it. `--quiet`: nothing while running (the runner prints only the failures and the final
table at the end).
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from linkis_harness.check import report

__all__ = ["CheckProgress"]


class CheckProgress:
    """Show a check run's progress on `out` (live bar when `live`, default: `out` is a TTY)."""

    def __init__(
        self, out: TextIO, *, quiet: bool = False, live: bool | None = None
    ) -> None:
        self.out = out
        self.quiet = quiet
        if live is None:
            isatty = getattr(out, "isatty", None)
            live = bool(isatty()) if callable(isatty) else False
        self.live = live and not quiet
        self.counts: Counter[str] = Counter()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> CheckProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def collected(self, total: int) -> None:
        """Set the bar's length: the suite collected `total` checks."""
        if self.quiet:
            return
        if not self.live:
            self.out.write(f"{total} checks collected\n")
            return
        if self._progress is None:
            console = Console(file=self.out, force_terminal=True, highlight=False)
            self._progress = Progress(
                TextColumn("[bold]checks"),
                BarColumn(bar_width=30),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[current]}", style="dim"),
                console=console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "checks", total=total, counts="", current=""
            )
        else:
            assert self._task is not None
            self._progress.update(self._task, total=total)

    def result(self, outcome: report.Outcome) -> None:
        """One check finished."""
        self.counts[outcome.column] += 1
        if self.quiet:
            return
        if not self.live or self._progress is None or self._task is None:
            self.out.write(report.progress_line(outcome) + "\n")
            self.out.flush()
            return
        if outcome.column == "failed":
            line = Text(report.progress_line(outcome), style="bold red")
            self._progress.console.print(line, soft_wrap=True)
        elif outcome.column == "skipped" or outcome.warning:
            # A check that did not run (or held with a warning) is shown with its reason.
            style = "yellow" if outcome.warning else "dim"
            line = Text(report.progress_line(outcome), style=style)
            self._progress.console.print(line, soft_wrap=True)
        self._progress.update(
            self._task,
            advance=1,
            counts=self._summary(),
            current=outcome.nodeid.split("::", 1)[-1][:40],
        )

    def _summary(self) -> str:
        parts = [
            f"{self.counts[c]} {c}" for c in ("passed", "failed", "accepted", "skipped")
        ]
        return ", ".join(p for p in parts if not p.startswith("0 ")) or "-"

    def close(self) -> None:
        """End the live bar (it disappears; the final table follows)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
