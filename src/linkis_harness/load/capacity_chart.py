"""The capacity search's chart (matplotlib, Agg) and its small self-contained HTML page.

Throughput and latency against the offered rate, one point per step, with the knee (the
capacity found) marked; held steps filled, breached steps hollow.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

__all__ = ["CAPACITY_REPORT", "chart", "write_html"]

CAPACITY_REPORT = "capacity-report.html"


def chart(data: dict[str, Any], path: Path) -> None:
    """Throughput (jobs/min) and the SLA measures against the offered rate, knee marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = sorted(data["steps"], key=lambda s: s["rate_per_min"])
    rates = [s["rate_per_min"] for s in steps]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    top.plot(rates, [s["throughput_per_min"] for s in steps], "-", color="tab:blue")
    for s in steps:
        held = s["verdict"] == "held"
        top.plot(
            s["rate_per_min"],
            s["throughput_per_min"],
            "o",
            color="tab:blue",
            fillstyle="full" if held else "none",
        )
    if rates:
        top.plot([0, max(rates)], [0, max(rates)], ":", color="grey", label="offered")
    top.set_ylabel("jobs finished / min")
    top.set_title(
        "Throughput and latency vs offered rate (filled: held, hollow: breached)"
    )
    for text in data["slas"]:
        points = [(s["rate_per_min"], s["slas"].get(text)) for s in steps]
        points = [(r, v) for r, v in points if v is not None]
        if points and not text.startswith("fail_ratio"):
            bottom.plot(
                [p[0] for p in points], [p[1] / 1000 for p in points], "o-", label=text
            )
    bottom.set_ylabel("seconds")
    bottom.set_xlabel("offered rate (jobs/min)")
    knee = data.get("jobs_per_min")
    for axis in (top, bottom):
        if knee:
            axis.axvline(
                knee, color="tab:red", linestyle="--", label=f"knee {knee:g}/min"
            )
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_html(data: dict[str, Any], directory: Path) -> Path:
    """capacity-report.html: the answer, the chart (inline) and the table of every step."""
    png = directory / "capacity.png"
    image = base64.b64encode(png.read_bytes()).decode("ascii") if png.exists() else ""
    e = html.escape
    head = ["rate/min", "verdict", "throughput/min", "backlog growth", "failures"]
    head += [*data["slas"], "reasons"]
    rows = []
    for s in sorted(data["steps"], key=lambda s: s["rate_per_min"]):
        cells = [
            f"{s['rate_per_min']:g}",
            s["verdict"],
            f"{s['throughput_per_min']:g}",
            f"{s['backlog_growth']:+g}",
            str(s["failures"]),
        ]
        cells += [
            "-" if s["slas"].get(t) is None else f"{s['slas'][t]:.0f}"
            for t in data["slas"]
        ]
        cells.append("; ".join(s["reasons"]))
        rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    knee = data.get("jobs_per_min")
    answer = f"{knee:g} jobs/min" if knee else "none (even the lowest rate breached)"
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Capacity</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
        f"<h1>Capacity: {e(answer)}</h1><p>Target {e(str(data.get('target')))}; SLAs: "
        f"{e(', '.join(data['slas']))}</p>"
        + (
            f"<img alt='capacity chart' src='data:image/png;base64,{image}'>"
            if image
            else ""
        )
        + "<table><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    path = directory / CAPACITY_REPORT
    path.write_text(page, encoding="utf-8")
    return path
