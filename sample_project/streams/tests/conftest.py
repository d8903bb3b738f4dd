"""Fixtures for the long-lived views: a clean ``in_flight`` record, and a real ASGI request that can leave."""

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler

from sample_project.streams.tracking import in_flight


@pytest.fixture(autouse=True)
def clean_record():
    in_flight.forget()
    yield
    in_flight.forget()


@pytest.fixture
def asgi_request():
    """``asgi_request(path, query, cookie=None)``: Django's real ASGI handler, driven message by message."""

    def start(path: str, query: str, cookie: str | None = None) -> ApplicationCommunicator:
        headers = [(b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        return ApplicationCommunicator(ASGIHandler(), scope)

    return start
