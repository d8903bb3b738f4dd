"""TaskRun's status choices are the contract's statuses."""

from sample_project.contracts import AsyncOperationStatus
from sample_project.tasks.models import TaskRun


def test_status_choices_are_the_contracts_statuses():
    assert [choice.value for choice in TaskRun.Status] == [status.value for status in AsyncOperationStatus]
