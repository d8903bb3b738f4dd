"""The sample project's real ASGI application, for communicators and live servers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import WorkbenchError

if TYPE_CHECKING:
    from channels.routing import ProtocolTypeRouter


def project_application() -> ProtocolTypeRouter:
    """``sample_project.config.asgi.application``: Origin check, sessions, auth, routing."""
    from django.apps import apps

    if not apps.ready:
        raise WorkbenchError(
            "Django is not set up in this process: call workbench.setup() first "
            "(every lesson's first cell does)."
        )
    from sample_project.config.asgi import application

    return application
