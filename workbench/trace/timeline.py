"""Draw a ``Trace`` as a timeline: one lane per thread, the event loop's lane on top.

Uses matplotlib's object API (``Figure`` + the Agg canvas), not pyplot: no
global figure state, nothing shown twice, and it works on any thread. A
notebook shows the returned ``Timeline`` as a PNG; its text form names only
the lanes, so a lesson's compared output is the same on every run.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
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
LANE_INCHES = 0.8  # the height of a lane with few rows
ROW_INCHES = 0.22  # a lane with many overlapping rows grows so that each row stays this tall
LABEL_POINTS = 6.5  # a span's label (matplotlib's "x-small" at the default size)
PLOT_WIDTH_SHARE = 0.62  # about how much of the figure's width the time axis gets (lane titles, legend)


@dataclass(frozen=True)
class Bar:
    """One drawn event: its lane, its row in the lane, and whether its label fitted on it."""

    lane: str
    row: int
    kind: str
    label: str
    start_ms: float
    end_ms: float
    labelled: bool


class Timeline:
    """A drawn trace: ``.figure`` is the matplotlib ``Figure``; a notebook shows a PNG.

    ``.lanes`` and ``.bars`` are what the picture shows, as data, so a lesson
    can check its chart (nbval compares text outputs, never images).
    """

    def __init__(self, figure: Any, lanes: list[str], bars: list[Bar]) -> None:
        self.figure = figure
        self.lanes = lanes
        self.bars = bars

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
    """Draw a trace's ``lanes``, each as tall as its overlapping rows need (one y unit = ``LANE_INCHES``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    packed = []
    for lane in lanes:
        events = sorted(lane.events, key=lambda e: e.start)
        rows = pack_rows(events)
        rows_needed = max(rows, default=0) + 1
        packed.append((lane, events, rows, max(1.0, rows_needed * ROW_INCHES / LANE_INCHES)))
    total = sum(extent for *_, extent in packed) or 1.0
    figure = Figure(figsize=(width, 1.3 + LANE_INCHES * total), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    span_ms = max((e.end for lane in lanes for e in lane.events), default=0.0) * 1000 or 1.0
    inches_per_ms = width * PLOT_WIDTH_SHARE / (span_ms * 1.02)
    ticks: list[float] = []
    titles: list[str] = []
    bars: list[Bar] = []
    kinds_seen: set[str] = set()
    top = 0.0
    for position, (lane, events, rows, extent) in enumerate(packed):
        # The first lane (the event loop's) at the top; each lane spans `extent` units downwards.
        bars += _draw_lane(axes, lane, events, rows, top, extent, span_ms, inches_per_ms, kinds_seen)
        ticks.append(top - extent / 2)
        titles.append(lane.title)
        if position:
            axes.axhline(top, color="#dddddd", linewidth=0.8)
        top -= extent
    axes.set_yticks(ticks, titles)
    axes.set_ylim(top, 0)
    axes.set_xlim(0, span_ms * 1.02)
    axes.set_xlabel("milliseconds since the trace began")
    axes.set_title(title or "Which thread ran what")
    axes.legend(
        handles=[_legend_patch(Patch, kind) for kind in STYLES if kind in kinds_seen],
        loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False,
    )
    return Timeline(figure, titles, bars)


def _draw_lane(axes: Any, lane: Lane, events: list[TraceEvent], rows: list[int], top: float, extent: float,
               span_ms: float, inches_per_ms: float, kinds_seen: set[str]) -> list[Bar]:
    count = max(rows, default=0) + 1
    height = extent * 0.9 / count  # in y units; a margin of 5 % above and below the rows
    row_points = height * 0.85 * LANE_INCHES * 72
    drawn = []
    for event, row in zip(events, rows, strict=True):
        colour, _ = STYLES.get(event.kind, ("#7f7f7f", event.kind))
        kinds_seen.add(event.kind)
        y = top - extent * 0.05 - (row + 1) * height
        left, length = event.start * 1000, max(event.duration * 1000, span_ms / 500)
        if event.waiting:
            axes.barh(y, length, left=left, height=height * 0.85, align="edge",
                      facecolor="none", edgecolor=colour, hatch="///", linewidth=0.8)
        else:
            axes.barh(y, length, left=left, height=height * 0.85, align="edge",
                      color=colour, edgecolor="white", linewidth=0.5)
        # A label goes on a span only where it fits: the row tall enough for the text,
        # the bar wide enough for its characters (about 0.6 em each).
        text_inches = len(event.label) * 0.6 * LABEL_POINTS / 72 + 0.06
        fits = row_points >= LABEL_POINTS * 1.3 and length * inches_per_ms >= text_inches
        labelled = event.kind == "span" and fits
        if labelled:
            axes.text(left + length / 2, y + height * 0.42, event.label, ha="center",
                      va="center", fontsize=LABEL_POINTS, color="white", clip_on=True)
        drawn.append(Bar(lane.title, row, event.kind, event.label, left, left + length, labelled))
    return drawn


def _legend_patch(patch: Any, kind: str) -> Any:
    colour, text = STYLES[kind]
    if kind in WAITING_KINDS:
        return patch(facecolor="none", edgecolor=colour, hatch="///", label=text)
    return patch(color=colour, label=text)
