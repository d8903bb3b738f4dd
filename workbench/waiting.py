"""``wait_until()``: await something another thread will make true, with a deadline.

A live server runs on threads of its own, so what a request did there (a
view's clean-up after its client left, a row stored) becomes visible from a
cell a moment later. Polling with a deadline says so in one line, and fails
with a clear message instead of hanging when it never happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import WorkbenchError

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.01, what: str | None = None
) -> T:
    """Await until ``condition()`` returns something true, and return it.

    ``condition`` is a plain function, called on this loop every ``interval``
    seconds (it must not block). After ``timeout`` seconds a ``WorkbenchError``
    says what was awaited (``what``, or the function's name).
    """
    if not callable(condition):
        raise TypeError(f"wait_until() needs a function to call, e.g. lambda: not in_flight.open(); got {condition!r}.")
    if not timeout > 0 or not interval > 0:
        raise ValueError(f"timeout and interval must be positive numbers of seconds, got {timeout!r} and {interval!r}.")
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            described = what or getattr(condition, "__qualname__", repr(condition))
            raise WorkbenchError(
                f"still not true after {timeout:g} s: {described}. On a very busy machine run the cell "
                "again; if it keeps failing, run the lesson again from its first cell."
            )
        await asyncio.sleep(interval)
