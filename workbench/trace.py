"""``trace()``: which thread and which event loop ran each query and each hop.

Inside ``with workbench.trace() as t:`` (or ``async with``) every ORM query,
every ``sync_to_async`` / ``async_to_sync`` hop and every ``t.span(label)``
you mark is recorded with its thread, its event loop, its start and its
duration. ``t.plot()`` draws them as a timeline, one lane per thread, the
event loop's lane on top, so you *see* that ``asyncio.gather`` over a-methods
queues the queries on one worker thread while gathered HTTP calls overlap.

How it records, without copying library code:

* Queries: Django's ``connection.execute_wrapper()``. Connections are per
  thread, so the wrapper is entered on the connection of the thread that runs
  the query: the thread that entered ``trace()`` (sync use), and every thread
  that runs a ``sync_to_async`` hop (asgiref's worker, or the caller's own
  thread under ``async_to_sync``) for the length of that hop.
* Hops: asgiref's extension points, wrapped (the originals still run, with
  the same arguments): ``SyncToAsync.__call__`` (the loop side, waiting),
  ``SyncToAsync.thread_handler`` (the sync side, on the worker thread),
  ``AsyncToSync.__call__`` (the blocked sync caller) and
  ``AsyncToSync.main_wrap`` (the coroutine, on the loop that runs it). They
  are installed while at least one trace is open and removed after the last.

A trace records what the whole process does while it is open, like a
profiler: other tasks' and threads' hops and queries too, not only the block's
own. Queries on threads you start yourself, outside asgiref, are recorded
only if that thread entered the trace itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from asgiref.sync import AsyncToSync, SyncToAsync

from .context import thread_role

if TYPE_CHECKING:
    from .timeline import Timeline

QUERY = "query"
SYNC_TO_ASYNC = "sync_to_async"  # sync code running on a worker thread
AWAIT = "await"  # the loop side of a sync_to_async hop: a coroutine waiting
ASYNC_TO_SYNC = "async_to_sync"  # the sync caller, blocked until the coroutine ends
COROUTINE = "coroutine"  # the coroutine of an async_to_sync hop, on its loop
SPAN = "span"  # a block the learner marked with Trace.span()

# Kinds during which the thread waits for another thread, rather than working.
WAITING_KINDS = frozenset({AWAIT, ASYNC_TO_SYNC})

# Names Python makes up for threads ("ThreadPoolExecutor-3_0", "Thread-7 (run)"):
# their numbers depend on what ran before, so lanes call them "thread #1", "#2"...
_GENERATED_THREAD_NAME = re.compile(r"^(ThreadPoolExecutor-\d+_\d+|Thread-\d+( \(.*\))?)$")
# A pool's threads given a prefix are named "<prefix>_0", "<prefix>_1"... in the
# order they were started, which need not be the order they first ran something.
_POOL_THREAD_NAME = re.compile(r"^(?P<prefix>.*\S)_\d+$")


@dataclass(frozen=True)
class TraceEvent:
    """One recorded interval: what ran, on which thread and loop, and when.

    ``start``/``end`` are seconds since the trace began. ``loop`` names the
    event loop involved: the one running on this thread, or, for sync code
    sent here by ``sync_to_async``, the loop that awaits it (``None`` for
    plain sync code).
    """

    kind: str
    label: str
    thread: str
    thread_id: int
    loop: str | None
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def waiting(self) -> bool:
        """True if the thread only waited for another thread during this event."""
        return self.kind in WAITING_KINDS


@dataclass
class Lane:
    """One thread's row in the timeline."""

    thread: str
    thread_id: int
    runs_event_loop: bool
    events: list[TraceEvent] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.thread} (event loop)" if self.runs_event_loop else self.thread


