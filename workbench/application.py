"""The sample project's real ASGI and WSGI applications, for communicators and live servers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import WorkbenchError

if TYPE_CHECKING:
    from channels.routing import ProtocolTypeRouter
    from django.core.handlers.wsgi import WSGIHandler


def project_application() -> ProtocolTypeRouter:
    """``sample_project.config.asgi.application``: Origin check, sessions, auth, routing."""
    _require_setup()
    from sample_project.config.asgi import application

    return application


def project_wsgi_application() -> WSGIHandler:
    """``sample_project.config.wsgi.application``: Django's WSGI handler (HTTP only, no WebSockets)."""
    _require_setup()
    from sample_project.config.wsgi import application

    return application


def _require_setup() -> None:
    from django.apps import apps

    if not apps.ready:
        raise WorkbenchError(
            "Django is not set up in this process: call workbench.setup() first "
            "(every lesson's first cell does)."
        )
