"""What recording every status through the async ORM costs the task runner.

    python benchmarks/task_runner.py [--tasks N] [--limit N] [--rounds N] [--quick]

Side by side in one process, on the workbench's temporary SQLite database: the
same N tasks (each ``await asyncio.sleep(0)``, so only overhead is left), run
(a) by ``run_tasks`` with ``concurrent_limit`` (a ``TaskRun`` row per task and
at least three ORM writes each: pending, in_progress, completed) and (b) by
``asyncio.gather`` under a semaphore of the same size, which records nothing.
Prints medians with the min-max range, and the overhead per task.
"""

from __future__ import annotations

import asyncio
import time

from common import Table, machine_note, parser, progress_bar, run_rounds


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


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--tasks", type=int, default=None, help="tasks per batch (default 200)")
    options.add_argument("--limit", type=int, default=10, help="concurrent_limit (default 10)")
    args = options.parse_args(argv)
    tasks = args.tasks or (20 if args.quick else 200)
    rounds = args.rounds or (1 if args.quick else 7)

    import workbench

    workbench.setup()
    # Every batch runs on one event loop, as in a long-lived process.
    with asyncio.Runner() as loop, progress_bar(rounds * 2, "task runner") as bar:
        variants = {
            "run_tasks (statuses in TaskRun)": lambda: loop.run(with_runner(tasks, args.limit)),
            "asyncio.gather + semaphore": lambda: loop.run(with_gather(tasks, args.limit)),
        }
        samples = run_rounds(variants, rounds, bar)
    runner, gathered = samples.values()
    table = Table(
        f"Task runner: {tasks} tasks, concurrent_limit={args.limit}",
        f"{machine_note()}; {rounds} rounds; SQLite",
    )
    for name, values in samples.items():
        table.add(name, values, "ms", 1000)
    table.add("  overhead per task", [(r - g) / tasks for r, g in zip(runner, gathered, strict=True)], "ms", 1000)
    table.add_ratio("run_tasks / gather", [r / g for r, g in zip(runner, gathered, strict=True)])
    table.print()


if __name__ == "__main__":
    main()
