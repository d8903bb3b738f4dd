"""``TaskRun``: one background task's configuration and progress, in the database.

The runner (``runner.py``) writes every status change here through the async
ORM, so anything that can query the database (a notebook cell, a view, another
process) can watch a batch while it runs. Its field names are the
``AsyncTaskConfig`` field names, so ``run.to_config()`` is one Pydantic call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from sample_project.contracts import AsyncTaskConfig


class TaskRun(models.Model):
    class Status(models.TextChoices):
        # The values of contracts.AsyncOperationStatus (a test keeps them equal),
        # written out so that loading the models does not import Pydantic:
        # every kernel's setup() loads them.
        PENDING = "pending", "pending"
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"
        FAILED = "failed", "failed"

    task_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Attempts started so far")
    timeout = models.PositiveSmallIntegerField(help_text="Seconds per attempt")
    retry_count = models.PositiveSmallIntegerField(help_text="Retries allowed after a failure")
    concurrent_limit = models.PositiveSmallIntegerField(help_text="Tasks of its batch at once")
    error = models.TextField(blank=True, help_text="Why it failed (empty unless failed)")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_id} ({self.status})"

    def to_config(self) -> AsyncTaskConfig:
        """This run's configuration and current status as the shared contract."""
        from sample_project.contracts import AsyncTaskConfig

        return AsyncTaskConfig.model_validate(self, from_attributes=True)
