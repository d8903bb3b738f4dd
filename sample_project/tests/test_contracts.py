"""The shared Pydantic 2 contracts: bounds, camelCase on the wire, clear errors."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from sample_project.contracts import (
    AsyncOperationStatus,
    AsyncOrmResult,
    AsyncTaskConfig,
    WebSocketMessage,
    explain_validation_error,
    validation_problems,
)


@pytest.mark.parametrize(
    ("field", "alias", "lowest", "highest"),
    [("timeout", "timeout", 1, 300), ("retry_count", "retryCount", 0, 10),
     ("concurrent_limit", "concurrentLimit", 1, 50)],
)  # fmt: skip
def test_task_config_bounds_are_inclusive(field, alias, lowest, highest):
    for good in (lowest, highest):
        assert getattr(AsyncTaskConfig(task_id="t", **{field: good}), field) == good
    for bad in (lowest - 1, highest + 1):
        with pytest.raises(ValidationError) as caught:
            AsyncTaskConfig.model_validate({"taskId": "t", alias: bad})
        [problem] = validation_problems(caught.value)
        assert problem["field"] == alias and problem["input"] == bad


def test_the_timeout_bounds_named_by_the_issue():
    assert [AsyncTaskConfig(task_id="t", timeout=n).timeout for n in (1, 300)] == [1, 300]
    for n in (0, 301):
        with pytest.raises(ValidationError, match="timeout"):
            AsyncTaskConfig(task_id="t", timeout=n)


def test_task_config_defaults_are_the_guides():
    config = AsyncTaskConfig(task_id="t")
    assert (config.timeout, config.retry_count, config.concurrent_limit) == (30, 3, 5)
    assert config.status == "pending"  # use_enum_values: the plain string


def test_task_config_validates_by_name_and_alias_and_serializes_by_alias():
    by_alias = AsyncTaskConfig.model_validate({"taskId": "t1", "retryCount": 2})
    by_name = AsyncTaskConfig(task_id="t1", retry_count=2)
    assert by_alias == by_name
    assert by_name.model_dump(mode="json") == {
        "taskId": "t1",
        "timeout": 30,
        "retryCount": 2,
        "concurrentLimit": 5,
        "status": "pending",
    }


def test_task_config_json_round_trip():
    config = AsyncTaskConfig(task_id="t1", timeout=7, status=AsyncOperationStatus.IN_PROGRESS)
    wire = config.model_dump_json()
    assert json.loads(wire)["concurrentLimit"] == 5
    assert AsyncTaskConfig.model_validate_json(wire) == config


def test_assignment_is_validated_too():
    config = AsyncTaskConfig(task_id="t")
    config.status = "completed"
    assert config.status == "completed"
    with pytest.raises(ValidationError, match="'pending', 'in_progress', 'completed' or 'failed'"):
        config.status = "done"


def test_unknown_keys_are_refused_not_dropped():
    with pytest.raises(ValidationError) as caught:
        WebSocketMessage.model_validate({"type": "chat.message", "romm": "lobby"})
    assert validation_problems(caught.value) == [
        {"field": "romm", "message": "Extra inputs are not permitted", "input": "lobby"}
    ]


def test_websocket_message_writes_iso_8601_timestamps_and_reads_them_back():
    sent = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    message = WebSocketMessage(type="chat.message", data={"text": "hi"}, timestamp=sent, room="lobby")
    wire = message.model_dump(mode="json")
    assert wire["timestamp"] == "2026-01-02T03:04:05+02:00"
    assert WebSocketMessage.model_validate_json(message.model_dump_json()) == message


def test_websocket_message_leaves_unset_optionals_out_instead_of_null():
    assert WebSocketMessage(type="ping").model_dump(mode="json") == {"type": "ping", "data": {}}
    assert json.loads(WebSocketMessage(type="ping").model_dump_json()) == {"type": "ping", "data": {}}


def test_websocket_message_needs_a_type_and_an_aware_timestamp():
    with pytest.raises(ValidationError) as caught:
        WebSocketMessage.model_validate({"type": "", "timestamp": "2026-01-02T03:04:05"})
    assert [p["field"] for p in validation_problems(caught.value)] == ["type", "timestamp"]


def test_orm_result_is_generic_and_validates_its_rows():
    page = AsyncOrmResult[int](data=[1, 2], count=5, has_next=True, execution_time=0.01)
    assert page.model_dump() == {"data": [1, 2], "count": 5, "hasNext": True, "executionTime": 0.01}
    with pytest.raises(ValidationError, match=r"data\.1"):
        AsyncOrmResult[int](data=[1, "two"], count=2, has_next=False, execution_time=0)


def test_explained_errors_name_each_field_and_what_was_given():
    with pytest.raises(ValidationError) as caught:
        AsyncTaskConfig.model_validate({"timeout": 301, "concurrentLimit": "many"})
    assert explain_validation_error(caught.value) == "\n".join(
        [
            "AsyncTaskConfig: 3 problems",
            "- taskId: Field required",
            "- timeout: Input should be less than or equal to 300 (got 301)",
            "- concurrentLimit: Input should be a valid integer, unable to parse string as "
            "an integer (got 'many')",
        ]
    )
    assert "https://" not in explain_validation_error(caught.value)


def test_problems_are_json_ready_while_the_explanation_shows_python_values():
    stamp = datetime(2026, 1, 2, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        AsyncOrmResult[str](data=[stamp], count=1, has_next=False, execution_time=0)
    assert validation_problems(caught.value)[0]["input"] == "2026-01-02T00:00:00Z"
    assert "(got datetime.datetime(2026, 1, 2, 0, 0, tzinfo=datetime.timezone.utc))" in (
        explain_validation_error(caught.value)
    )
