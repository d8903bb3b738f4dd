"""``local_endpoint()``: loopback HTTP and HTTPS servers for lessons."""

import asyncio
import json
import ssl
import time
import urllib.error
import urllib.request

import httpx
import pytest

import workbench
from workbench.services import is_listening


def get(url, **kwargs):
    with urllib.request.urlopen(url, timeout=10, **kwargs) as response:
        return response.status, json.loads(response.read())


def test_http_answers_json_and_counts_requests():
    with workbench.local_endpoint() as endpoint:
        assert endpoint.url.startswith("http://127.0.0.1:")
        assert get(f"{endpoint.url}/books?x=1") == (200, {"path": "/books", "delay": 0.0})
        assert endpoint.requests == 1
        endpoint.reset_counts()
        assert endpoint.requests == 0


def test_stops_listening_when_the_block_ends():
    with workbench.local_endpoint() as endpoint:
        assert is_listening("127.0.0.1", endpoint.port)
    assert not is_listening("127.0.0.1", endpoint.port)


def test_repr_names_no_port():
    endpoint = workbench.local_endpoint()
    assert repr(endpoint) == "<LocalEndpoint http serving>"
    endpoint.close()
    endpoint.close()  # idempotent
    assert repr(endpoint) == "<LocalEndpoint http closed>"
    assert str(endpoint.port) not in repr(endpoint)


@pytest.mark.parametrize("delay", ["soon", "-1", "99"])
def test_a_bad_delay_is_a_clear_400(delay):
    with workbench.local_endpoint() as endpoint:
        with pytest.raises(urllib.error.HTTPError) as info:
            get(f"{endpoint.url}/?delay={delay}")
        assert info.value.code == 400
        message = json.loads(info.value.read())["error"]
        assert repr(delay) in message and "seconds" in message


async def test_delayed_requests_overlap_and_most_at_once_counts_them():
    with workbench.local_endpoint() as endpoint:
        async with httpx.AsyncClient() as client:
            await asyncio.gather(*(client.get(f"{endpoint.url}/?delay=0.3") for _ in range(3)))
        assert endpoint.requests == 3
        assert endpoint.most_at_once == 3


def test_tls_is_refused_by_default_and_accepted_with_the_trusting_context():
    with workbench.local_endpoint(tls=True) as endpoint:
        assert endpoint.url.startswith("https://localhost:")
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            get(endpoint.url, context=ssl.create_default_context())
        context = endpoint.trusting_context()
        assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
        assert get(f"{endpoint.url}/a", context=context)[1]["path"] == "/a"
        assert get(f"https://127.0.0.1:{endpoint.port}/b", context=context)[1]["path"] == "/b"


def test_certificate_names_only_the_hostnames_asked_for():
    with workbench.local_endpoint(tls=True, hostnames=["localhost"]) as endpoint:
        with pytest.raises(urllib.error.URLError, match="IP address mismatch"):
            get(f"https://127.0.0.1:{endpoint.port}/", context=endpoint.trusting_context())


def test_each_endpoint_has_its_own_authority():
    with workbench.local_endpoint(tls=True) as first, workbench.local_endpoint(tls=True) as second:
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            get(second.url, context=first.trusting_context())


def test_failed_handshakes_are_counted_not_printed(capfd):
    with workbench.local_endpoint(tls=True) as endpoint:
        with pytest.raises(urllib.error.URLError):
            get(endpoint.url, context=ssl.create_default_context())
        get(endpoint.url, context=endpoint.trusting_context())  # the server is still fine
        # The refused handshake fails on a server thread of its own: wait for it.
        deadline = time.monotonic() + 10
        while endpoint.failed_connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert endpoint.failed_connections == 1
    assert capfd.readouterr().err == ""


def test_plain_http_has_no_certificate_to_trust():
    with workbench.local_endpoint() as endpoint:
        with pytest.raises(ValueError, match="local_endpoint\\(tls=True\\)"):
            endpoint.trusting_context()


def test_tls_without_hostnames_is_refused():
    with pytest.raises(ValueError, match="at least one hostname"):
        workbench.local_endpoint(tls=True, hostnames=[])
