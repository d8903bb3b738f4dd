"""Draw a ``Trace`` as a timeline: one lane per thread, the event loop's lane on top.

Uses matplotlib's object API (``Figure`` + the Agg canvas), not pyplot: no
global figure state, nothing shown twice, and it works on any thread. A
notebook shows the returned ``Timeline`` as a PNG; its text form names only
the lanes, so a lesson's compared output is the same on every run.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .events import WAITING_KINDS, Lane, TraceEvent

# Colour and legend text per event kind; waiting kinds are drawn hollow.
STYLES: dict[str, tuple[str, str]] = {
    "query": ("#1f77b4", "SQL query"),
    "sync_to_async": ("#ff7f0e", "sync code (sync_to_async)"),
    "await": ("#ff7f0e", "awaiting sync code"),
    "coroutine": ("#2ca02c", "coroutine (async_to_sync)"),
    "async_to_sync": ("#2ca02c", "waiting in async_to_sync"),
    "span": ("#9467bd", "your span"),
}
LANE_HEIGHT = 0.8  # inches per lane, whatever the number of overlapping rows in it


class Timeline:
    """A drawn trace: ``.figure`` is the matplotlib ``Figure``; a notebook shows a PNG."""

    def __init__(self, figure: Any, lanes: list[str]) -> None:
        self.figure = figure
        self.lanes = lanes

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def savefig(self, path: Any, **kwargs: Any) -> None:
        """Save the picture (any format matplotlib knows, from the file name)."""
        self.figure.savefig(path, **kwargs)

    def __repr__(self) -> str:
        return f"<Timeline: {len(self.lanes)} lanes: {', '.join(self.lanes)}>"


def pack_rows(events: list[TraceEvent]) -> list[int]:
    """A row for each event so that events in one row never overlap (first fit)."""
    row_ends: list[float] = []
    rows = []
    for event in events:
        for index, end in enumerate(row_ends):
            if end <= event.start:
                row_ends[index] = event.end
                rows.append(index)
                break
        else:
            row_ends.append(event.end)
            rows.append(len(row_ends) - 1)
    return rows


def draw_timeline(lanes: Sequence[Lane], *, title: str | None = None, width: float = 9.0) -> Timeline:
    """Draw a trace's ``lanes``; the figure's size depends only on the number of lanes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    figure = Figure(figsize=(width, 1.3 + LANE_HEIGHT * max(len(lanes), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    span_ms = max((e.end for lane in lanes for e in lane.events), default=0.0) * 1000 or 1.0
    ticks: list[float] = []
    titles: list[str] = []
    kinds_seen: set[str] = set()
    for position, lane in enumerate(lanes):
        top = -position  # the first lane (the event loop's) at the top
        _draw_lane(axes, lane, top, span_ms, kinds_seen)
        ticks.append(top)
        titles.append(lane.title)
        if position:
            axes.axhline(top + 0.5, color="#dddddd", linewidth=0.8)
    axes.set_yticks(ticks, titles)
    axes.set_ylim(-max(len(lanes), 1) + 0.5, 0.5)
    axes.set_xlim(0, span_ms * 1.02)
    axes.set_xlabel("milliseconds since the trace began")
    axes.set_title(title or "Which thread ran what")
    axes.legend(
        handles=[_legend_patch(Patch, kind) for kind in STYLES if kind in kinds_seen],
        loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False,
    )
    return Timeline(figure, titles)


def _draw_lane(axes: Any, lane: Lane, top: float, span_ms: float, kinds_seen: set[str]) -> None:
    events = sorted(lane.events, key=lambda e: e.start)
    rows = pack_rows(events)
    count = max(rows, default=0) + 1
    height = 0.8 / count
    for event, row in zip(events, rows, strict=True):
        colour, _ = STYLES.get(event.kind, ("#7f7f7f", event.kind))
        kinds_seen.add(event.kind)
        y = top + 0.4 - (row + 1) * height
        left, length = event.start * 1000, max(event.duration * 1000, span_ms / 500)
        if event.waiting:
            axes.barh(y, length, left=left, height=height * 0.85, align="edge",
                      facecolor="none", edgecolor=colour, hatch="///", linewidth=0.8)
        else:
            axes.barh(y, length, left=left, height=height * 0.85, align="edge",
                      color=colour, edgecolor="white", linewidth=0.5)
        if event.kind == "span" and length > span_ms * 0.08 and count <= 12:
            axes.text(left + length / 2, y + height * 0.42, event.label, ha="center",
                      va="center", fontsize="x-small", color="white", clip_on=True)


def _legend_patch(patch: Any, kind: str) -> Any:
    colour, text = STYLES[kind]
    if kind in WAITING_KINDS:
        return patch(facecolor="none", edgecolor=colour, hatch="///", label=text)
    return patch(color=colour, label=text)
