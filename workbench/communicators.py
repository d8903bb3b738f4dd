"""``communicator()``: talk to the project's real ASGI application in-process.

Channels' ``WebsocketCommunicator`` drives an ASGI app without a server or a
socket. This one drives the *whole* application from ``asgi.py`` (Origin
check, sessions, authentication, URL routing), sends a valid ``Origin`` by
default, and for ``user=`` carries a real session cookie.
"""

from __future__ import annotations

import functools
from typing import Any

from .application import project_application

DEFAULT_ORIGIN = "http://localhost"


def communicator(path: str, *, user: Any = None, origin: str | None = DEFAULT_ORIGIN) -> Any:
    """A ``WebsocketCommunicator`` for ``path`` (e.g. ``"/ws/chat/lobby/"``) on the real app.

    ``origin=None`` sends no ``Origin`` header (``AllowedHostsOriginValidator``
    refuses that, as it refuses a foreign one). ``user=`` logs that saved user
    in with a real session when ``await connect()`` runs.
    """
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with '/', e.g. '/ws/chat/lobby/'.")
    headers = [(b"origin", origin.encode())] if origin is not None else []
    return _communicator_class()(project_application(), path, headers=headers, user=user)


@functools.cache
def _communicator_class() -> type:
    # Built on first use: importing channels.testing imports daphne and Twisted,
    # which ``import workbench`` must not do.
    from channels.testing import WebsocketCommunicator

    from .sessions import cookie_header, login_cookies

    class SessionCommunicator(WebsocketCommunicator):
        """A ``WebsocketCommunicator`` that logs ``user`` in when it connects."""

        def __init__(self, application: Any, path: str, *, headers: list, user: Any) -> None:
            super().__init__(application, path, headers=headers)
            self.user = user

        async def connect(self, timeout: float = 1) -> tuple[bool, int | str | None]:
            if self.user is not None:
                # Runs in the caller's async context: the session is written
                # through the async ORM before the handshake starts.
                cookies = await login_cookies(self.user)
                self.scope["headers"].append((b"cookie", cookie_header(cookies).encode()))
            return await super().connect(timeout)

    return SessionCommunicator
