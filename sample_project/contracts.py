"""The data contracts shared by the server and its clients (Pydantic 2).

Why one module here: the chat consumer, the task runner, the paginated API and
the browser all speak these shapes, so they are written once. They live in
``sample_project`` (not ``workbench``) because the project must stand alone: it
never imports ``workbench``, while notebooks and ``workbench`` may import it.
``sample_project/static/types.ts`` is generated from these models
(``workbench types``), so the TypeScript twins cannot drift from them.

The guide's models, written the Pydantic 2 way:

* ``model_config = ConfigDict(...)`` instead of ``class Config`` (deprecated);
* camelCase aliases so the JSON is the guide's TypeScript (``taskId``,
  ``retryCount``, ``concurrentLimit``, ``hasNext``, ``executionTime``),
  validation by field name *and* by alias, serialization by alias;
* datetimes written as ISO 8601 by a field serializer (the guide's
  ``json_encoders = {'datetime': ...}`` key is a string and is silently ignored);
* unknown keys are refused (``extra="forbid"``): a misspelt ``romm`` is an
  error, not silently dropped data.

``explain_validation_error`` turns a ``ValidationError`` into the plain lines a
user should read (which field, what was expected, what was given).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    WithJsonSchema,
    field_serializer,
    model_serializer,
)
from pydantic.alias_generators import to_camel
from pydantic_core import to_jsonable_python

T = TypeVar("T")


class AsyncOperationStatus(StrEnum):
    """Where a background task is: pending → in_progress → completed / failed."""

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
        extra="forbid",
    )


def _status_is_always_sent(schema: dict[str, Any]) -> None:
    # Python fills in status="pending" for a new config, but every config the
    # server sends carries its status, so clients may rely on it: the schema,
    # and the TypeScript twin generated from it, mark it required (as the guide does).
    schema["required"] = [*schema.get("required", []), "status"]


class AsyncTaskConfig(Contract):
    """Configuration for one background task, run by sample_project.tasks.runner."""

    model_config = ConfigDict(json_schema_extra=_status_is_always_sent)

    task_id: str = Field(min_length=1, max_length=200, description="Unique task identifier")
    timeout: int = Field(default=30, ge=1, le=300, description="Seconds per attempt (1-300)")
    retry_count: int = Field(default=3, ge=0, le=10, description="Retries after a failure (0-10)")
    concurrent_limit: int = Field(
        default=5, ge=1, le=50, description="Tasks of the batch running at once (1-50)"
    )
    status: AsyncOperationStatus = Field(
        default=AsyncOperationStatus.PENDING, description="Where the task is now"
    )


class WebSocketMessage(Contract):
    """The envelope of every WebSocket frame, in both directions.

    Unset optional fields (timestamp, room) are left out of the JSON, never sent as null.
    """

    type: str = Field(min_length=1, description="Message type, e.g. 'chat.message'")
    data: dict[str, Any] = Field(default_factory=dict, description="The message's payload")
    # Unset, these two are absent from the JSON, never null; so their schema
    # (and TypeScript twin: `timestamp?: string`) names only the type itself.
    timestamp: Annotated[
        AwareDatetime | None, WithJsonSchema({"type": "string", "format": "date-time"})
    ] = Field(default=None, description="When the message was sent (ISO 8601, with a time zone)")
    room: Annotated[str | None, WithJsonSchema({"type": "string"})] = Field(
        default=None, description="The room it belongs to"
    )

    @field_serializer("timestamp")
    def _iso_8601(self, value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    @model_serializer(mode="wrap")
    def _leave_out_unset_optionals(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        fields = handler(self)
        for name in ("timestamp", "room"):  # one word each: the alias is the name
            if getattr(self, name) is None:
                fields.pop(name, None)
        return fields


class AsyncOrmResult(Contract, Generic[T]):
    """One page of a query run with the async ORM (sample_project.pagination)."""

    data: list[T] = Field(description="The rows of this page")
    count: int = Field(ge=0, description="Rows matching the query, on every page")
    has_next: bool = Field(description="Whether a later page exists")
    execution_time: float = Field(ge=0, description="Seconds spent running the query")


def validation_problems(error: ValidationError) -> list[dict[str, Any]]:
    """One JSON-ready entry per problem: ``field`` (as the caller spelt it), ``message``, ``input``.

    ``input`` (the offending value) is left out when the field was missing.
    """
    return [
        {**problem, "input": to_jsonable_python(problem["input"], fallback=repr)}
        if "input" in problem
        else problem
        for problem in _problems(error)
    ]


def explain_validation_error(error: ValidationError) -> str:
    """A few plain lines for a person: what was being read, and each field's problem."""
    problems = _problems(error)
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [f"{error.title}: {len(problems)} {noun}"]
    for problem in problems:
        given = f" (got {problem['input']!r})" if "input" in problem else ""
        lines.append(f"- {problem['field']}: {problem['message']}{given}")
    return "\n".join(lines)


def _problems(error: ValidationError) -> list[dict[str, Any]]:
    problems = []
    for item in error.errors(include_url=False):
        problem: dict[str, Any] = {
            "field": ".".join(str(part) for part in item["loc"]) or "(the whole input)",
            "message": item["msg"],
        }
        if item["type"] != "missing":
            problem["input"] = item["input"]
        problems.append(problem)
    return problems
