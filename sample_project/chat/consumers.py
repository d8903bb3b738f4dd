"""WebSocket consumers: a chat room and per-user notifications.

Both follow the guide's connect / receive / disconnect lifecycle, with the
parts it leaves out: every frame is validated, anonymous users are refused
before any group is joined, group names are checked first, and a bad frame
is answered with an error frame instead of killing the connection.

And the parts a server under load needs (see ``protocol.py`` for what a
client may rely on):

* **Leaving the group however the consumer ends.** ``disconnect()`` runs only
  when the server reports the close. A consumer that ends otherwise (its
  handler raised, it was cancelled at a server stop) would stay in its group
  and be sent every broadcast until the layer expires it; ``__call__`` leaves
  in a ``finally``.
* **A client that has gone does not end the consumer.** Sending to a closed
  socket raises (ASGI: an ``OSError`` such as uvicorn's ``ClientDisconnected``);
  here it only stops further sends, so the frames the client sent before
  closing are still processed.
* **A rate limit per connection**, checked before anything else (no thread
  hop, no parsing), so a flooder costs little and the others keep their latency.
* **Telling a member it missed broadcasts** (with the project's in-memory layer).
"""

from __future__ import annotations

import time
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sample_project.contracts import WebSocketMessage

from . import protocol
from .groups import InvalidRoomName, room_group, user_group
from .models import Message

# The channel-layer event that carries an encoded frame to every member of a group.
GROUP_FRAME = "group.frame"
# What the project's in-memory layer sends a member in place of the broadcasts it missed.
GROUP_DROPPED = "group.dropped"
WEBSOCKET_RECEIVE = "websocket.receive"


class GroupMemberConsumer(AsyncJsonWebsocketConsumer):
    """A socket that belongs to at most one group, joined only once it is allowed in."""

    group: str | None = None
    socket_closed = False  # closed by either side: nothing more can be sent on it
    closed_for_flooding = False  # closed by this consumer for ignoring the rate limit
    _refused_in_a_row = 0
    missed_what = "messages"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        limit = getattr(settings, "CHAT_RATE_LIMIT", None)
        self._rate = float(limit["per_second"]) if limit else 0.0
        self._burst = float(limit["burst"]) if limit else 0.0
        self._tokens, self._refilled = self._burst, time.monotonic()
        self._asgi_send = send
        try:
            await super().__call__(scope, receive, self._send_while_open)
        finally:
            await self.leave()

    async def _send_while_open(self, message: dict[str, Any]) -> None:
        if self.socket_closed:
            return
        try:
            await self._asgi_send(message)
        except OSError:  # the client has gone (ASGI: servers raise an OSError subclass)
            self.socket_closed = True
            return
        if message["type"] == "websocket.close":
            self.socket_closed = True

    async def join(self, group: str) -> None:
        """Join ``group`` (its name already checked), then accept the handshake."""
        report_drops = getattr(self.channel_layer, "report_drops", None)
        if report_drops is not None:
            report_drops(self.channel_name, GROUP_DROPPED)
        await self.channel_layer.group_add(group, self.channel_name)
        self.group = group
        await self.accept()

    async def leave(self) -> None:
        """Leave the group (once, whoever calls first) and let the layer forget this channel."""
        group, self.group = self.group, None
        layer = getattr(self, "channel_layer", None)
        if layer is None or not hasattr(self, "channel_name"):
            return
        if group is not None:
            await layer.group_discard(group, self.channel_name)
        forget = getattr(layer, "forget", None)
        if forget is not None:
            forget(self.channel_name)

    async def refuse(self, code: str, detail: str, close_code: int) -> None:
        """Accept, say why in an error frame, then close with ``close_code``.

        Accepting first lets the client see the reason and the code: a refusal
        before accepting reaches a browser only as close code 1006.
        """
        await self.accept()
        await self.send_error(code, detail)
        await self.close(code=close_code)

    async def send_error(self, code: str, detail: str) -> None:
        await self.send(text_data=protocol.error_frame(code, detail))

    async def group_frame(self, event: dict[str, Any]) -> None:
        """A frame for every member of the group, already encoded: pass it down the socket.

        Its sender already has it: the consumer answered its own frame directly.
        """
        if event.get("sender") != self.channel_name:
            await self.send(text_data=event["text"])

    async def group_dropped(self, event: dict[str, Any]) -> None:
        """The layer dropped ``event["dropped"]`` broadcasts for this socket: its queue was full."""
        count = event["dropped"]
        await self.send_error(
            protocol.MESSAGES_DROPPED,
            f"{count} {self.missed_what} to this socket {'was' if count == 1 else 'were'} dropped: "
            f"more than {self.channel_layer.get_capacity(self.channel_name)} were waiting for it "
            f"(is the client reading?). {self.where_to_catch_up()}",
        )

    def where_to_catch_up(self) -> str:
        return "They are not sent again."

    async def refuse_over_limit(self) -> None:
        """Answer a frame over the rate limit; close a sender that keeps on regardless (1008).

        A sender that reads its answers slows down; one that sends another
        ``burst`` frames while refused is not reading them, and would keep the
        server busy answering: it is told why, then closed. Frames it sent
        after that are not read.
        """
        if self.closed_for_flooding:
            return
        self._refused_in_a_row += 1
        if self._refused_in_a_row <= self._burst:
            await self.send(text_data=self.rate_limited_frame())
            return
        self.closed_for_flooding = True
        await self.send_error(
            protocol.RATE_LIMITED,
            f"{self._refused_in_a_row} frames in a row over the rate limit: this socket is closed "
            f"({protocol.CLOSE_FLOODING}, policy violation) and reads nothing more.",
        )
        await self.close(code=protocol.CLOSE_FLOODING)

    def rate_limited_frame(self) -> str:
        """The error frame for a frame over the rate limit, encoded once per connection (a flood asks often)."""
        frame = getattr(self, "_rate_limited", None)
        if frame is None:
            frame = self._rate_limited = protocol.error_frame(
                protocol.RATE_LIMITED,
                f"more than {self._burst:.0f} frames at once, or {self._rate:g} a second: this frame "
                "was not read, nothing was stored. Slow down, then send it again.",
            )
        return frame

    def take_token(self) -> bool:
        """One frame's worth of the rate limit; False when the sender is over it."""
        if not self._rate:
            return True
        now = time.monotonic()
        tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if tokens < 1:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1
        self._refused_in_a_row = 0
        return True

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections() on the ORM's worker thread
        # before *every* handler: one thread hop per event, so one per member
        # per broadcast. Passing a group frame on never touches the database,
        # so it skips that hop, and so does refusing a frame over the rate
        # limit; every other event (frames from the client, which may write)
        # goes through Channels' dispatch unchanged.
        kind = message["type"]
        if kind == GROUP_FRAME:
            await self.group_frame(message)
        elif kind == WEBSOCKET_RECEIVE and (self.closed_for_flooding or not self.take_token()):
            await self.refuse_over_limit()
        elif kind == GROUP_DROPPED:
            await self.group_dropped(message)
        else:
            await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        await self.leave()


