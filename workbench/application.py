"""The sample project's real ASGI application, for communicators and live servers."""

from __future__ import annotations

from typing import Any


def project_application() -> Any:
    """``sample_project.config.asgi.application``: Origin check, sessions, auth, routing."""
    from django.apps import apps

    if not apps.ready:
        from .bootstrap import WorkbenchError

        raise WorkbenchError(
            "Django is not set up in this process: call workbench.setup() first "
            "(every lesson's first cell does)."
        )
    from sample_project.config.asgi import application

    return application
