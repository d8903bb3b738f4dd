"""The task runner honours every AsyncTaskConfig field, measured on real runs."""

import asyncio
import functools

import pytest

from sample_project.contracts import AsyncTaskConfig
from sample_project.tasks.models import TaskRun
from sample_project.tasks.runner import TaskOutcome, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


async def statuses() -> dict[str, tuple[str, int, str]]:
    return {run.task_id: (run.status, run.attempts, run.error) async for run in TaskRun.objects.all()}


class Concurrency:
    """Counts the jobs running right now, and the most ever at once."""

    def __init__(self, total: int, limit: int) -> None:
        self.total, self.limit = total, limit
        self.started = self.running = self.peak = 0

    async def job(self, number: int) -> int:
        loop = asyncio.get_running_loop()
        self.started += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            # Keep the slot until the limit is reached (or everything has
            # started, or 2 s pass): if the runner let one more start, the
            # peak would show it, however slow this machine is today.
            give_up = loop.time() + 2
            while self.running < self.limit and self.started < self.total and loop.time() < give_up:
                await asyncio.sleep(0.002)
            await asyncio.sleep(0.005)
            return number
        finally:
            self.running -= 1


async def test_the_concurrency_limit_is_reached_and_never_exceeded():
    count = Concurrency(total=12, limit=3)
    jobs = [
        (AsyncTaskConfig(task_id=f"t{n}", concurrent_limit=3), functools.partial(count.job, n))
        for n in range(12)
    ]
    batch = asyncio.create_task(run_tasks(jobs))
    in_progress_seen = []
    while not batch.done():  # what a notebook watching the table would see
        in_progress_seen.append(await TaskRun.objects.filter(status="in_progress").acount())
        await asyncio.sleep(0.001)
    outcomes = await batch
    assert count.peak == 3
    assert max(in_progress_seen) <= 3
    assert [o.result for o in outcomes] == list(range(12))
    assert {o.status for o in outcomes} == {"completed"}


async def test_a_batch_of_mixed_limits_runs_at_the_smallest():
    count = Concurrency(total=8, limit=2)
    jobs = [
        (AsyncTaskConfig(task_id=f"t{n}", concurrent_limit=2 if n == 5 else 50), functools.partial(count.job, n))
        for n in range(8)
    ]
    await run_tasks(jobs)
    assert count.peak == 2


async def test_statuses_move_from_pending_to_in_progress_to_completed_while_watched():
    go = asyncio.Event()

    async def waits() -> str:
        await go.wait()
        return "done"

    jobs = [(AsyncTaskConfig(task_id=f"t{n}", concurrent_limit=2), waits) for n in range(3)]
    batch = asyncio.create_task(run_tasks(jobs))
    while await TaskRun.objects.filter(status="in_progress").acount() < 2:
        await asyncio.sleep(0.005)
    assert await statuses() == {
        "t0": ("in_progress", 1, ""), "t1": ("in_progress", 1, ""), "t2": ("pending", 0, ""),
    }  # fmt: skip
    go.set()
    await batch
    assert await statuses() == {f"t{n}": ("completed", 1, "") for n in range(3)}
    run = await TaskRun.objects.aget(task_id="t0")
    assert run.started_at <= run.finished_at


async def test_an_attempt_longer_than_its_timeout_is_cancelled_and_fails():
    cancelled = asyncio.Event()

    async def too_slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    [outcome] = await run_tasks([(AsyncTaskConfig(task_id="slow", timeout=1, retry_count=0), too_slow)])
    assert outcome == TaskOutcome("slow", "failed", 1, error="TimeoutError: no result within the 1 s timeout")
    assert cancelled.is_set()
    assert await statuses() == {"slow": ("failed", 1, "TimeoutError: no result within the 1 s timeout")}