class ChatConsumer(GroupMemberConsumer):
    """``ws/chat/<room>/``: validate, persist, answer the sender, broadcast to the room."""

    async def connect(self) -> None:
        self.room = self.scope["url_route"]["kwargs"]["room"]
        try:
            group = room_group(self.room)
        except InvalidRoomName as exc:
            await self.refuse(protocol.INVALID_ROOM, str(exc), protocol.CLOSE_INVALID_ROOM)
            return
        await self.join(group)

    def where_to_catch_up(self) -> str:
        return f"Read what you missed from /api/chat/{self.room}/messages/ (signed in)."

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Replaces AsyncJsonWebsocketConsumer.receive, which lets a binary or
        # non-JSON frame raise and so closes the connection.
        if self.group is None:
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.send_error(
                protocol.NOT_AUTHENTICATED,
                "posting needs a signed-in user: this socket is read-only. Log in "
                "(/accounts/login/), then connect again with the session cookie.",
            )
            return
        try:
            command = protocol.parse_client_frame(text_data, bytes_data)
        except protocol.ProtocolError as error:
            await self.send_error(error.code, error.detail)
            return
        try:
            message = await Message.objects.acreate(room=self.room, user_id=user.pk, text=command.message)
        except DatabaseError as exc:
            # Nothing was broadcast: the sender keeps the text and may send it again.
            await self.send_error(
                protocol.NOT_STORED,
                f"the message could not be stored ({type(exc).__name__}: {exc}); "
                "it was not sent to the room, send it again.",
            )
            return
        frame = protocol.chat_frame(
            message_id=message.id,
            text=message.text,
            user=user.get_username(),
            room=self.room,
            timestamp=message.created,
        )
        # Encoded once here, not once per receiver: each member only sends the text on.
        await self.channel_layer.group_send(
            self.group, {"type": GROUP_FRAME, "text": frame, "sender": self.channel_name}
        )
        # The sender's acknowledgement, sent before its next frame is read (so
        # a server stop that drains the socket answers every frame it read).
        await self.send(text_data=frame)


class NotificationConsumer(GroupMemberConsumer):
    """``ws/notifications/``: push-only messages for one signed-in user."""

    missed_what = "notifications"

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Refused before any group is named or joined: an anonymous user
            # has no id, and ``user_None`` would be one group for all of them.
            await self.refuse(
                protocol.NOT_AUTHENTICATED,
                "notifications are for signed-in users; log in, then connect "
                "again with the session cookie.",
                protocol.CLOSE_NOT_AUTHENTICATED,
            )
            return
        await self.join(user_group(user.pk))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.group is not None:
            await self.send_error(
                protocol.NOT_ACCEPTED,
                "this socket only delivers notifications and accepts no frames; "
                "send chat messages on ws/chat/<room>/.",
            )


async def notify_user(user: Any, payload: dict[str, Any]) -> None:
    """Push ``payload`` to every open notification socket of ``user`` (from a view or a task).

    Call it on the loop that runs the consumers (the server's); from sync code
    use ``async_to_sync(notify_user)(user, payload)``.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        raise ValueError(
            f"notify_user() needs a saved, signed-in user, got {user!r}; "
            "anonymous users have no notification group."
        )
    frame = WebSocketMessage(
        type="notification", data=payload, timestamp=timezone.now()
    ).model_dump_json(exclude_none=True)
    await get_channel_layer().group_send(
        user_group(user.pk), {"type": GROUP_FRAME, "text": frame}
    )
