"""``Trace``: record what the whole process ran, where, while a block is open.

A trace records what the whole process does while it is open, like a
profiler: other tasks' and threads' hops and queries too, not only the
block's own. Queries on threads you start yourself, outside asgiref, are
recorded only if that thread entered the trace itself. ``hooks`` says where
the events come from.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from ..context import thread_role
from ..errors import WorkbenchError
from . import analysis
from .events import QUERY, SPAN, Lane, TraceEvent
from .hooks import hooks, running_loop, wrap_connections_of_this_thread

if TYPE_CHECKING:
    from .timeline import Timeline


class Trace:
    """What ran where during a ``with``/``async with`` block; see the package doc."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []
        self._origin: float | None = None
        self._finished = False
        self._loop_threads: dict[int, tuple[str, int]] = {}  # id(loop) -> (role, ident)
        self._local_wrappers: contextlib.ExitStack | None = None
        self._home_thread = 0  # the thread that entered the trace: its lane goes first

    # -- recording ---------------------------------------------------------

    def __enter__(self) -> Trace:
        if self._origin is not None:
            raise WorkbenchError("This trace was already used; start a new one with workbench.trace().")
        self._origin = time.perf_counter()
        self._home_thread = threading.get_ident()
        hooks.attach(self)
        loop = running_loop()
        if loop is not None:
            self.remember_loop(loop)
        else:
            # Sync code on this thread (a script, a %%sync cell's worker):
            # its queries go through this thread's own connections.
            self._local_wrappers = wrap_connections_of_this_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._local_wrappers is not None:
            self._local_wrappers.close()
        hooks.detach(self)
        self._finished = True

    async def __aenter__(self) -> Trace:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def span(self, label: str) -> Span:
        """Mark a block of your own (``with`` or ``async with``), e.g. one HTTP call."""
        return Span(self, label)

    def record(self, kind: str, label: str, loop: asyncio.AbstractEventLoop | None,
               started: float, ended: float) -> None:
        """Add an event that ran on the calling thread (the hooks and spans call this)."""
        if self._finished or self._origin is None:
            return
        current = threading.current_thread()
        if loop is not None and loop is running_loop():
            self.remember_loop(loop)
        self.events.append(
            TraceEvent(
                kind=kind,
                label=label,
                thread=thread_role(),
                thread_id=current.ident or 0,
                loop=self._loop_name(loop),
                start=started - self._origin,
                end=ended - self._origin,
            )
        )

    def remember_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Note that the calling thread runs ``loop`` (its lane is then an event loop's)."""
        current = threading.current_thread()
        self._loop_threads.setdefault(id(loop), (thread_role(), current.ident or 0))

    def _loop_name(self, loop: asyncio.AbstractEventLoop | None) -> str | None:
        if loop is None:
            return None
        known = self._loop_threads.get(id(loop))
        return f"event loop on {known[0]}" if known else "an event loop"

    # -- reading -----------------------------------------------------------

    def of_kind(self, *kinds: str) -> list[TraceEvent]:
        """The events of these kinds, in order of start."""
        return sorted((e for e in self.events if e.kind in kinds), key=lambda e: e.start)

    @property
    def queries(self) -> list[TraceEvent]:
        """The ORM queries recorded, in the order they started."""
        return self.of_kind(QUERY)

    def lanes(self) -> list[Lane]:
        """One lane per thread: the thread that entered the trace, then threads that
        ran an event loop, then the others (see ``analysis.group_into_lanes``)."""
        loop_threads = {ident for _, ident in self._loop_threads.values()}
        return analysis.group_into_lanes(self.events, loop_threads=loop_threads, home_thread=self._home_thread)

    def threads(self, *kinds: str) -> list[str]:
        """Names of the threads that ran events of these kinds (all kinds if none given)."""
        events = self.of_kind(*kinds) if kinds else self.events
        return sorted({e.thread for e in events})

    def concurrency(self, *kinds: str) -> int:
        """The most events of these kinds that were running at the same instant."""
        return analysis.max_overlap(self.of_kind(*kinds) if kinds else self.events)

    def summary(self) -> str:
        """Per lane, what ran and how much of it at once: no times, so it is stable."""
        return analysis.summarize(self.lanes())

    def plot(self, *, title: str | None = None, width: float = 9.0) -> Timeline:
        """Draw the timeline with matplotlib; a cell shows the returned ``Timeline`` as a picture."""
        from .timeline import draw_timeline

        return draw_timeline(self.lanes(), title=title, width=width)

    def __repr__(self) -> str:
        lanes = len(self.lanes())
        return (
            f"<Trace: {len(self.queries)} queries, {len(self.events)} events "
            f"on {lanes} thread{'s' if lanes != 1 else ''}>"
        )


class Span:
    """``Trace.span(label)``: a block recorded on the thread that runs it."""

    def __init__(self, owner: Trace, label: str) -> None:
        self._owner, self._label = owner, label
        self._started = 0.0

    def __enter__(self) -> Span:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._owner.record(SPAN, self._label, running_loop(), self._started, time.perf_counter())

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)


def trace() -> Trace:
    """Record which thread and event loop ran each query and hop in a ``with`` block.

    ``with workbench.trace() as t:`` or ``async with workbench.trace() as t:``;
    then ``t.plot()`` draws the timeline and ``t.queries``, ``t.lanes()``,
    ``t.concurrency(kind)`` answer questions about it.
    """
    return Trace()
