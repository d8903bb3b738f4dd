"""``workbench.trace()``: real queries and hops, recorded on the thread that ran them."""

import asyncio
import threading

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync, sync_to_async
from django.db import connection

import workbench
from sample_project.library.models import Book
from workbench.trace import max_overlap


@pytest.mark.django_db(transaction=True)
async def test_gathered_a_methods_queue_on_the_one_worker_thread(close_orm_worker_connections):
    await Book.objects.acreate(title="Solaris")
    async with workbench.trace() as t:
        await asyncio.gather(*(Book.objects.afirst() for _ in range(4)))

    assert len(t.queries) == 4
    assert t.threads("query") == ["asgiref sync worker"]
    assert t.concurrency("query") == 1  # one after another
    assert t.concurrency("await") == 4  # while the loop waited for all four at once
    assert {q.loop for q in t.queries} == {"event loop on MainThread"}
    assert [lane.title for lane in t.lanes()] == ["MainThread (event loop)", "asgiref sync worker"]
    assert t.summary() == (
        "MainThread (event loop)\n"
        "    4 × await         QuerySet.first  (at most 4 at once)\n"
        "asgiref sync worker\n"
        "    4 × sync_to_async QuerySet.first  (at most 1 at once)\n"
        "    4 × query         SELECT library_book  (at most 1 at once)"
    )


@pytest.mark.django_db
def test_sync_code_records_queries_on_its_own_thread_and_unwraps_the_connection():
    with workbench.trace() as t:
        Book.objects.count()
    assert [(q.thread, q.loop) for q in t.queries] == [("MainThread", None)]
    assert 'FROM "library_book"' in t.queries[0].label
    assert connection.execute_wrappers == []
    Book.objects.count()  # after the block, nothing more is recorded
    assert len(t.queries) == 1


def test_async_to_sync_from_a_plain_thread_runs_on_a_new_loop_and_comes_back():
    async def coroutine():
        return await sync_to_async(threading.current_thread)()

    result = {}

    def plain_thread():
        with workbench.trace() as t:
            result["ran_on"] = async_to_sync(coroutine)()
        result["trace"] = t

    worker = threading.Thread(target=plain_thread, name="plain")
    worker.start()
    worker.join()
    t = result["trace"]
    (blocked,) = t.of_kind("async_to_sync")
    (coro,) = t.of_kind("coroutine")
    (sync_part,) = t.of_kind("sync_to_async")
    assert blocked.thread == "plain" and blocked.loop is None
    assert coro.thread not in ("plain", "MainThread")  # a new thread, running a new loop
    assert coro.loop == f"event loop on {coro.thread}"
    # Thread-sensitive sync code comes back to the blocked caller's thread.
    assert sync_part.thread == "plain" and result["ran_on"] is worker
    # Python's made-up thread names are numbered per trace, so titles repeat.
    assert coro.thread.startswith("ThreadPoolExecutor-")
    # The thread that entered the trace comes first, then threads running a loop.
    assert [lane.title for lane in t.lanes()] == ["plain", "thread #1 (event loop)"]


async def test_gathered_spans_overlap_on_the_loop_thread():
    async def call(t, n):
        async with t.span(f"call {n}"):
            await asyncio.sleep(0.05)

    async with workbench.trace() as t:
        await asyncio.gather(*(call(t, n) for n in range(3)))
    assert t.concurrency("span") == 3
    assert t.threads("span") == ["MainThread"]


async def test_an_error_in_a_hop_is_recorded_and_still_raised():
    def fail():
        raise ValueError("boom")

    async with workbench.trace() as t:
        with pytest.raises(ValueError, match="boom"):
            await workbench.run_sync(fail)
    (hop,) = t.of_kind("sync_to_async")
    assert hop.label.endswith("fail") and hop.thread == "asgiref sync worker"


def test_asgiref_is_restored_after_the_last_open_trace():
    originals = (SyncToAsync.__call__, SyncToAsync.thread_handler, AsyncToSync.__call__, AsyncToSync.main_wrap)
    with workbench.trace() as outer:
        with workbench.trace() as inner:
            assert SyncToAsync.__call__ is not originals[0]
        # The outer trace is still open: its hooks stay and it keeps recording.
        async_to_sync(asyncio.sleep)(0)
    assert (SyncToAsync.__call__, SyncToAsync.thread_handler, AsyncToSync.__call__, AsyncToSync.main_wrap) == originals
    assert inner.of_kind("async_to_sync") == []
    assert len(outer.of_kind("async_to_sync")) == 1


def test_a_trace_is_used_once():
    t = workbench.trace()
    with t:
        pass
    with pytest.raises(RuntimeError, match="start a new one"):
        with t:
            pass


def test_a_pools_threads_are_numbered_in_the_order_they_first_ran_something():
    from concurrent.futures import ThreadPoolExecutor

    second_has_run = threading.Event()

    def mark(label, wait_for=None):
        if wait_for is not None:
            wait_for.wait()
        with t.span(label):
            pass
        if wait_for is None:
            second_has_run.set()

    with workbench.trace() as t, ThreadPoolExecutor(max_workers=2, thread_name_prefix="query") as pool:
        first = pool.submit(mark, "first", second_has_run)  # on query_0, which waits
        second = pool.submit(mark, "second")  # on query_1
        first.result(), second.result()

    assert {e.label: e.thread for e in t.of_kind("span")} == {"first": "query_0", "second": "query_1"}
    # query_1 ran something first, so it is "query #1": titles follow first events.
    assert {lane.title: [e.label for e in lane.events] for lane in t.lanes()} == {
        "query #1": ["second"],
        "query #2": ["first"],
    }


def test_max_overlap_counts_events_running_at_one_instant():
    from workbench.trace.events import TraceEvent

    def event(start, end):
        return TraceEvent("span", "x", "T", 1, None, start, end)

    assert max_overlap([]) == 0
    assert max_overlap([event(0, 1), event(1, 2)]) == 1  # touching is not overlapping
    assert max_overlap([event(0, 3), event(1, 2), event(1.5, 4)]) == 3


def test_an_asgiref_without_the_hooks_is_named(monkeypatch):
    monkeypatch.delattr(AsyncToSync, "main_wrap")
    with pytest.raises(RuntimeError, match=r"wraps asgiref's AsyncToSync\.main_wrap, which asgiref [\d.]+ does not have"):
        with workbench.trace():
            pass
    assert "__wrapped__" not in SyncToAsync.__dict__["__call__"].__dict__  # nothing half-installed