async def test_a_task_s_own_timeout_error_keeps_its_message():
    async def upstream_timeout() -> None:
        raise TimeoutError("the upstream API timed out")

    [outcome] = await run_tasks([(AsyncTaskConfig(task_id="t", retry_count=0), upstream_timeout)])
    assert outcome.error == "TimeoutError: the upstream API timed out"


async def test_a_failing_task_is_retried_with_growing_waits_until_it_succeeds():
    loop = asyncio.get_running_loop()
    starts = []

    async def flaky() -> str:
        starts.append(loop.time())
        if len(starts) < 3:
            raise ConnectionError("not yet")
        return "ok"

    [outcome] = await run_tasks([(AsyncTaskConfig(task_id="t", retry_count=2), flaky)], backoff=0.05)
    assert outcome == TaskOutcome("t", "completed", 3, result="ok")
    first_wait, second_wait = starts[1] - starts[0], starts[2] - starts[1]
    assert first_wait >= 0.05 and second_wait >= 0.1  # backoff, then twice the backoff
    assert await statuses() == {"t": ("completed", 3, "")}


async def test_after_the_last_retry_the_task_fails_with_its_own_error():
    attempts = []

    async def broken() -> None:
        attempts.append(1)
        raise ValueError("bad row 7")

    [outcome] = await run_tasks([(AsyncTaskConfig(task_id="t", retry_count=1), broken)], backoff=0.01)
    assert (outcome.status, outcome.attempts, outcome.error) == ("failed", 2, "ValueError: bad row 7")
    assert len(attempts) == 2


async def test_cancelling_the_batch_leaves_no_task_in_progress():
    async def forever() -> None:
        await asyncio.sleep(60)

    jobs = [(AsyncTaskConfig(task_id=f"t{n}", concurrent_limit=2), forever) for n in range(4)]
    batch = asyncio.create_task(run_tasks(jobs))
    while await TaskRun.objects.filter(status="in_progress").acount() < 2:
        await asyncio.sleep(0.005)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert await statuses() == {
        "t0": ("failed", 1, "cancelled while running"),
        "t1": ("failed", 1, "cancelled while running"),
        "t2": ("failed", 0, "cancelled before it started"),
        "t3": ("failed", 0, "cancelled before it started"),
    }


async def test_an_outer_deadline_cancels_the_batch_the_same_way():
    async def forever() -> None:
        await asyncio.sleep(60)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await run_tasks([(AsyncTaskConfig(task_id=f"t{n}"), forever) for n in range(3)])
    assert not await TaskRun.objects.filter(status__in=["pending", "in_progress"]).aexists()


async def test_bad_batches_are_refused_before_anything_runs():
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="repeated: 'a'"):
        await run_tasks([(AsyncTaskConfig(task_id="a"), job), (AsyncTaskConfig(task_id="a"), job)])
    with pytest.raises(TypeError, match="pass the coroutine function"):
        await run_tasks([(AsyncTaskConfig(task_id="b"), job())])
    with pytest.raises(ValueError, match="has status 'completed'"):
        await run_tasks([(AsyncTaskConfig(task_id="c", status="completed"), job)])
    with pytest.raises(ValueError, match="at least one"):
        await run_tasks([])
    assert await TaskRun.objects.acount() == 0


async def test_configs_may_arrive_as_json_dicts_and_runs_give_them_back():
    async def job() -> int:
        return 1

    await run_tasks([({"taskId": "from-json", "retryCount": 0, "timeout": 5}, job)])
    run = await TaskRun.objects.aget(task_id="from-json")
    assert run.to_config() == AsyncTaskConfig(task_id="from-json", retry_count=0, timeout=5, status="completed")


async def test_running_an_id_again_starts_its_row_over():
    async def broken() -> None:
        raise RuntimeError("first time")

    async def fine() -> str:
        return "second time"

    await run_tasks([(AsyncTaskConfig(task_id="t", retry_count=0), broken)])
    await run_tasks([(AsyncTaskConfig(task_id="t", retry_count=0), fine)])
    assert await statuses() == {"t": ("completed", 1, "")}
