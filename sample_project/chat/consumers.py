"""WebSocket consumers: a chat room and per-user notifications.

Both follow the guide's connect / receive / disconnect lifecycle, with the
parts it leaves out: every frame is validated, anonymous users are refused
before any group is joined, group names are checked first, and a bad frame
is answered with an error frame instead of killing the connection.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import DatabaseError
from django.utils import timezone

from sample_project.contracts import WebSocketMessage

from . import protocol
from .groups import InvalidRoomName, room_group, user_group
from .models import Message

# The channel-layer event that carries an encoded frame to every member of a group.
GROUP_FRAME = "group.frame"


class GroupMemberConsumer(AsyncJsonWebsocketConsumer):
    """A socket that belongs to at most one group, joined only once it is allowed in."""

    group: str | None = None

    async def join(self, group: str) -> None:
        """Join ``group`` (its name already checked), then accept the handshake."""
        await self.channel_layer.group_add(group, self.channel_name)
        self.group = group
        await self.accept()

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
        """A frame for every member of the group, already encoded: pass it down the socket."""
        await self.send(text_data=event["text"])

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections() on the ORM's worker thread
        # before *every* handler: one thread hop per event, so one per member
        # per broadcast. Passing a group frame on never touches the database,
        # so it skips that hop; every other event (frames from the client,
        # which may write) goes through Channels' dispatch unchanged.
        if message["type"] == GROUP_FRAME:
            await self.group_frame(message)
        else:
            await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)


class ChatConsumer(GroupMemberConsumer):
    """``ws/chat/<room>/``: validate, persist, broadcast to the room."""

    async def connect(self) -> None:
        self.room = self.scope["url_route"]["kwargs"]["room"]
        try:
            group = room_group(self.room)
        except InvalidRoomName as exc:
            await self.refuse(protocol.INVALID_ROOM, str(exc), protocol.CLOSE_INVALID_ROOM)
            return
        await self.join(group)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Replaces AsyncJsonWebsocketConsumer.receive, which lets a binary or
        # non-JSON frame raise and so closes the connection.
        if self.group is None:
            return
        try:
            command = protocol.parse_client_frame(text_data, bytes_data)
        except protocol.ProtocolError as error:
            await self.send_error(error.code, error.detail)
            return
        user = self.scope.get("user")
        author = user if user is not None and user.is_authenticated else None
        try:
            message = await Message.objects.acreate(
                room=self.room, user_id=author.pk if author else None, text=command.message
            )
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
            user=author.get_username() if author else None,
            room=self.room,
            timestamp=message.created,
        )
        # Encoded once here, not once per receiver: each member only sends the text on.
        await self.channel_layer.group_send(self.group, {"type": GROUP_FRAME, "text": frame})


class NotificationConsumer(GroupMemberConsumer):
    """``ws/notifications/``: push-only messages for one signed-in user."""

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
