"""The in-memory channel layer, with its per-message cost made independent of the process's size.

Channels' ``InMemoryChannelLayer`` sweeps *every* channel for expired
messages on each ``receive()`` and ``group_send()``, ``group_send`` starts
one task per member, and ``send``/``receive`` build a new ``asyncio.Queue``
on every call even when the channel has one (``dict.setdefault`` evaluates
its default). With one consumer per socket, a broadcast to a room of N
members therefore costs O(N²) work. This subclass keeps the stock layer's
semantics exactly (Channels' own layer tests pass against it) at O(N):

* **Expiry, per channel touched.** Whatever the stock layer's full sweep
  would do to a channel, this one does to the channels an operation touches,
  at the moment it touches them: ``receive()`` first drops its channel's
  expired messages (so it never returns a message past its expiry),
  ``group_send()`` checks each member's oldest message and its membership's
  age. A channel found with an expired message leaves every group, as in the
  stock layer. Channels nobody touches are swept at most once per
  ``sweep_interval`` seconds (memory only: what they hold is never delivered).
* **Queues**: a channel's queue is built only when it has none, and one a
  receive() emptied leaves ``channels`` (as in the stock layer) but is kept
  aside for that channel's next receive() until the next sweep.
* **Broadcasts** put the message on each member's queue directly (a put
  never waits), a copy per member; a member whose queue is full misses it
  (``ChannelFull``, for that member alone), as in the stock layer.
* **Telling a member what it missed** (an extension: the stock layer drops
  silently). A consumer that calls ``report_drops(channel, type)`` gets, on its
  own channel, ``{"type": type, "dropped": n}`` in the place of the ``n`` group
  messages it missed, as soon as its queue has room again.

One process only, as the stock layer.
"""

from __future__ import annotations

import asyncio
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
        self._drop_notices: dict[str, str] = {}  # channel -> the type of its "you missed n" message
        self._dropped: dict[str, int] = {}  # channel -> group messages it missed, not yet reported
        self._spares: dict[str, asyncio.Queue] = {}  # channel -> its emptied queue, for its next receive()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self._spares.pop(channel, None)
            if queue is None:
                queue = asyncio.Queue(maxsize=self.get_capacity(channel))
            self.channels[channel] = queue
        return queue

    def _drop_empty(self, channel: str, queue: asyncio.Queue) -> None:
        """An emptied queue leaves ``channels`` (as in the stock layer), kept aside for its next receive().

        Its consumer receives again at once: reusing the empty queue saves
        building a new one for every message (about a tenth of a delivery's cost).
        """
        del self.channels[channel]
        self._spares[channel] = queue

    def report_drops(self, channel: str, message_type: str) -> None:
        """Deliver ``{"type": message_type, "dropped": n}`` on ``channel`` when it misses group messages.

        Call it once, after ``new_channel()``; it lasts until ``forget(channel)``.
        """
        self.require_valid_channel_name(channel)
        self._drop_notices[channel] = message_type

    def forget(self, channel: str) -> None:
        """``channel`` is finished with (its consumer ended): drop its queue and everything kept for it."""
        self._remove_from_groups(channel)
        self._drop_notices.pop(channel, None)
        self._dropped.pop(channel, None)
        self._spares.pop(channel, None)
        if channel not in self._receivers:
            self.channels.pop(channel, None)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        _require_a_message(message)
        self.require_valid_channel_name(channel)
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._sweep_if_due()
        held = self.channels.get(channel)
        if held is not None:
            self._expire(channel, held)
        queue = self._queue(channel)
        self._receivers[channel] = self._receivers.get(channel, 0) + 1
        try:
            while True:
                expires, message = await queue.get()
                if expires >= time.time():
                    break
                # Expired between its put and this waiter's wake-up: dropped, as a sweep would.
                self._remove_from_groups(channel)
        finally:
            # As the stock layer: an emptied queue goes (unless another receive() waits on it).
            if not self._stop_waiting(channel) and queue.empty() and self.channels.get(channel) is queue:
                self._drop_empty(channel, queue)
        if channel in self._dropped:
            self._report_dropped(channel)
        return message

    def _stop_waiting(self, channel: str) -> int:
        """One receive() on ``channel`` ended; how many still wait on it."""
        waiting = self._receivers.pop(channel, 1) - 1
        if waiting:
            self._receivers[channel] = waiting
        return waiting

    def _report_dropped(self, channel: str) -> None:
        """Queue the "you missed n" message behind what the channel already holds, if there is room."""
        queue = self._queue(channel)
        if queue.full():
            return
        count = self._dropped.pop(channel)
        notice = {"type": self._drop_notices[channel], "dropped": count}
        queue.put_nowait((time.time() + self.expiry, notice))

    def _expire(self, channel: str, queue: asyncio.Queue) -> bool:
        """Drop ``channel``'s expired messages; if there were any, it leaves every group (as in a sweep)."""
        held = queue._queue  # type: ignore[attr-defined]  # asyncio.Queue's deque, as the stock layer reads it
        if not held or held[0][0] >= time.time():
            return False
        now = time.time()
        while held and held[0][0] < now:
            queue.get_nowait()
        self._remove_from_groups(channel)
        if queue.empty() and channel not in self._receivers and self.channels.get(channel) is queue:
            del self.channels[channel]
        return True

    def _sweep_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        self._clean_expired()

    def _clean_expired(self) -> None:
        self._spares.clear()  # a live consumer's next receive() builds one again
        for channel, queue in list(self.channels.items()):
            self._expire(channel, queue)
        cutoff = int(time.time()) - self.group_expiry
        for members in self.groups.values():
            for channel, joined in list(members.items()):
                if joined and joined < cutoff:
                    members.pop(channel, None)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        _require_a_message(message)
        self.require_valid_group_name(group)
        self._sweep_if_due()
        members = self.groups.get(group)
        if not members:
            return
        # A put never waits, so one loop does what the stock layer does with a
        # task per member. Members' names were checked when they joined.
        now = time.time()
        expires = now + self.expiry
        cutoff = int(now) - self.group_expiry
        for channel, joined in list(members.items()):
            if joined and joined < cutoff:  # the membership itself expired
                members.pop(channel, None)
                continue
            queue = self.channels.get(channel)
            if queue is None:
                queue = self._queue(channel)
            else:
                held = queue._queue
                if held and held[0][0] < now and self._expire(channel, queue):
                    continue  # an expired message: the stock sweep would have removed it from the group
            try:
                queue.put_nowait((expires, deepcopy(message)))
            except asyncio.QueueFull:
                # ChannelFull for this member alone: the others still get it.
                if channel in self._drop_notices:
                    self._dropped[channel] = self._dropped.get(channel, 0) + 1

    async def flush(self) -> None:
        await super().flush()
        self._next_sweep = 0.0
        self._dropped.clear()
        self._drop_notices.clear()
        self._spares.clear()


def _require_a_message(message: Any) -> None:
    """The checks Channels' own layers make (there as asserts), as errors that name the value."""
    if not isinstance(message, dict):
        raise TypeError(f"a channel-layer message is a dict, got {type(message).__name__}: {message!r}")
    if "__asgi_channel__" in message:
        raise ValueError("a message may not carry the reserved key '__asgi_channel__'")
