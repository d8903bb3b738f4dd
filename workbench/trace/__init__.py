"""``trace()``: which thread and which event loop ran each query and each hop.

Inside ``with workbench.trace() as t:`` (or ``async with``) every ORM query,
every ``sync_to_async`` / ``async_to_sync`` hop and every ``t.span(label)``
you mark is recorded with its thread, its event loop, its start and its
duration. ``t.plot()`` draws them as a timeline, one lane per thread, the
event loop's lane on top, so you *see* that ``asyncio.gather`` over a-methods
queues the queries on one worker thread while gathered HTTP calls overlap.

The package, one concept per module: ``events`` (what is recorded),
``hooks`` (where it comes from: Django's execute wrapper, asgiref's hop
methods), ``recorder`` (``Trace``, the open block), ``analysis`` (lanes,
overlaps, the summary) and ``timeline`` (the picture).
"""

from .analysis import max_overlap
from .events import (
    ASYNC_TO_SYNC,
    AWAIT,
    COROUTINE,
    QUERY,
    SPAN,
    SYNC_TO_ASYNC,
    WAITING_KINDS,
    Lane,
    TraceEvent,
)
from .recorder import Span, Trace, trace

__all__ = [
    "ASYNC_TO_SYNC",
    "AWAIT",
    "COROUTINE",
    "QUERY",
    "SPAN",
    "SYNC_TO_ASYNC",
    "WAITING_KINDS",
    "Lane",
    "Span",
    "Trace",
    "TraceEvent",
    "max_overlap",
    "trace",
]
