"""Where am I running? Sync/async context detection and ``run_sync``.

A Jupyter cell runs on the kernel's main thread *inside a running event
loop*. Django refuses sync database work on any thread with a running loop
(``SynchronousOnlyOperation``), so in a cell the ORM must be reached through a
worker thread: the a-methods do that for you, ``run_sync`` does it for any
sync function.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from asgiref.sync import SyncToAsync, sync_to_async

P = ParamSpec("P")
R = TypeVar("R")


def is_async_context() -> bool:
    """True if this thread is running an event loop (every notebook cell is)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def thread_role() -> str:
    """A stable name for the current thread, e.g. ``"MainThread"`` or the ORM worker."""
    current = threading.current_thread()
    if current is threading.main_thread():
        return "MainThread"
    # asgiref runs thread-sensitive code (every ORM a-method, run_sync) on one
    # process-wide worker thread unless an outer async_to_sync provides another.
    # Recognised by name: ThreadPoolExecutor starts a worker (which may
    # already run the first call) before adding it to its ``_threads`` set.
    executor = SyncToAsync.single_thread_executor
    prefix = getattr(executor, "_thread_name_prefix", None)
    if current in getattr(executor, "_threads", ()) or (prefix and current.name.startswith(prefix + "_")):
        return "asgiref sync worker"
    return current.name


@dataclass(frozen=True)
class ContextReport:
    """What ``describe_context()`` found about the calling thread."""

    thread: str
    event_loop_running: bool
    sync_orm_allowed: bool
    async_unsafe_guard: bool

    def __str__(self) -> str:
        orm = (
            "allowed"
            if self.sync_orm_allowed
            else "raises SynchronousOnlyOperation (use await, run_sync or %%sync)"
        )
        guard = (
            "on"
            if self.async_unsafe_guard
            else "OFF, switched off by the environment (see lesson 00): unsafe"
        )
        return "\n".join(
            [
                f"thread:                 {self.thread}",
                f"event loop running:     {'yes' if self.event_loop_running else 'no'}",
                f"sync ORM call here:     {orm}",
                f"async-unsafe guard:     {guard}",
            ]
        )


def _guard_fires() -> bool:
    """Ask Django's own ``async_unsafe`` decorator whether it would refuse here."""
    from django.core.exceptions import SynchronousOnlyOperation
    from django.utils.asyncio import async_unsafe

    try:
        async_unsafe("workbench probe")(lambda: None)()
    except SynchronousOnlyOperation:
        return True
    return False


async def _guard_fires_in_a_loop() -> bool:
    return _guard_fires()


def describe_context() -> ContextReport:
    """Report the thread, its event loop, and what Django's async-unsafe guard does.

    Both answers come from probing Django's real guard: once here, and once
    inside a fresh event loop on a helper thread, where it must fire unless
    the environment has switched it off for the whole process.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:
        guard_on = helper.submit(asyncio.run, _guard_fires_in_a_loop()).result()
    return ContextReport(
        thread=thread_role(),
        event_loop_running=is_async_context(),
        sync_orm_allowed=not _guard_fires(),
        async_unsafe_guard=guard_on,
    )


def run_sync(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[R]:
    """Run sync code (ORM calls included) on the thread the async ORM uses; await it.

    ``await run_sync(fn, *args)`` is ``sync_to_async(fn, thread_sensitive=True)``:
    ``fn`` runs on asgiref's single sync worker thread, the same thread (and so
    the same database connection) as ``await Book.objects.aget(...)``.
    """
    if inspect.iscoroutinefunction(fn) or inspect.isawaitable(fn):
        raise TypeError(
            f"run_sync() runs a plain (sync) function, but {getattr(fn, '__name__', fn)!r} "
            "is a coroutine function: just await it directly."
        )
    return sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)


def run_sync_blocking(fn: Callable[[], R]) -> R:
    """Run ``fn`` on the ORM's worker thread and block until it returns.

    For callers that cannot await (IPython magics). The loop of the cell's
    thread is busy running the cell, so a short-lived helper thread runs its
    own loop that awaits ``run_sync(fn)``; asgiref sends ``fn`` to its
    process-wide sync worker, exactly where the cell's a-methods run.
    """
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="workbench-sync"
    ) as helper:
        return helper.submit(asyncio.run, _await(run_sync(fn))).result()


async def _await(awaitable: Awaitable[R]) -> R:
    return await awaitable
