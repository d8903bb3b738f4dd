"""``slow_endpoint()``: a local HTTP endpoint that answers after a fixed delay.

A stand-in for an external API (a payment provider, a weather service) that
needs no internet: uvicorn serves a tiny ASGI app on 127.0.0.1, in a thread
of its own with its own event loop, and every request waits ``delay`` seconds
before its answer. Lesson 09 and ``benchmarks/http_io.py`` call it
sequentially, from a thread pool and with ``asyncio.gather``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from types import TracebackType
from typing import Any


class SlowEndpoint:
    """A running endpoint: ``.url``, and what it saw (``.requests``, ``.most_at_once``)."""

    def __init__(self, delay: float) -> None:
        if delay < 0:
            raise ValueError(f"delay must be zero or more seconds, not {delay!r}.")
        self.delay = delay
        self.requests = 0  # updated on the server's own loop thread only
        self.most_at_once = 0
        self._in_flight = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("The endpoint is not running: use it as `with slow_endpoint() as endpoint:`.")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}/"

    async def _app(self, scope: dict, receive: Any, send: Any) -> None:
        # Runs on the server thread's event loop; many requests wait at once.
        if scope["type"] != "http":
            return
        self.requests += 1
        self._in_flight += 1
        self.most_at_once = max(self.most_at_once, self._in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self._in_flight -= 1
        body = json.dumps({"delay": self.delay}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    def reset_counts(self) -> None:
        """Forget the requests seen so far (between two measurements)."""
        self.requests = self.most_at_once = 0

    def start(self) -> SlowEndpoint:
        import uvicorn

        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets
        # whose proto says TCP, and without it every kept-alive request
        # waits about 40 ms more (Nagle's algorithm meets delayed ACKs).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(self._app, interface="asgi3", lifespan="off", log_level="warning",
                                access_log=False, backlog=512)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._socket])),
            name="slow-endpoint", daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("The slow endpoint's server did not start within 10 s.")
            time.sleep(0.005)
        return self

    def close(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SlowEndpoint:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SlowEndpoint delay={self.delay * 1000:g} ms>"


def slow_endpoint(delay: float = 0.05) -> SlowEndpoint:
    """A local HTTP endpoint answering every request after ``delay`` seconds.

    ``with workbench.slow_endpoint(0.05) as endpoint: httpx.get(endpoint.url)``.
    Loopback only; stopped when the block ends.
    """
    return SlowEndpoint(delay)
