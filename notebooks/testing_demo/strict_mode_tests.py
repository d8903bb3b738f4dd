"""An ``async def`` test, run with pytest-asyncio in strict mode and no mark."""

import asyncio


async def test_sleeps():
    await asyncio.sleep(0)