class Trace:
    """What ran where during a ``with``/``async with`` block; see the module doc."""

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
            raise RuntimeError(
                "This trace was already used; start a new one with workbench.trace()."
            )
        self._origin = time.perf_counter()
        self._home_thread = threading.get_ident()
        _hooks.attach(self)
        loop = _running_loop()
        if loop is not None:
            self._remember_loop(loop)
        else:
            # Sync code on this thread (a script, a %%sync cell's worker):
            # its queries go through this thread's own connections.
            self._local_wrappers = _wrap_connections_of_this_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._local_wrappers is not None:
            self._local_wrappers.close()
        _hooks.detach(self)
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

    def span(self, label: str) -> _Span:
        """Mark a block of your own (``with`` or ``async with``), e.g. one HTTP call."""
        return _Span(self, label)

    def _record(self, kind: str, label: str, loop: asyncio.AbstractEventLoop | None,
                started: float, ended: float) -> None:
        if self._finished or self._origin is None:
            return
        current = threading.current_thread()
        if loop is not None and loop is _running_loop():
            self._remember_loop(loop)
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

    def _remember_loop(self, loop: asyncio.AbstractEventLoop) -> None:
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
        return self.of_kind(QUERY)

    def lanes(self) -> list[Lane]:
        """One lane per thread: the thread that entered the trace, then threads that
        ran an event loop, then the others, each group in order of first event.

        Threads with names Python made up are called "thread #1", "thread #2"...
        and a pool's threads named with a prefix "query #1", "query #2"..., in
        order of their first event, so the titles repeat from run to run.
        """
        loop_threads = {ident for _, ident in self._loop_threads.values()}
        lanes: dict[tuple[int, str], Lane] = {}
        numbered: dict[str, int] = {}
        for event in sorted(self.events, key=lambda e: e.start):
            lane = lanes.get((event.thread_id, event.thread))
            if lane is None:
                title = event.thread
                family = _numbered_family(title)
                if family is not None:
                    numbered[family] = numbered.get(family, 0) + 1
                    title = f"{family} #{numbered[family]}"
                lane = lanes[(event.thread_id, event.thread)] = Lane(
                    title, event.thread_id, event.thread_id in loop_threads
                )
            lane.events.append(event)
        return sorted(
            lanes.values(),
            key=lambda lane: (lane.thread_id != self._home_thread, not lane.runs_event_loop),
        )

    def threads(self, *kinds: str) -> list[str]:
        """Names of the threads that ran events of these kinds (all kinds if none given)."""
        events = self.of_kind(*kinds) if kinds else self.events
        return sorted({e.thread for e in events})

    def concurrency(self, *kinds: str) -> int:
        """The most events of these kinds that were running at the same instant."""
        return max_overlap(self.of_kind(*kinds) if kinds else self.events)

    @property
    def elapsed(self) -> float:
        """Seconds from the first event's start to the last event's end."""
        if not self.events:
            return 0.0
        return max(e.end for e in self.events) - min(e.start for e in self.events)

    def summary(self) -> str:
        """Per lane, what ran and how much of it at once: no times, so it is stable."""
        lines = []
        for lane in self.lanes():
            counts: dict[tuple[str, str], list[TraceEvent]] = {}
            for event in lane.events:
                counts.setdefault((event.kind, _short(event)), []).append(event)
            lines.append(lane.title)
            for (kind, label), events in counts.items():
                at_once = max_overlap(events)
                lines.append(f"  {len(events):3d} × {kind:13} {label}  (at most {at_once} at once)")
        return "\n".join(lines)

    def plot(self, *, title: str | None = None, width: float = 9.0) -> Timeline:
        """Draw the timeline with matplotlib; a cell shows the returned ``Timeline`` as a picture."""
        from .timeline import draw_timeline

        return draw_timeline(self, title=title, width=width)

    def __repr__(self) -> str:
        lanes = len(self.lanes())
        return (
            f"<Trace: {len(self.queries)} queries, {len(self.events)} events "
            f"on {lanes} thread{'s' if lanes != 1 else ''}>"
        )


def trace() -> Trace:
    """Record which thread and event loop ran each query and hop in a ``with`` block.

    ``with workbench.trace() as t:`` or ``async with workbench.trace() as t:``;
    then ``t.plot()`` draws the timeline and ``t.queries``, ``t.lanes()``,
    ``t.concurrency(kind)`` answer questions about it.
    """
    return Trace()


def _numbered_family(thread_name: str) -> str | None:
    """The name a lane is numbered under, if the thread's own name depends on start order."""
    if _GENERATED_THREAD_NAME.match(thread_name):
        return "thread"
    match = _POOL_THREAD_NAME.match(thread_name)
    return match["prefix"] if match else None


def max_overlap(events: list[TraceEvent]) -> int:
    """The largest number of ``events`` running at one instant (touching ends do not overlap)."""
    edges = sorted([(e.start, 1) for e in events] + [(e.end, -1) for e in events])
    running = best = 0
    for _, step in edges:  # at equal times, ends (-1) sort before starts (+1)
        running += step
        best = max(best, running)
    return best


def _short(event: TraceEvent) -> str:
    if event.kind != QUERY:
        return event.label
    words = event.label.split()
    verb = words[0].upper() if words else "?"
    tables = [w.strip('"`') for i, w in enumerate(words[1:], 1) if words[i - 1].upper() in {"FROM", "INTO", "UPDATE"}]
    return f"{verb} {tables[0]}" if tables else verb


class _Span:
    """``Trace.span(label)``: a block recorded on the thread that runs it."""

    def __init__(self, owner: Trace, label: str) -> None:
        self._owner, self._label = owner, label
        self._started = 0.0

    def __enter__(self) -> _Span:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._owner._record(SPAN, self._label, _running_loop(), self._started, time.perf_counter())

    async def __aenter__(self) -> _Span:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _label(fn: Any) -> str:
    fn = getattr(fn, "func", fn)  # functools.partial
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


# -- queries: Django's execute_wrapper on the executing thread's connections ---

