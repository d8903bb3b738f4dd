"""The shared Pydantic 2 contracts: camelCase on the wire, snake_case in Python."""

from datetime import datetime, timezone

from sample_project.contracts import AsyncOrmResult, AsyncTaskConfig, WebSocketMessage


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


def test_websocket_message_writes_iso_8601_timestamps():
    message = WebSocketMessage(
        type="chat.message", timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    )
    assert message.model_dump(mode="json")["timestamp"] == "2026-01-02T03:04:05+00:00"


def test_orm_result_is_generic():
    page = AsyncOrmResult[int](data=[1, 2], count=5, has_next=True, execution_time=0.01)
    assert page.model_dump()["hasNext"] is True
