"""``slow_endpoint()``: a real HTTP server on loopback that answers after a delay."""

import asyncio
import time
from urllib.parse import urlsplit

import httpx
import pytest

import workbench
from workbench.services import is_listening


def test_answers_after_the_delay_and_stops_with_the_block():
    with workbench.slow_endpoint(0.05) as endpoint:
        started = time.perf_counter()
        response = httpx.get(endpoint.url)
        assert time.perf_counter() - started >= 0.05
        assert response.json() == {"delay": 0.05}
        address = urlsplit(endpoint.url)
        assert address.hostname == "127.0.0.1"
    assert not is_listening(address.hostname, address.port)


async def test_gathered_requests_wait_at_the_server_at_the_same_time():
    with workbench.slow_endpoint(0.05) as endpoint:
        async with httpx.AsyncClient() as client:
            responses = await asyncio.gather(*(client.get(endpoint.url) for _ in range(5)))
        assert [r.status_code for r in responses] == [200] * 5
        assert (endpoint.requests, endpoint.most_at_once) == (5, 5)
        endpoint.reset_counts()
        assert (endpoint.requests, endpoint.most_at_once) == (0, 0)


def test_bad_delay_and_use_before_start_say_what_to_do():
    with pytest.raises(ValueError, match="zero or more seconds, not -1"):
        workbench.slow_endpoint(-1)
    with pytest.raises(RuntimeError, match="use it as `with slow_endpoint"):
        workbench.slow_endpoint().url
