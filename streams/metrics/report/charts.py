"""The report's charts as inline SVG (matplotlib, no display needed, text kept as text)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

#: Colours by outcome, readable by people with the common colour-vision deficiencies.
COLOURS = {"publish": "#3b7dd8", "escalate": "#e69f00", "hide": "#b2182b",
           "automated": "#5e60ce", "human": "#2a9d8f"}
LABELS = {"publish": "Published", "escalate": "Sent to a moderator", "hide": "Hidden automatically"}
STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "civicmod-report", "font.family": "sans-serif",
    "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
    "axes.edgecolor": "#8a8f98", "axes.titlesize": 10, "axes.titleweight": "bold",
    "axes.titlelocation": "left", "xtick.color": "#3c4048", "ytick.color": "#3c4048",
    "axes.grid": True, "grid.color": "#e6e8eb", "axes.axisbelow": True,
}


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def daily_outcomes(daily: Mapping[date, Mapping[str, int]]) -> str:
    """Stacked bars: comments per day by outcome."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.4, 2.8))
        days = list(daily)
        bottom = [0] * len(days)
        for outcome in ("publish", "escalate", "hide"):
            values = [daily[d].get(outcome, 0) for d in days]
            ax.bar(range(len(days)), values, bottom=bottom, color=COLOURS[outcome],
                   label=LABELS[outcome], width=0.75)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, -(-len(days) // 8))  # at most 8 labels
        ax.set_xticks(range(0, len(days), step),
                      [d.strftime("%d %b") for d in days[::step]])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", visible=False)
        ax.set_ylabel("comments")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _svg(fig)


def horizontal_bars(rows: Sequence[tuple[str, Mapping[str, int]]], series: Sequence[str],
                    xlabel: str, legend: bool = True) -> str:
    """One bar per row, stacked by ``series`` (e.g. reasons by hidden / escalated)."""
    with plt.rc_context(STYLE):
        height = 0.9 + 0.28 * max(1, len(rows))
        fig, ax = plt.subplots(figsize=(7.2, height))
        labels = [r[0] for r in rows][::-1]
        left = [0] * len(rows)
        for s in series:
            values = [r[1].get(s, 0) for r in rows][::-1]
            ax.barh(labels, values, left=left, color=COLOURS.get(s, "#777"),
                    label=LABELS.get(s, s.capitalize()), height=0.65)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(xlabel)
        if legend and len(series) > 1:
            ax.legend(loc="lower right", frameon=False)
        return _svg(fig)
