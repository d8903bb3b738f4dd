"""What recording every status through the async ORM costs the task runner.

    python benchmarks/task_runner.py [--tasks N] [--limit N] [--repeat N]

Side by side in one process, on the workbench's temporary SQLite database: the
same N tasks (each ``await asyncio.sleep(0)``, so only overhead is left), run
(a) by ``run_tasks`` with ``concurrent_limit`` (a ``TaskRun`` row per task and
at least three ORM writes each: pending, in_progress, completed) and (b) by
``asyncio.gather`` under a semaphore of the same size, which records nothing.
Prints medians with the min-max range, and the overhead per task.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time


async def nothing() -> None:
    await asyncio.sleep(0)


async def with_runner(tasks: int, limit: int) -> float:
    from sample_project.contracts import AsyncTaskConfig
    from sample_project.tasks.runner import run_tasks

    jobs = [(AsyncTaskConfig(task_id=f"bench-{n}", concurrent_limit=limit), nothing) for n in range(tasks)]
    start = time.perf_counter()
    await run_tasks(jobs)
    return time.perf_counter() - start


async def with_gather(tasks: int, limit: int) -> float:
    slots = asyncio.Semaphore(limit)

    async def one() -> None:
        async with slots:
            await nothing()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(tasks)))
    return time.perf_counter() - start


def summary(values: list[float], unit: float = 1.0) -> str:
    scaled = [v * unit for v in values]
    return f"{statistics.median(scaled):9.3f}   {min(scaled):8.3f} – {max(scaled):8.3f}"


async def main(tasks: int, limit: int, repeat: int) -> None:
    runner, gathered = [], []
    for _ in range(repeat):  # alternate, so both see the same machine load
        runner.append(await with_runner(tasks, limit))
        gathered.append(await with_gather(tasks, limit))
    per_task = [(r - g) / tasks for r, g in zip(runner, gathered)]
    print(f"{tasks} tasks, concurrent_limit={limit}, {repeat} runs each")
    print(f"{'what':<42} {'median':>9}   {'min – max':>19}")
    print(f"{'run_tasks (statuses in TaskRun) [ms]':<42} {summary(runner, 1000)}")
    print(f"{'asyncio.gather + semaphore [ms]':<42} {summary(gathered, 1000)}")
    print(f"{'  overhead per task [ms]':<42} {summary(per_task, 1000)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="tasks per batch (default 200)")
    parser.add_argument("--limit", type=int, default=10, help="concurrent_limit (default 10)")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()

    import workbench

    workbench.setup()
    asyncio.run(main(args.tasks, args.limit, args.repeat))
