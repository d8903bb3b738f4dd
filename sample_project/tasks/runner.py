"""An async task runner for the guide's "background task processors".

``await run_tasks([(config, coroutine_function), ...])`` runs a batch on the
current event loop and honours every field of each ``AsyncTaskConfig``:

* ``timeout``: each attempt is cut off after that many seconds (``asyncio.timeout``);
* ``retry_count``: a failed attempt is retried that many times, waiting
  ``backoff``, then twice as long, and so on (tenacity's exponential wait);
* ``concurrent_limit``: no more tasks of the batch run at once than the
  smallest limit among them, so none runs beside more tasks than it allows;
* ``status``: only pending tasks are started; each moves pending → in_progress
  → completed / failed, written to its ``TaskRun`` row through the async ORM.

If the batch is cancelled (or interrupted), every unfinished row is marked
failed, with the reason, before the cancellation goes on: none is left
``in_progress``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from sample_project.contracts import AsyncOperationStatus, AsyncTaskConfig

from .models import TaskRun

TaskFunction = Callable[[], Awaitable[Any]]
Job = tuple[AsyncTaskConfig | Mapping[str, Any], TaskFunction]

PENDING = AsyncOperationStatus.PENDING.value
IN_PROGRESS = AsyncOperationStatus.IN_PROGRESS.value
COMPLETED = AsyncOperationStatus.COMPLETED.value
FAILED = AsyncOperationStatus.FAILED.value


@dataclass(frozen=True)
class TaskOutcome:
    """How one task ended: its final status, attempts made, return value or error."""

    task_id: str
    status: str
    attempts: int
    result: Any = None
    error: str = ""


async def run_tasks(
    jobs: Iterable[Job], *, backoff: float = 0.5, max_backoff: float = 30.0
) -> list[TaskOutcome]:
    """Run every job, honouring its config; return the outcomes in the jobs' order.

    A job is ``(config, fn)``: ``fn()`` must return an awaitable (an ``async def``
    function, or a ``functools.partial`` of one); it is called again for each
    attempt. A task's own errors never escape: they become its ``failed``
    outcome. Bad input (a duplicate ``task_id``, a config that is not pending,
    a coroutine object instead of a function) raises before anything runs.
    """
    batch = _checked(jobs)
    limit = min(config.concurrent_limit for config, _ in batch)
    # One semaphore for the batch: a task holds its slot from its first
    # in_progress write to its final status write, retries' waits included, so
    # the rows a watcher sees in_progress never outnumber the limit either.
    slots = asyncio.Semaphore(limit)
    try:
        await _record_pending([config for config, _ in batch])
        async with asyncio.TaskGroup() as group:
            running = [
                group.create_task(_run_one(config, fn, slots, backoff, max_backoff))
                for config, fn in batch
            ]
    except BaseException:
        # Cancelled, interrupted, or the database failed: the TaskGroup has
        # already cancelled and awaited every task. The sweep's two UPDATEs
        # queue behind any write of those tasks still in flight (asgiref runs
        # them all on one thread, in order), so nothing overwrites them.
        await _fail_unfinished([config.task_id for config, _ in batch])
        raise
    return [task.result() for task in running]


def _checked(jobs: Iterable[Job]) -> list[tuple[AsyncTaskConfig, TaskFunction]]:
    batch = []
    for config, fn in jobs:
        if not isinstance(config, AsyncTaskConfig):
            config = AsyncTaskConfig.model_validate(config)
        if inspect.iscoroutine(fn):
            fn.close()  # never awaited; closing it avoids a "never awaited" warning
            raise TypeError(
                f"task {config.task_id!r}: pass the coroutine function (e.g. `fetch`), not a "
                "coroutine (`fetch()`): a coroutine runs once, so it could not be retried."
            )
        if not callable(fn):
            raise TypeError(f"task {config.task_id!r}: {fn!r} is not callable.")
        if config.status != PENDING:
            raise ValueError(
                f"task {config.task_id!r} has status {config.status!r}; the runner starts "
                "pending tasks only. Build a new AsyncTaskConfig to run it again."
            )
        batch.append((config, fn))
    repeated = sorted(task_id for task_id, n in Counter(c.task_id for c, _ in batch).items() if n > 1)
    if repeated:
        raise ValueError(
            f"task ids must be unique within a batch; repeated: {', '.join(map(repr, repeated))}."
        )
    if not batch:
        raise ValueError("run_tasks() needs at least one (config, coroutine function) pair.")
    return batch


async def _record_pending(configs: list[AsyncTaskConfig]) -> None:
    """One row per task, pending; a row left by an earlier run of the same id starts over."""
    fields = ["status", "attempts", "timeout", "retry_count", "concurrent_limit", "error",
              "started_at", "finished_at"]  # fmt: skip
    await TaskRun.objects.abulk_create(
        [
            TaskRun(
                task_id=c.task_id,
                status=PENDING,
                timeout=c.timeout,
                retry_count=c.retry_count,
                concurrent_limit=c.concurrent_limit,
            )
            for c in configs
        ],
        update_conflicts=True,
        unique_fields=["task_id"],
        update_fields=fields,
    )


async def _record(task_id: str, **fields: Any) -> None:
    await TaskRun.objects.filter(task_id=task_id).aupdate(**fields)


async def _run_one(
    config: AsyncTaskConfig,
    fn: TaskFunction,
    slots: asyncio.Semaphore,
    backoff: float,
    max_backoff: float,
) -> TaskOutcome:
    attempts = 0
    async with slots:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(config.retry_count + 1),
            wait=wait_exponential(multiplier=backoff, max=max_backoff),
            reraise=True,  # after the last attempt, its own error (not tenacity's RetryError)
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    first = {"started_at": timezone.now()} if attempts == 1 else {}
                    await _record(config.task_id, status=IN_PROGRESS, attempts=attempts, **first)
                    deadline = asyncio.timeout(config.timeout)
                    try:
                        async with deadline:
                            result = await fn()
                    except TimeoutError as error:
                        if not deadline.expired():
                            raise  # the task's own TimeoutError, not our deadline
                        raise TimeoutError(
                            f"no result within the {config.timeout} s timeout"
                        ) from error
        except Exception as error:  # the task's own failure; CancelledError is not one
            message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            await _record(config.task_id, status=FAILED, error=message, finished_at=timezone.now())
            return TaskOutcome(config.task_id, FAILED, attempts, error=message)
        await _record(config.task_id, status=COMPLETED, finished_at=timezone.now())
        return TaskOutcome(config.task_id, COMPLETED, attempts, result=result)


async def _fail_unfinished(task_ids: list[str]) -> None:
    now = timezone.now()
    batch = TaskRun.objects.filter(task_id__in=task_ids)
    await batch.filter(status=IN_PROGRESS).aupdate(
        status=FAILED, error="cancelled while running", finished_at=now
    )
    await batch.filter(status=PENDING).aupdate(
        status=FAILED, error="cancelled before it started", finished_at=now
    )
