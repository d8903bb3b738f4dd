"""``loop_lag()``: measure how long the event loop was kept from running other work.

A coroutine that calls something blocking (``time.sleep``, a sync HTTP
request, a sync database query) holds the loop's thread: every other task on
that loop waits. The probe is a ticker task on the *same* loop that asks to
wake every ``interval`` seconds; how late it wakes up is the loop's lag.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from .errors import WorkbenchError


class LoopLagProbe:
    """``async with loop_lag() as lag:`` … then ``lag.max_lag`` (seconds) and ``lag.ticks``.

    Lag is measured on the loop that runs the ``async with`` block. A lag
    close to zero means the loop stayed free; a lag as long as a blocking
    call means everything else on that loop waited for it.
    """

    def __init__(self, interval: float = 0.005) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        self.interval = interval
        self.max_lag = 0.0
        self.ticks = 0
        self._next_wakeup: float | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopLagProbe:
        if self._task is not None:
            raise WorkbenchError("this probe is already measuring; use a new loop_lag() for each block")
        self._task = asyncio.get_running_loop().create_task(self._tick(), name="workbench-loop-lag")
        # Let the ticker start (and set its first wake-up time) before the
        # block runs, so a blocking call at the very start is measured too.
        while self._next_wakeup is None:
            await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is None:
            raise WorkbenchError("this probe was never entered: use it as `async with workbench.loop_lag() as lag:`")
        # A ticker that is overdue right now has not had the chance to record
        # it (the loop was busy with this block): count that wait as well.
        self._record(asyncio.get_running_loop().time())
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._next_wakeup = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self._record(loop.time())
            self.ticks += 1

    def _record(self, now: float) -> None:
        if self._next_wakeup is not None:
            self.max_lag = max(self.max_lag, now - self._next_wakeup)

    def __repr__(self) -> str:
        return f"<LoopLagProbe interval={self.interval}>"


def loop_lag(interval: float = 0.005) -> LoopLagProbe:
    """Measure the lag of the running event loop over an ``async with`` block.

    ``interval`` is how often (seconds) the probe asks to wake up; the lag is
    how much later than asked it did, at worst (``.max_lag``).
    """
    return LoopLagProbe(interval)
