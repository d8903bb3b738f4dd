"""The live-progress wire protocol: what a learner's notebook sends, what the pages receive.

Every frame is the shared ``WebSocketMessage`` envelope (``sample_project.contracts``).

A reporting or watching socket first sends, once,
``{"type": "progress.hello", "data": {"token": "<the learner's token>"}}``
and is answered ``{"type": "progress.welcome", "data": {"learner": "<name>"}}``.
A reporting socket then sends one frame per check run::

    {"type": "progress.result",
     "data": {"exercise": "00-getting-started", "check": "<the check's sentence>",
              "passed": false, "hint": "<the hint shown>"}}

The staff grid and a learner's own page receive ``progress.snapshot``
(everything stored so far that they may see); then a learner's page gets one
``progress.report`` per stored result, and the staff grid ``progress.reports``
(``{"reports": [...]}``: every result a worker stored while its previous
batch was on its way, so a room checking at once is a few messages, not one
per learner). The channel layer delivers at most once (a full channel or
a Redis restart drops a message), so the grid, which sees every report id,
sends ``{"type": "progress.refresh"}`` when one is missing, and gets a new
snapshot. A frame the server cannot use is answered with
``{"type": "error", "data": {"code", "detail"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sample_project.contracts import WebSocketMessage

MAX_FRAME_CHARACTERS = 8 * 1024
HELLO = "progress.hello"
RESULT = "progress.result"
WELCOME = "progress.welcome"
SNAPSHOT = "progress.snapshot"
REPORT = "progress.report"
REPORTS = "progress.reports"
REFRESH = "progress.refresh"

# Error codes (``data.code`` of an error frame).
INVALID_FRAME = "invalid_frame"
NOT_AUTHENTICATED = "not_authenticated"
NOT_STAFF = "not_staff"
NOT_ACCEPTED = "not_accepted"
NOT_STORED = "not_stored"

# Close codes, sent after an error frame.
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_STAFF = 4403

EXAMPLE_HELLO = '{"type": "progress.hello", "data": {"token": "ada:…"}}'
EXAMPLE_RESULT = (
    '{"type": "progress.result", "data": {"exercise": "00-getting-started", '
    '"check": "counts her three books", "passed": false, "hint": "use acount()"}}'
)


class ProtocolError(ValueError):
    """A frame the server refuses; ``code`` and ``detail`` go back to the sender."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _no_nul(value: str) -> str:
    if "\x00" in value:  # PostgreSQL refuses NUL in text: refuse it for every database
        raise ValueError("must not contain NUL characters (\\u0000)")
    return value


class HelloData(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=1, max_length=400)


class ResultData(BaseModel):
    """``data`` of a ``progress.result``: which check, and its verdict; nothing of the learner's."""

    model_config = ConfigDict(extra="forbid", strict=True)

    exercise: str = Field(min_length=1, max_length=200)
    check: str = Field(min_length=1, max_length=300)
    passed: bool
    hint: str = Field(default="", max_length=2000)

    _text = field_validator("exercise", "check", "hint")(_no_nul)


@dataclass(frozen=True)
class Hello:
    token: str


def parse_frame(text_data: str | None, bytes_data: bytes | None = None) -> tuple[str, dict[str, Any]]:
    """The ``(type, data)`` of one incoming frame; ``ProtocolError`` says what is wrong."""
    if text_data is None:
        raise ProtocolError(INVALID_FRAME, f"received a binary frame ({len(bytes_data or b'')} bytes); send JSON text frames.")
    if len(text_data) > MAX_FRAME_CHARACTERS:
        raise ProtocolError(
            INVALID_FRAME, f"the frame has {len(text_data)} characters, over the limit of {MAX_FRAME_CHARACTERS}."
        )
    try:
        envelope = WebSocketMessage.model_validate_json(text_data)
    except ValidationError as exc:
        raise ProtocolError(INVALID_FRAME, f"the frame is not a valid message: {_describe(exc)}.") from None
    return envelope.type, envelope.data


def parse_hello(kind: str, data: dict[str, Any]) -> Hello:
    if kind != HELLO:
        raise ProtocolError(NOT_AUTHENTICATED, f"say who you are first: send {EXAMPLE_HELLO} with your token.")
    try:
        return Hello(token=HelloData.model_validate(data).token)
    except ValidationError as exc:
        raise ProtocolError(NOT_AUTHENTICATED, f"'data' of progress.hello is not valid: {_describe(exc, 'data')}.") from None


def parse_result(kind: str, data: dict[str, Any]) -> ResultData:
    if kind != RESULT:
        raise ProtocolError(NOT_ACCEPTED, f"unknown message type {kind[:60]!r}; a notebook sends e.g. {EXAMPLE_RESULT}.")
    try:
        result = ResultData.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(INVALID_FRAME, f"'data' of progress.result is not valid: {_describe(exc, 'data')}.") from None
    if result.passed and result.hint:
        # A hint is shown only when a check fails: a passed check carries none.
        result = result.model_copy(update={"hint": ""})
    return result


def report_data(
    *, report_id: int, learner: str, exercise: str, check: str, passed: bool, hint: str, received: datetime,
    attempts: int | None = None,
) -> dict[str, Any]:
    """One stored result as the pages receive it."""
    data: dict[str, Any] = {
        "id": report_id, "learner": learner, "exercise": exercise, "check": check,
        "passed": passed, "hint": hint, "received": received.isoformat(),
    }
    if attempts is not None:
        data["attempts"] = attempts
    return data


def frame(kind: str, data: dict[str, Any]) -> str:
    return WebSocketMessage(type=kind, data=data).model_dump_json(exclude_none=True)


def error_frame(code: str, detail: str) -> str:
    return frame("error", {"code": code, "detail": detail})


def _describe(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for error in exc.errors(include_url=False)[:3]:
        location = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
        parts.append(f"{location + ': ' if location else ''}{error['msg']}")
    return "; ".join(parts)
