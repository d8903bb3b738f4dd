"""``communicator()``: talk to the project's real ASGI application in-process.

Channels' ``WebsocketCommunicator`` drives an ASGI app without a server or a
socket. This one drives the *whole* application from ``asgi.py`` (Origin
check, sessions, authentication, URL routing) or another one you give it,
sends a valid ``Origin`` by default, and for ``user=`` carries a real
session cookie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .application import project_application

if TYPE_CHECKING:
    from .session_communicator import SessionCommunicator

DEFAULT_HOST = "localhost"
DEFAULT_ORIGIN = f"http://{DEFAULT_HOST}"


def communicator(
    path: str, *, user: Any = None, origin: str | None = DEFAULT_ORIGIN, application: Any = None
) -> SessionCommunicator:
    """A ``WebsocketCommunicator`` for ``path`` (e.g. ``"/ws/chat/lobby/"``) on the real app.

    It sends ``Host: localhost`` and, by default, the Origin of that site's
    pages (``http://localhost``), as a browser on ``http://localhost/`` would.
    ``origin=None`` sends no ``Origin`` header (the project's same-origin check
    refuses that, as it refuses a foreign one). ``user=`` logs that saved user
    in with a real session when ``await connect()`` runs. ``application=``
    drives another ASGI app instead (e.g. your consumer inside the same
    middleware stack as ``asgi.py``); the session needs ``AuthMiddlewareStack``.
    """
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with '/', e.g. '/ws/chat/lobby/'.")
    headers = [(b"host", DEFAULT_HOST.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if application is None:
        application = project_application()
    # Imported here, not at the top: channels.testing imports daphne and Twisted.
    from .session_communicator import SessionCommunicator

    return SessionCommunicator(application, path, headers=headers, user=user)
