"""Charts for the HTML reports, drawn once by matplotlib and kept as inline SVG and as PNG.

A `Chart` holds both renderings of one figure: the report embeds `svg` inline (text stays text,
so it can be searched and read by a screen reader) and the caller writes `png` next to it for
those who want a picture file. matplotlib's object API is used without pyplot: no global
figure state and no backend switch in the process.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["Chart", "draw", "lifecycle_chart", "throughput_chart"]

_PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a")
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Chart:
    """One figure as an inline `<svg>` element and as PNG bytes."""

    name: str  # the PNG's file stem, e.g. "lifecycle" for lifecycle.png
    title: str
    svg: str
    png: bytes


def draw(name: str, title: str, figure: Figure) -> Chart:
    """Render a figure as SVG (text kept as text) and as PNG."""
    # The salt makes the SVG's ids unique per chart, so several charts share one page.
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        svg = io.StringIO()
        figure.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=90)
    element = _PROLOGUE.sub("", svg.getvalue(), count=1)
    element = element.replace(
        "<svg ", f'<svg role="img" aria-label="{_attribute(title)}" ', 1
    )
    return Chart(name=name, title=title, svg=element, png=png.getvalue())


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _points(windows: Any, key: str) -> list[tuple[float, float]]:
    return sorted(
        (float(w["t"]), float(w[key]) / 1000)
        for w in windows or ()
        if isinstance(w, dict)
        and isinstance(w.get("t"), int | float)
        and isinstance(w.get(key), int | float)
    )


def lifecycle_chart(timeline: Mapping[str, Any]) -> Chart:
    """Lifecycle percentiles (p50 solid, p95 dashed) per window, and users over time.

    `timeline` is summary.json's: `lifecycle` {family: [{t, p50, p95}, ...]} in milliseconds
    and `users` [[t, users], ...], times in seconds into the run.
    """
    figure = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    lifecycle = timeline.get("lifecycle") or {}
    drawn = False
    for index, (family, windows) in enumerate(sorted(lifecycle.items())):
        color = _PALETTE[index % len(_PALETTE)]
        for key, style in (("p50", "-"), ("p95", "--")):
            points = _points(windows, key)
            if points:
                top.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    style,
                    color=color,
                    marker="o" if key == "p50" else None,
                    markersize=3,
                    label=f"{family} {key}",
                )
                drawn = True
    top.set_title("Lifecycle percentiles per window (seconds since submit)", loc="left")
    top.set_ylabel("seconds")
    top.set_ylim(bottom=0)
    top.grid(alpha=0.3)
    if drawn:
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    else:  # a run whose every job failed to submit has no lifecycle
        top.text(0.5, 0.5, "no samples", ha="center", transform=top.transAxes)
    users = [
        (float(t), float(u))
        for t, u in timeline.get("users") or ()
        if isinstance(t, int | float) and isinstance(u, int | float)
    ]
    if users:
        bottom.step(
            [t for t, _ in users],
            [u for _, u in users],
            where="post",
            color=_PALETTE[0],
        )
    else:
        bottom.text(0.5, 0.5, "no samples", ha="center", transform=bottom.transAxes)
    bottom.set_title("Users over time", loc="left")
    bottom.set_ylim(bottom=0)
    bottom.set_ylabel("users")
    bottom.set_xlabel("seconds into the run")
    bottom.set_xlim(left=0)
    bottom.grid(alpha=0.3)
    return draw("lifecycle", "Job lifecycle percentiles and users over time", figure)


def _series(windows: Any, key: str) -> list[tuple[float, float]]:
    return sorted(
        (float(w["t"]), float(w[key]))
        for w in windows or ()
        if isinstance(w, dict)
        and isinstance(w.get("t"), int | float)
        and isinstance(w.get(key), int | float)
    )


def throughput_chart(timeline: Mapping[str, Any]) -> Chart:
    """Draw throughput over time: requests, failures, jobs per second and the backlog.

    The backlog is the jobs submitted and not yet seen Running. `timeline["throughput"]` is
    summary.json's list of windows {t, requests_per_s, failures_per_s, submitted_per_s,
    finished_per_s, backlog}, t in seconds into the run.
    """
    figure = Figure(figsize=(10, 7.5), layout="constrained")
    panels = figure.subplots(3, 1, sharex=True)
    windows = timeline.get("throughput")
    rows = (
        (
            "Requests per second",
            (("requests_per_s", "requests/s"), ("failures_per_s", "failures/s")),
        ),
        (
            "Jobs per second",
            (("submitted_per_s", "submitted/s"), ("finished_per_s", "finished/s")),
        ),
        ("Backlog (jobs submitted, not yet Running)", (("backlog", "backlog"),)),
    )
    for axis, (title, keys) in zip(panels, rows, strict=True):
        drawn = False
        for index, (key, label) in enumerate(keys):
            points = _series(windows, key)
            if points:
                axis.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    color=_PALETTE[index if key != "failures_per_s" else 1],
                    label=label,
                )
                drawn = True
        axis.set_title(title, loc="left")
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        if drawn:
            axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
        else:
            axis.text(0.5, 0.5, "no samples", ha="center", transform=axis.transAxes)
    panels[-1].set_xlabel("seconds into the run")
    panels[-1].set_xlim(left=0)
    return draw("throughput", "Throughput and backlog over time", figure)
