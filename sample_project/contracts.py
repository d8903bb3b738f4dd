"""The data contracts shared by the server and its clients (Pydantic 2).

The guide's models, written the Pydantic 2 way: ``model_config = ConfigDict(...)``
instead of ``class Config``, camelCase aliases so the JSON matches the guide's
TypeScript (``taskId``, ``retryCount``, ``hasNext``), validation by field name
*and* by alias, serialization by alias, and datetimes written as ISO 8601 by a
field serializer (the guide's ``json_encoders = {'datetime': ...}`` key is a
string and is silently ignored). One module, used by the chat consumer, the
task runner, the paginated API and the generated ``types.ts``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class AsyncOperationStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class Contract(BaseModel):
    """Shared configuration: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_enum_values=True,
        validate_assignment=True,
    )


class AsyncTaskConfig(Contract):
    """Configuration for one background task."""

    task_id: str = Field(description="Unique task identifier")
    timeout: int = Field(default=30, ge=1, le=300, description="Seconds per attempt (1-300)")
    retry_count: int = Field(default=3, ge=0, le=10, description="Retries after a failure (0-10)")
    concurrent_limit: int = Field(default=5, ge=1, le=50, description="Tasks running at once (1-50)")
    status: AsyncOperationStatus = AsyncOperationStatus.PENDING


class WebSocketMessage(Contract):
    """The envelope of every WebSocket frame, in both directions."""

    type: str = Field(min_length=1, description="Message type, e.g. 'chat.message'")
    data: dict[str, Any] = Field(default_factory=dict)
    timestamp: datetime | None = None
    room: str | None = None

    @field_serializer("timestamp")
    def _iso_timestamp(self, value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None


class AsyncOrmResult(Contract, Generic[T]):
    """One page of a query run with the async ORM."""

    data: list[T]
    count: int = Field(ge=0)
    has_next: bool
    execution_time: float = Field(ge=0, description="Seconds spent running the query")
