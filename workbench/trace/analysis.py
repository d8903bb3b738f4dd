"""Reading a trace: lanes with stable titles, overlap counts, and a summary without times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from .events import QUERY, Lane, TraceEvent

# Names Python makes up for threads ("ThreadPoolExecutor-3_0", "Thread-7 (run)"):
# their numbers depend on what ran before, so lanes call them "thread #1", "#2"...
_GENERATED_THREAD_NAME = re.compile(r"^(ThreadPoolExecutor-\d+_\d+|Thread-\d+( \(.*\))?)$")
# A pool's threads given a prefix are named "<prefix>_0", "<prefix>_1"... in the
# order they were started, which need not be the order they first ran something.
_POOL_THREAD_NAME = re.compile(r"^(?P<prefix>.*\S)_\d+$")
# The SQL words after which a query names its table.
_TABLE_AFTER = frozenset({"FROM", "INTO", "UPDATE"})


def group_into_lanes(events: Iterable[TraceEvent], *, loop_threads: set[int], home_thread: int) -> list[Lane]:
    """One lane per thread: ``home_thread`` first, then threads in ``loop_threads``
    (they ran an event loop), then the others, each group in order of first event.

    Threads with names Python made up are called "thread #1", "thread #2"...
    and a pool's threads named with a prefix "query #1", "query #2"..., in
    order of their first event, so the titles repeat from run to run.
    """
    lanes: dict[tuple[int, str], Lane] = {}
    numbered: dict[str, int] = {}
    for event in sorted(events, key=lambda e: e.start):
        lane = lanes.get((event.thread_id, event.thread))
        if lane is None:
            title = event.thread
            family = _numbered_family(title)
            if family is not None:
                numbered[family] = numbered.get(family, 0) + 1
                title = f"{family} #{numbered[family]}"
            lane = lanes[(event.thread_id, event.thread)] = Lane(title, event.thread_id, event.thread_id in loop_threads)
        lane.events.append(event)
    return sorted(lanes.values(), key=lambda lane: (lane.thread_id != home_thread, not lane.runs_event_loop))


def _numbered_family(thread_name: str) -> str | None:
    """The name a lane is numbered under, if the thread's own name depends on start order."""
    if _GENERATED_THREAD_NAME.match(thread_name):
        return "thread"
    match = _POOL_THREAD_NAME.match(thread_name)
    return match["prefix"] if match else None


def max_overlap(events: Iterable[TraceEvent]) -> int:
    """The largest number of ``events`` running at one instant (touching ends do not overlap)."""
    events = list(events)
    edges = sorted([(e.start, 1) for e in events] + [(e.end, -1) for e in events])
    running = best = 0
    for _, step in edges:  # at equal times, ends (-1) sort before starts (+1)
        running += step
        best = max(best, running)
    return best


def short_label(event: TraceEvent) -> str:
    """The event's label; for a query, its verb and first table (``SELECT library_book``)."""
    if event.kind != QUERY:
        return event.label
    words = event.label.split()
    verb = words[0].upper() if words else "?"
    tables = [w.strip('"`') for before, w in pairwise(words) if before.upper() in _TABLE_AFTER]
    return f"{verb} {tables[0]}" if tables else verb


def summarize(lanes: Iterable[Lane]) -> str:
    """Per lane, what ran and how much of it at once: no times, so it is stable."""
    lines = []
    for lane in lanes:
        counts: dict[tuple[str, str], list[TraceEvent]] = {}
        for event in lane.events:
            counts.setdefault((event.kind, short_label(event)), []).append(event)
        lines.append(lane.title)
        for (kind, label), events in counts.items():
            lines.append(f"  {len(events):3d} × {kind:13} {label}  (at most {max_overlap(events)} at once)")
    return "\n".join(lines)
