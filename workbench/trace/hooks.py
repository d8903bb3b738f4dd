"""Where a trace's events come from: Django's execute wrapper and asgiref's hop methods.

Queries: Django's ``connection.execute_wrapper()``. Connections are per
thread, so the wrapper is entered on the connection of the thread that runs
the query: the thread that entered ``trace()`` (sync use), and every thread
that runs a ``sync_to_async`` hop (asgiref's worker, or the caller's own
thread under ``async_to_sync``) for the length of that hop.

Hops: asgiref's extension points, wrapped (the originals still run, with the
same arguments): ``SyncToAsync.__call__`` (the loop side, waiting),
``SyncToAsync.thread_handler`` (the sync side, on the worker thread),
``AsyncToSync.__call__`` (the blocked sync caller) and
``AsyncToSync.main_wrap`` (the coroutine, on the loop that runs it). They are
installed while at least one trace is open and removed after the last.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from asgiref.sync import AsyncToSync, SyncToAsync

from ..errors import WorkbenchError
from .events import ASYNC_TO_SYNC, AWAIT, COROUTINE, QUERY, SYNC_TO_ASYNC


class Recorder(Protocol):
    """What the hooks report to: an open trace."""

    def record(self, kind: str, label: str, loop: asyncio.AbstractEventLoop | None,
               started: float, ended: float) -> None: ...

    def remember_loop(self, loop: asyncio.AbstractEventLoop) -> None: ...


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running on this thread, or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _label(fn: Any) -> str:
    fn = getattr(fn, "func", fn)  # functools.partial
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


class _Hooks:
    """Installs the asgiref wrappers while at least one recorder is attached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.recorders: tuple[Recorder, ...] = ()
        self._originals: dict[tuple[type, str], Any] = {}

    def attach(self, recorder: Recorder) -> None:
        with self._lock:
            if not self.recorders:
                self._install()
            self.recorders = (*self.recorders, recorder)

    def detach(self, recorder: Recorder) -> None:
        with self._lock:
            self.recorders = tuple(r for r in self.recorders if r is not recorder)
            if not self.recorders:
                self._uninstall()

    def _install(self) -> None:
        hooks: tuple[tuple[type, str, Callable[[Any], Any]], ...] = (
            (SyncToAsync, "__call__", _wrap_sync_to_async_call),
            (SyncToAsync, "thread_handler", _wrap_thread_handler),
            (AsyncToSync, "__call__", _wrap_async_to_sync_call),
            (AsyncToSync, "main_wrap", _wrap_main_wrap),
        )
        missing = [f"{cls.__name__}.{name}" for cls, name, _ in hooks if name not in cls.__dict__]
        if missing:
            from importlib.metadata import version

            raise WorkbenchError(
                f"workbench.trace() wraps asgiref's {', '.join(missing)}, which asgiref "
                f"{version('asgiref')} does not have. Install an asgiref the workbench "
                "supports (the range is in pyproject.toml): pip install -e '.[lab]'."
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
        loop = running_loop()
        if loop is not None:
            for recorder in self.recorders:
                recorder.remember_loop(loop)

    def record(self, kind: str, label: str, loop: asyncio.AbstractEventLoop | None,
               started: float, ended: float) -> None:
        for recorder in self.recorders:
            recorder.record(kind, label, loop, started, ended)


hooks = _Hooks()

# -- queries: Django's execute_wrapper on the executing thread's connections ---

# The event loop that awaits the hop this thread is running (if any), so a
# query on asgiref's worker thread can say which loop sent it there.
_hop = threading.local()


def _record_query(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Django execute wrapper: time the query and report it to every open trace."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        ended = time.perf_counter()
        hooks.record(QUERY, sql, running_loop() or getattr(_hop, "loop", None), started, ended)


def wrap_connections_of_this_thread() -> contextlib.ExitStack:
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


def _wrap_sync_to_async_call(original: Any) -> Any:
    # Runs on the awaiting loop's thread: from the await until the result is back.
    async def call(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        hooks.seen_loop()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            hooks.record(AWAIT, _label(self.func), running_loop(), started, time.perf_counter())

    return call


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
            with wrap_connections_of_this_thread():
                return original(self, loop, *args, **kwargs)
        finally:
            hooks.record(SYNC_TO_ASYNC, _label(self.func), loop, started, time.perf_counter())
            _hop.loop = outer_loop

    return thread_handler


def _wrap_async_to_sync_call(original: Any) -> Any:
    # Runs on the sync caller's thread, which blocks (or runs thread-sensitive
    # work sent back to it) until the coroutine finishes on some loop.
    def call(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            hooks.record(ASYNC_TO_SYNC, _label(self.awaitable), getattr(_hop, "loop", None),
                         started, time.perf_counter())

    return call


def _wrap_main_wrap(original: Any) -> Any:
    # The coroutine of an async_to_sync hop, on the loop that runs it: the
    # caller's outer loop, or a new loop on a new thread.
    async def main_wrap(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        hooks.seen_loop()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            hooks.record(COROUTINE, _label(self.awaitable), running_loop(), started, time.perf_counter())

    return main_wrap
