"""Drawing a trace: lanes, rows, and a picture a notebook can show."""

import asyncio

from asgiref.sync import sync_to_async

import workbench
from workbench.trace.events import TraceEvent
from workbench.trace.timeline import pack_rows


def _event(start, end, thread="T"):
    return TraceEvent("span", "x", thread, 1, None, start, end)


def test_pack_rows_puts_overlapping_events_on_separate_rows():
    events = [_event(0, 2), _event(1, 3), _event(2, 4), _event(3.5, 5)]
    assert pack_rows(events) == [0, 1, 0, 1]


async def test_plot_draws_one_lane_per_thread_with_the_event_loop_on_top():
    async with workbench.trace() as t:
        async with t.span("on the loop"):
            await sync_to_async(sum)([1, 2])
            await asyncio.sleep(0)
    timeline = t.plot(title="test")
    assert timeline.lanes == ["MainThread (event loop)", "asgiref sync worker"]
    axes = timeline.figure.axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == timeline.lanes
    assert repr(timeline) == "<Timeline: 2 lanes: MainThread (event loop), asgiref sync worker>"
    assert timeline._repr_png_().startswith(b"\x89PNG\r\n")
    # The size depends on the number of lanes only, so a cell's text output is stable.
    assert tuple(timeline.figure.get_size_inches()) == (9.0, 1.3 + 0.8 * 2)


def test_an_empty_trace_still_draws():
    with workbench.trace() as t:
        pass
    assert t.plot().lanes == []
