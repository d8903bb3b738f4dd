"""Per-type payloads of the chat's WebSocket frames (Pydantic 2).

The envelope of every frame is the shared ``sample_project.contracts.WebSocketMessage``;
these models check what goes inside its ``data`` for each ``type``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, field_validator

from sample_project.contracts import Contract

MAX_MESSAGE_LENGTH = 4000


class ChatMessageData(BaseModel):
    """``data`` of a ``chat.message`` frame sent by a client: the text, nothing else."""

    model_config = ConfigDict(extra="forbid", strict=True)

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)

    @field_validator("message")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # SQLite stores NUL, PostgreSQL refuses it: refuse it for every database.
        if "\x00" in value:
            raise ValueError("must not contain NUL characters (\\u0000)")
        return value


class ErrorData(BaseModel):
    """``data`` of an ``error`` frame: a machine-readable code and a sentence for people."""

    code: str
    detail: str


class MessageOut(Contract):
    """A stored chat message as ``GET /api/chat/<room>/messages/`` sends it (camelCase JSON)."""

    model_config = ConfigDict(title="ChatMessage", from_attributes=True)

    id: int
    room: str
    # From a Message row: message.user.username (load it with select_related("user")).
    user: str | None = Field(validation_alias=AliasChoices(AliasPath("user", "username"), "user"))
    message: str = Field(validation_alias=AliasChoices("text", "message"))
    created: datetime