# The event loop that awaits the hop this thread is running (if any), so a
# query on asgiref's worker thread can say which loop sent it there.
_hop = threading.local()


def _record_query(execute: Any, sql: str, params: Any, many: bool, context: dict) -> Any:
    """Django execute wrapper: time the query and report it to every open trace."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        ended = time.perf_counter()
        _hooks.record(QUERY, sql, _running_loop() or getattr(_hop, "loop", None), started, ended)


def _wrap_connections_of_this_thread() -> contextlib.ExitStack:
    """Enter ``execute_wrapper(_record_query)`` on this thread's connections (if Django is set up)."""
    stack = contextlib.ExitStack()
    from django.conf import settings

    if not settings.configured:
        return stack
    from django.db import connections

    for connection in connections.all():
        if _record_query not in connection.execute_wrappers:
            stack.enter_context(connection.execute_wrapper(_record_query))
    return stack


# -- hops: asgiref's methods, wrapped while a trace is open --------------------


class _Hooks:
    """Installs the asgiref wrappers while at least one trace is open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.traces: tuple[Trace, ...] = ()
        self._originals: dict[tuple[type, str], Any] = {}

    def attach(self, owner: Trace) -> None:
        with self._lock:
            if not self.traces:
                self._install()
            self.traces = (*self.traces, owner)

    def detach(self, owner: Trace) -> None:
        with self._lock:
            self.traces = tuple(t for t in self.traces if t is not owner)
            if not self.traces:
                self._uninstall()

    def _install(self) -> None:
        hooks = (
            (SyncToAsync, "__call__", _wrap_sync_to_async_call),
            (SyncToAsync, "thread_handler", _wrap_thread_handler),
            (AsyncToSync, "__call__", _wrap_async_to_sync_call),
            (AsyncToSync, "main_wrap", _wrap_main_wrap),
        )
        missing = [f"{cls.__name__}.{name}" for cls, name, _ in hooks if name not in cls.__dict__]
        if missing:
            from importlib.metadata import version

            raise RuntimeError(
                f"workbench.trace() wraps asgiref's {', '.join(missing)}, which asgiref "
                f"{version('asgiref')} does not have. Install an asgiref the workbench "
                "supports (the range is in pyproject.toml)."
            )
        for cls, name, make in hooks:
            original = cls.__dict__[name]
            self._originals[(cls, name)] = original
            setattr(cls, name, functools.wraps(original)(make(original)))

    def _uninstall(self) -> None:
        for (cls, name), original in self._originals.items():
            setattr(cls, name, original)
        self._originals.clear()

    def seen_loop(self) -> None:
        """Note which thread runs the current loop, before work is sent elsewhere."""
        loop = _running_loop()
        if loop is not None:
            for owner in self.traces:
                owner._remember_loop(loop)

    def record(self, kind: str, label: str, loop: asyncio.AbstractEventLoop | None,
               started: float, ended: float) -> None:
        for owner in self.traces:
            owner._record(kind, label, loop, started, ended)


_hooks = _Hooks()


def _wrap_sync_to_async_call(original: Any) -> Any:
    # Runs on the awaiting loop's thread: from the await until the result is back.
    async def __call__(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        _hooks.seen_loop()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            _hooks.record(AWAIT, _label(self.func), _running_loop(), started, time.perf_counter())

    return __call__


def _wrap_thread_handler(original: Any) -> Any:
    # Runs on the thread asgiref chose for the sync code (its worker, or a
    # sync caller's own thread under async_to_sync). ``loop`` is the loop
    # awaiting this hop. Queries made here go through this thread's
    # connections, so the execute wrapper is entered on them for the hop.
    def thread_handler(self: SyncToAsync, loop: asyncio.AbstractEventLoop, *args: Any, **kwargs: Any) -> Any:
        outer_loop = getattr(_hop, "loop", None)
        _hop.loop = loop
        started = time.perf_counter()
        try:
            with _wrap_connections_of_this_thread():
                return original(self, loop, *args, **kwargs)
        finally:
            _hooks.record(SYNC_TO_ASYNC, _label(self.func), loop, started, time.perf_counter())
            _hop.loop = outer_loop

    return thread_handler


def _wrap_async_to_sync_call(original: Any) -> Any:
    # Runs on the sync caller's thread, which blocks (or runs thread-sensitive
    # work sent back to it) until the coroutine finishes on some loop.
    def __call__(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _hooks.record(ASYNC_TO_SYNC, _label(self.awaitable), getattr(_hop, "loop", None),
                          started, time.perf_counter())

    return __call__


def _wrap_main_wrap(original: Any) -> Any:
    # The coroutine of an async_to_sync hop, on the loop that runs it: the
    # caller's outer loop, or a new loop on a new thread.
    async def main_wrap(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        _hooks.seen_loop()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            _hooks.record(COROUTINE, _label(self.awaitable), _running_loop(), started, time.perf_counter())

    return main_wrap
