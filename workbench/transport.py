"""Transport limits for the servers the workbench runs: ``serve()`` and ``workbench serve``.

What the application cannot do for itself, the server must, before a byte
reaches a consumer. Each limit is the server's own setting where it has one:

* **Frames**: uvicorn's ``ws_max_size`` and daphne's ``websocket_max_frame_size``
  / ``websocket_max_message_size`` are set to the chat protocol's 64 KiB, so a
  bigger frame is refused (close 1009) from its header, before its payload is
  read. Left at uvicorn's default (16 MiB), 30 such frames at once took a
  server from 169 MiB to 1.1 GiB.
* **Request heads**: h11's ``max_incomplete_event_size`` (uvicorn's
  ``h11_max_incomplete_event_size``) is 8 KiB, as websockets' own limit per
  line; a head that does not fit is answered 431 or 400 and closed.
* **Stalled and broken handshakes** (uvicorn): uvicorn has no timeout before
  the first request on a connection (``timeout_keep_alive`` only starts after
  a response), and a WebSocket request that websockets refuses (a request
  line over 8 KiB) is never answered nor closed. ``HeadTimeoutH11Protocol``
  closes a connection whose request head is not complete within
  ``HEAD_TIMEOUT`` seconds (408), and ``HandshakeCheckedWebSocketProtocol``
  sends the refusal websockets prepared, then closes. Daphne: its own
  ``websocket_handshake_timeout``, and Twisted's idle timeout set to the same.
* **A stop that drains** (uvicorn): ``HandshakeCheckedWebSocketProtocol``
  stops reading at shutdown, lets the application answer every frame it has
  already read, and only then closes with 1012 (uvicorn itself closes at once,
  so frames already read lose their answers). uvicorn's
  ``timeout_graceful_shutdown`` bounds the wait. After the 1012 it reads on,
  dropping what arrives, until the client answers the close or
  ``DRAIN_LINGER`` passes: closing with frames unread would reset the
  connection, and the client would lose the answers and the 1012.

The memory a connection can hold is then bounded, well under 1 MiB: one
frame of at most 64 KiB being read, plus the messages of one read (asyncio
reads at most 256 KiB at a time, and uvicorn stops reading a socket until its
application has taken what was read), plus the channel layer's queue for it
(``capacity``, 100 messages). Measured with 30 clients sending 16 MiB frames
at once: the server's memory rose by 0.2 MiB (``benchmarks/reliability.py``).
"""

from __future__ import annotations

from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

FRAME_LIMIT = 64 * 1024  # sample_project.chat.protocol.MAX_FRAME_BYTES (tests check they agree)
HEAD_LIMIT = 8 * 1024  # websockets.http11.MAX_LINE_LENGTH: no request line or header line may be longer
HEAD_TIMEOUT = 5.0  # seconds from a connection's (or a kept-alive request's) first byte to a complete head
KEEP_ALIVE = 5  # seconds an idle HTTP connection stays open after a response (uvicorn's default)
DRAIN_LINGER = 0.2  # seconds a stop reads (and drops) what a client still sends after its 1012, before closing



def _response(status: str, text: str) -> bytes:
    body = text.encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


_REQUEST_TIMEOUT = _response("408 Request Timeout", f"The request head did not arrive within {HEAD_TIMEOUT:g} s.\n")
_BAD_HANDSHAKE = _response("400 Bad Request", "This is not a valid WebSocket handshake.\n")


def uvicorn_options() -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.Config`` / ``uvicorn.run`` that apply these limits."""
    return {
        "http": f"{__name__}:HeadTimeoutH11Protocol",
        "ws": f"{__name__}:HandshakeCheckedWebSocketProtocol",
        "ws_max_size": FRAME_LIMIT,
        "h11_max_incomplete_event_size": HEAD_LIMIT,
        "timeout_keep_alive": KEEP_ALIVE,
    }


def daphne_options() -> dict[str, Any]:
    """The keyword arguments of ``daphne.server.Server`` that apply these limits."""
    return {
        "websocket_max_frame_size": FRAME_LIMIT,
        "websocket_max_message_size": FRAME_LIMIT,
        "websocket_handshake_timeout": HEAD_TIMEOUT,
    }


def limit_daphne_heads(server: Any) -> None:
    """After daphne's ``run()`` made its factory: an idle HTTP connection closes after ``HEAD_TIMEOUT``.

    Twisted's default is 12 hours, so a connection that sends half a request
    head holds a socket that long; the protocols built from now on use this.
    """
    server.http_factory.timeOut = HEAD_TIMEOUT


class HeadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head stalls (HTTP 408)."""

    _head_timer: Any = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timed_out)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and self.transport.get_protocol() is self:
            # A request head has started, or the next one on a kept-alive
            # connection: it has HEAD_TIMEOUT from now (trickling does not reset it).
            if self._head_timer is None and not self.transport.is_closing():
                self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timed_out)
        else:
            self._cancel_head_timer()  # a whole head arrived (or the socket is a WebSocket now)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.write(_REQUEST_TIMEOUT)
            self.transport.close()


class HandshakeCheckedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets protocol: refused handshakes are answered, and a stop drains first."""

    _draining = False

    def data_received(self, data: bytes) -> None:
        if self.handshake_initiated:
            super().data_received(data)
            return
        self.conn.receive_data(data)
        if self.conn.handshake_exc is not None:
            # websockets refused the request (a line over 8 KiB, too many
            # headers, not HTTP): send what it prepared, or a 400, and close.
            output = b"".join(self.conn.data_to_send())
            self.transport.write(output or _BAD_HANDSHAKE)
            self.handshake_complete = self.close_sent = True
            self.transport.close()
            return
        self.handle_events()

    def shutdown(self) -> None:
        if not self.handshake_complete or self.close_sent or self.transport.is_closing():
            super().shutdown()
            return
        # Read nothing more; the application answers what it has read, then
        # receive() hands it this disconnect and the socket closes with 1012.
        self.stop_keepalive()
        self._draining = True
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": 1012})
        # An application that cannot finish in time (a client that reads
        # nothing blocks its sends) is cut off before uvicorn cancels it: the
        # client then sees 1006, not 1012, and knows nothing is certain.
        grace = self.config.timeout_graceful_shutdown
        deadline = max(0.5, (grace if grace is not None else 5) - 0.5)
        self.loop.call_later(deadline, self._drain_timed_out)

    def _drain_timed_out(self) -> None:
        if not self.close_sent and not self.transport.is_closing():
            self.close_sent = True
            self.transport.abort()

    async def receive(self) -> Any:
        # uvicorn's receive(), plus what a drain needs (a receive() may have
        # started waiting before the stop: the check comes after the wait).
        message = await self.queue.get()
        if not self._draining:
            if self.read_paused and self.queue.empty():
                self.read_paused = False
                self.transport.resume_reading()
            return message
        if message.get("type") == "websocket.disconnect" and not self.close_sent:
            # Everything read before the stop has been handled (a consumer asks
            # for its next message only after answering the last one).
            if not self.transport.is_closing():
                self.conn.send_close(1012)
                self.transport.write(b"".join(self.conn.data_to_send()))
                # Read on, discarding, until the client answers the close (uvicorn's
                # handle_close then closes) or DRAIN_LINGER passes. Closing a socket
                # with frames still unread in its buffer sends a TCP reset, and a
                # reset makes the client's system drop what it has not read yet: the
                # answers and the 1012 itself (the client saw 1006).
                self.read_paused = False
                self.transport.resume_reading()
                self.close_timer = self.loop.call_later(DRAIN_LINGER, self.transport.close)
            self.close_sent = True
        return message
