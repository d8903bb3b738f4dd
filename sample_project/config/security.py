"""What ``asgi.py`` puts in front of the WebSocket routes: a same-origin check, and a clean refusal.

Channels' ``AllowedHostsOriginValidator`` compares only the *host* of the
``Origin`` header with ``ALLOWED_HOSTS``: a page on ``http://localhost:9999``
(any other program on the machine) may open a socket to the site on
``http://localhost:8000``, and the browser sends the user's cookies with it.
``SameOriginValidator`` does for WebSockets what Django's CSRF check does for
unsafe HTTP requests: the Origin must be this site itself (same scheme, host
and port as the handshake's ``Host``, which must be in ``ALLOWED_HOSTS``), or
one of ``CSRF_TRUSTED_ORIGINS``. A missing Origin, ``null``, or any other is
refused at the handshake (HTTP 403 on a real server).

``refuse_unknown_path`` ends the route list: a handshake for a path no route
matches is refused (HTTP 403 on a real server), instead of the ``ValueError:
No route found`` that Channels' ``URLRouter`` raises, which a server logs as a
traceback and answers with 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(value: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an origin such as ``http://127.0.0.1:8000``, or None if it is not one."""
    try:
        parts = urlsplit(value.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    """The value of the one header ``name``; None if it is missing, repeated or not Latin-1 text."""
    values = [value for key, value in scope.get("headers", ()) if key == name]
    if len(values) != 1:
        return None
    try:
        return values[0].decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return None


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]  # what Django itself allows in that case
    return list(settings.ALLOWED_HOSTS)


def same_origin(scope: dict[str, Any]) -> bool:
    """Whether the handshake in ``scope`` comes from a page of this site (or a trusted origin)."""
    origin_header = _header(scope, b"origin")
    host = _header(scope, b"host")
    if origin_header is None or host is None:
        return False
    domain, _ = split_domain_port(host.lower())
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    origin = _origin(origin_header)
    if origin is None:
        return False  # "null" (sandboxed pages, file://), or not an origin at all
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    if origin == _origin(f"{scheme}://{host}"):
        return True
    return _trusted(origin_header.strip().lower())


def _trusted(origin: str) -> bool:
    """``origin`` is in ``CSRF_TRUSTED_ORIGINS`` (exactly, or under a ``scheme://*.domain`` entry)."""
    wanted = _origin(origin)
    for entry in getattr(settings, "CSRF_TRUSTED_ORIGINS", ()):
        entry = entry.lower()
        if "*" not in entry:
            if _origin(entry) == wanted:
                return True
            continue
        scheme, _, netloc = entry.partition("://")
        if wanted is not None and scheme == wanted[0] and is_same_domain(urlsplit(origin).netloc, netloc.lstrip("*")):
            return True
    return False


class SameOriginValidator:
    """ASGI middleware: pass a WebSocket handshake on only if ``same_origin(scope)``."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError(f"SameOriginValidator is for WebSocket connections, got a {scope['type']!r} scope.")
        if same_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


async def refuse_unknown_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The last WebSocket route: a path no other route matches is refused (403), with no traceback.

    A plain refusal works on every server; an HTTP 404 through the ASGI
    ``websocket.http.response`` extension would be more precise, but uvicorn
    then logs "ASGI callable returned without completing handshake" as an error.
    """
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})
