"""Communicators on the project's real ASGI application (Origin check, sessions, auth)."""

import pytest
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient

from sample_project.config.asgi import application

ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")


@pytest.fixture
async def connect():
    """``await connect(path, user=None, origin=...)``: a connected communicator, closed after the test."""
    opened = []

    async def open_socket(path, *, user=None, headers=(HOST, ORIGIN)):
        headers = list(headers)
        if user is not None:
            client = AsyncClient()
            await client.aforce_login(user)
            cookie = client.cookies["sessionid"]
            headers.append((b"cookie", f"sessionid={cookie.value}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect()
        opened.append(communicator)
        return communicator, connected, code

    yield open_socket
    for communicator in opened:
        if not communicator.future.done():
            await communicator.disconnect()
