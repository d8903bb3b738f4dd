"""The in-memory channel layer, with its per-message cost made independent of the process's size.

Channels' ``InMemoryChannelLayer`` sweeps *every* channel for expired
messages on each ``receive()`` and ``group_send()``, ``group_send`` starts
one task per member, and ``send``/``receive`` build a new ``asyncio.Queue``
on every call even when the channel has one (``dict.setdefault`` evaluates
its default). With one consumer per socket, a broadcast to a room of N
members therefore costs O(N²) work. This subclass sweeps at most once per
``sweep_interval`` seconds (expiry is 60 s by default, so a late sweep changes
nothing), builds a queue only for a channel that has none, and puts a group
message on each member's queue directly. It also keeps a channel's emptied
queue after a receive (a consumer receives again at once; the stock layer
drops it and builds a new one for every message) and drops empty queues that
nobody waits on at the sweep, or at once when a receive is cancelled.
Semantics are otherwise the stock layer's: one process only, a copy per
member, ``ChannelFull`` drops the message for that member alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    def __init__(self, *args: Any, sweep_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self._next_sweep = 0.0
        self._receivers: dict[str, int] = {}  # channel -> receive() calls waiting on it

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        _require_a_message(message)
        self.require_valid_channel_name(channel)
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        self._receivers[channel] = self._receivers.get(channel, 0) + 1
        try:
            _, message = await queue.get()
        except BaseException:
            # Cancelled (its consumer has gone) or failed: drop the queue if
            # it is empty and nobody else waits on it, as the stock layer does.
            if not self._stop_waiting(channel) and queue.empty():
                self.channels.pop(channel, None)
            raise
        # Received: keep the queue, its consumer receives again at once. An
        # abandoned one goes at the next sweep.
        self._stop_waiting(channel)
        return message

    def _stop_waiting(self, channel: str) -> int:
        """One receive() on ``channel`` ended; how many still wait on it."""
        waiting = self._receivers.pop(channel, 1) - 1
        if waiting:
            self._receivers[channel] = waiting
        return waiting

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        super()._clean_expired()
        for channel, queue in list(self.channels.items()):
            if queue.empty() and channel not in self._receivers:
                del self.channels[channel]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        _require_a_message(message)
        self.require_valid_group_name(group)
        self._clean_expired()
        # A put never waits, so one loop does what the stock layer does with a
        # task per member. Members' names were checked when they joined.
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, ())):
            # ChannelFull for this member alone: the others still get it.
            with contextlib.suppress(asyncio.QueueFull):
                self._queue(channel).put_nowait((expires, deepcopy(message)))

    async def flush(self) -> None:
        await super().flush()
        self._next_sweep = 0.0


def _require_a_message(message: Any) -> None:
    """The checks Channels' own layers make (there as asserts), as errors that name the value."""
    if not isinstance(message, dict):
        raise TypeError(f"a channel-layer message is a dict, got {type(message).__name__}: {message!r}")
    if "__asgi_channel__" in message:
        raise ValueError("a message may not carry the reserved key '__asgi_channel__'")
