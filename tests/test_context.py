"""Context detection and ``run_sync``."""

import asyncio
import threading

import pytest

import workbench
from workbench.context import run_sync_blocking


def test_plain_code_is_not_an_async_context():
    assert workbench.is_async_context() is False
    report = workbench.describe_context()
    assert report.thread == "MainThread"
    assert report.event_loop_running is False
    assert report.sync_orm_allowed is True
    assert report.async_unsafe_guard is True


async def test_a_coroutine_is_an_async_context_where_sync_orm_is_refused():
    assert workbench.is_async_context() is True
    report = workbench.describe_context()
    assert report.event_loop_running is True
    assert report.sync_orm_allowed is False
    assert "raises SynchronousOnlyOperation" in str(report)


def test_a_worker_thread_is_not_an_async_context():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(workbench.is_async_context()), name="w1")
    worker.start()
    worker.join()
    assert seen == [False]


async def test_run_sync_runs_on_the_orm_worker_thread():
    report = await workbench.run_sync(workbench.describe_context)
    assert report.thread == "asgiref sync worker"
    assert report.event_loop_running is False
    assert report.sync_orm_allowed is True


async def test_run_sync_passes_arguments_and_returns():
    assert await workbench.run_sync(divmod, 17, 5) == (3, 2)
    assert await workbench.run_sync(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]


async def test_run_sync_refuses_a_coroutine_function():
    async def fetch():
        return 1

    with pytest.raises(TypeError, match="just await it directly"):
        workbench.run_sync(fetch)


def test_run_sync_blocking_uses_the_same_worker_as_a_methods():
    async def thread_of_a_sync_to_async_call():
        return await workbench.run_sync(threading.get_ident)

    assert run_sync_blocking(threading.get_ident) == asyncio.run(thread_of_a_sync_to_async_call())


def test_the_very_first_call_is_named_as_the_worker(run_python):
    # ThreadPoolExecutor runs the first call before registering its thread:
    # the name must not depend on that race.
    out = run_python(
        """
        import asyncio, workbench
        from workbench.context import thread_role
        print(asyncio.run(workbench.run_sync(thread_role)))
        """
    ).stdout
    assert out.strip() == "asgiref sync worker"
