"""``workbench.transport``: the limits serve() and ``workbench serve`` give uvicorn and daphne.

What each limit does to a real client is tested on real servers in
test_live_server.py (serve()) and tooling/test_workshop.py (``workbench serve``).
"""

import inspect

import uvicorn
import websockets.http11

from sample_project.chat.protocol import MAX_FRAME_BYTES
from workbench import transport


def test_the_frame_limit_is_the_chat_protocols_and_the_head_limit_websockets_line_limit():
    assert transport.FRAME_LIMIT == MAX_FRAME_BYTES
    assert transport.HEAD_LIMIT == websockets.http11.MAX_LINE_LENGTH


def test_uvicorn_loads_the_options_and_their_protocol_classes():
    config = uvicorn.Config(lambda scope, receive, send: None, lifespan="off", **transport.uvicorn_options())
    config.load()
    assert config.http_protocol_class is transport.HeadTimeoutH11Protocol
    assert config.ws_protocol_class is transport.HandshakeCheckedWebSocketProtocol
    assert (config.ws_max_size, config.h11_max_incomplete_event_size) == (MAX_FRAME_BYTES, 8 * 1024)


def test_daphne_takes_the_options_by_their_names():
    from daphne.server import Server

    accepted = inspect.signature(Server).parameters
    assert set(transport.daphne_options()) <= set(accepted)
    assert transport.daphne_options()["websocket_max_frame_size"] == MAX_FRAME_BYTES


def test_the_refusals_are_complete_http_responses():
    for response in (transport._REQUEST_TIMEOUT, transport._BAD_HANDSHAKE):
        head, _, body = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 4") and b"Connection: close" in head
        assert f"Content-Length: {len(body)}".encode() in head
