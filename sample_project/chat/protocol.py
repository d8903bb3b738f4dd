"""The chat's wire protocol: parse what a client sends, build what the server sends.

Frames
    A client sends ``{"type": "chat.message", "data": {"message": "<text>"}}``.
    Every member of the room receives ``{"type": "chat.message", "data": {"message",
    "user", "id"}, "timestamp", "room"}``. A frame the server cannot use is answered,
    to its sender only, with ``{"type": "error", "data": {"code", "detail"}}``; the
    connection stays open.

Who may do what
    Anyone whose page is this site (the Origin check: same scheme, host and port)
    may open ``ws/chat/<room>/`` and read what the room says from then on.
    Posting needs a signed-in user (the session cookie with the handshake): an
    anonymous socket is read-only, and each frame it sends is answered with
    ``not_authenticated``. The room's history (``GET /api/chat/<room>/messages/``)
    is for signed-in users too (403 otherwise). ``ws/notifications/`` refuses
    anonymous users at once (close code 4401).

Delivery: nothing is lost without a word
    * Every frame the server reads is answered, in order, before the next one is
      read: a ``chat.message`` that was stored comes back to its sender (with its
      ``id``: the acknowledgement), anything else gets an error frame.
    * A frame the server has read is processed even if its sender has gone:
      stored and broadcast, or refused (the answer then has nobody to go to).
    * Stopping the server stops reading, answers every frame already read, then
      closes each socket with **1012** (service restart). So a frame that got no
      answer before a 1012 close was not stored: send it again once reconnected.
      (A close with 1006 instead, after the server's grace period ran out, gives
      no such certainty: read the history before sending again.)
    * Over ``settings.CHAT_RATE_LIMIT`` (a burst of 30, then 10 a second) a frame
      is not read: ``rate_limited``; send it again later. A client that sends
      another 30 frames in a row while refused (it is not reading the
      refusals) gets a last ``rate_limited`` frame and is closed with **1008**
      (policy violation); what it sent after that is not read.
    * A member that falls behind (more than the channel layer's capacity, 100,
      waiting for it) misses broadcasts: the project's in-memory layer then tells
      it how many, with a ``messages_dropped`` error frame in their place; read
      them from the history. (Redis layers drop them without a word.)
    * A frame over 64 KiB: the server (``workbench.serve()``, ``workbench serve``)
      closes the socket with **1009** (message too big) without reading it;
      where no server limit applies (communicators) it is ``frame_too_large``.
    Broadcasts are at-most-once: a member that is not connected when a message
    is sent never gets it live; the history has every stored message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from sample_project.contracts import WebSocketMessage

from .schemas import ChatMessageData, ErrorData

MAX_FRAME_BYTES = 64 * 1024
CHAT_MESSAGE = "chat.message"
CLIENT_TYPES = (CHAT_MESSAGE,)
EXAMPLE = '{"type": "chat.message", "data": {"message": "hello"}}'

# Error codes (``data.code`` of an error frame).
BINARY_FRAME = "binary_frame"
FRAME_TOO_LARGE = "frame_too_large"
NOT_JSON = "not_json"
INVALID_MESSAGE = "invalid_message"
UNKNOWN_TYPE = "unknown_type"
INVALID_DATA = "invalid_data"
NOT_ACCEPTED = "not_accepted"
INVALID_ROOM = "invalid_room"
NOT_AUTHENTICATED = "not_authenticated"
NOT_STORED = "not_stored"
RATE_LIMITED = "rate_limited"
MESSAGES_DROPPED = "messages_dropped"

# Close codes (application range 4000-4999), sent after an error frame.
CLOSE_INVALID_ROOM = 4400
CLOSE_NOT_AUTHENTICATED = 4401
# A standard code: the sender ignored the rate limit ("policy violation").
CLOSE_FLOODING = 1008


class ProtocolError(ValueError):
    """A frame the server refuses; ``code`` and ``detail`` go back to the sender."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ChatCommand:
    """A valid ``chat.message`` from a client."""

    message: str


def parse_client_frame(text_data: str | None, bytes_data: bytes | None = None) -> ChatCommand:
    """Validate one incoming frame; raise ``ProtocolError`` saying what is wrong and what to send."""
    if text_data is None:
        size = len(bytes_data or b"")
        raise ProtocolError(
            BINARY_FRAME,
            f"received a binary frame ({size} bytes); this chat speaks JSON in text frames, "
            f"e.g. {EXAMPLE}.",
        )
    # A character is 1 to 4 bytes in UTF-8: only encode when the length is in doubt.
    if len(text_data) * 4 > MAX_FRAME_BYTES:
        size = len(text_data.encode("utf-8", "surrogatepass"))
        if size > MAX_FRAME_BYTES:
            raise ProtocolError(
                FRAME_TOO_LARGE,
                f"the frame is {size} bytes, over the limit of {MAX_FRAME_BYTES} bytes "
                "(64 KiB); send shorter messages.",
            )
    try:
        envelope = WebSocketMessage.model_validate_json(text_data)
    except ValidationError as exc:
        raise _envelope_error(exc, text_data) from None
    if envelope.type not in CLIENT_TYPES:
        raise ProtocolError(
            UNKNOWN_TYPE,
            f"unknown message type {_shorten(envelope.type)!r}; a client may send: "
            f"{', '.join(CLIENT_TYPES)}, e.g. {EXAMPLE}.",
        )
    try:
        data = ChatMessageData.model_validate(envelope.data)
    except ValidationError as exc:
        raise ProtocolError(
            INVALID_DATA,
            f"'data' of a chat.message is not valid: {_describe(exc, 'data')}; "
            f"send e.g. {EXAMPLE}.",
        ) from None
    return ChatCommand(message=data.message)


def chat_frame(*, message_id: int, text: str, user: str | None, room: str, timestamp: datetime) -> str:
    """The JSON text every member of a room receives for one stored message."""
    return WebSocketMessage(
        type=CHAT_MESSAGE,
        data={"message": text, "user": user, "id": message_id},
        timestamp=timestamp,
        room=room,
    ).model_dump_json()


def error_frame(code: str, detail: str) -> str:
    """The JSON text of an error sent to one client."""
    data = ErrorData(code=code, detail=detail).model_dump()
    return WebSocketMessage(type="error", data=data).model_dump_json(exclude_none=True)


def _envelope_error(exc: ValidationError, text_data: str) -> ProtocolError:
    first = exc.errors(include_url=False)[0]
    if first["type"] in {"json_invalid", "string_unicode"}:
        return ProtocolError(
            NOT_JSON,
            f"the frame is not valid JSON ({first['msg']}): {_shorten(text_data)!r}; "
            f"send a JSON object such as {EXAMPLE}.",
        )
    return ProtocolError(
        INVALID_MESSAGE,
        f"the frame is not a valid message: {_describe(exc)}; send e.g. {EXAMPLE}.",
    )


def _describe(exc: ValidationError, prefix: str = "") -> str:
    """Every problem as ``where: what (got value)``, joined by ``; ``."""
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
        where = f"{location}: " if location else ""
        got = "" if error["type"] == "missing" else f" (got {_shorten(repr(error['input']))})"
        parts.append(f"{where}{error['msg']}{got}")
    return "; ".join(parts)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
