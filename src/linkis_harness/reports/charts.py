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

__all__ = ["Chart", "draw", "lifecycle_chart"]

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
