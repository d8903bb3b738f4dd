"""``loop_lag()``: how long the event loop was kept from running other work."""

import asyncio
import time

import pytest

import workbench


async def test_a_blocking_call_shows_as_lag_at_least_as_long_as_it():
    async with workbench.loop_lag() as lag:
        time.sleep(0.2)
    # A lower bound only: the call held the loop's thread at least this long.
    assert lag.max_lag >= 0.19


async def test_awaiting_keeps_the_loop_free_and_the_ticker_ticks():
    async with workbench.loop_lag(interval=0.01) as blocked:
        time.sleep(0.2)
    async with workbench.loop_lag(interval=0.01) as free:
        await asyncio.sleep(0.2)
    assert free.ticks > blocked.ticks
    assert free.max_lag < blocked.max_lag


async def test_the_ticker_is_gone_after_the_block():
    async with workbench.loop_lag() as lag:
        await asyncio.sleep(0.02)
    ticks = lag.ticks
    await asyncio.sleep(0.05)
    assert lag.ticks == ticks
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "workbench-loop-lag"]


async def test_a_probe_measures_one_block_only():
    probe = workbench.loop_lag()
    async with probe:
        pass
    with pytest.raises(RuntimeError, match="new loop_lag"):
        async with probe:
            pass


@pytest.mark.parametrize("interval", [0, -1])
def test_the_interval_must_be_positive(interval):
    with pytest.raises(ValueError, match=repr(interval)):
        workbench.loop_lag(interval)
