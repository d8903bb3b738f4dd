"""``wait_until()``: await what another thread makes true, or fail with a message after the deadline."""

import asyncio
import threading
import time

import pytest

import workbench


async def test_returns_the_true_value_another_thread_produced():
    found = []
    timer = threading.Timer(0.05, found.append, args=["done"])
    timer.start()
    assert await workbench.wait_until(lambda: found) == ["done"]
    timer.join()


async def test_the_loop_keeps_running_while_it_waits():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    deadline = time.monotonic() + 0.1
    await workbench.wait_until(lambda: time.monotonic() > deadline)
    task.cancel()
    assert ticks > 1


async def test_a_deadline_says_what_never_happened():
    with pytest.raises(workbench.WorkbenchError, match=r"still not true after 0.05 s: the report view running"):
        await workbench.wait_until(lambda: False, timeout=0.05, what="the report view running")

    def never():
        return None

    with pytest.raises(workbench.WorkbenchError, match=r"after 0.05 s: .*never"):
        await workbench.wait_until(never, timeout=0.05)


async def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a function"):
        await workbench.wait_until(True)
    with pytest.raises(ValueError, match="positive"):
        await workbench.wait_until(lambda: True, timeout=0)
