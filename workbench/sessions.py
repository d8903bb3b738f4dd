"""A real logged-in session for a user, as a browser would hold it after signing in."""

from __future__ import annotations

from typing import Any


async def login_cookies(user: Any) -> dict[str, str]:
    """Log ``user`` in through Django's own ``alogin`` and return the session cookie.

    The same steps as a login view (and Django's test client): a new session
    in the configured session store, ``alogin`` writing the user into it, the
    session saved. A client sends the returned cookie; ``AuthMiddlewareStack``
    then finds the user the real way, nothing in the scope is faked.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import alogin
    from django.http import HttpRequest

    if getattr(user, "pk", None) is None or not getattr(user, "is_authenticated", False):
        raise ValueError(
            f"can only log in a saved user, got {user!r}; create one first, e.g. "
            "await User.objects.acreate_user('alice', password='...')."
        )
    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.session = engine.SessionStore()
    await alogin(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    await request.session.asave()
    return {settings.SESSION_COOKIE_NAME: request.session.session_key}


def cookie_header(cookies: dict[str, str]) -> str:
    """The ``Cookie`` header value for ``cookies`` (``name=value; name=value``)."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
