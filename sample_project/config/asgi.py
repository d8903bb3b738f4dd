"""ASGI entry point: HTTP goes to Django, WebSockets to Channels consumers.

``get_asgi_application()`` runs first: it sets Django up, and only then may
modules that import models (consumers, routing) be imported.

A WebSocket handshake passes ``SameOriginValidator`` (the page that opens it
must be this site: same scheme, host and port; see ``config/security.py``),
then ``AuthMiddlewareStack`` (the session cookie becomes ``scope["user"]``),
then the routes. Served by uvicorn, pass the transport limits the protocol
needs (``workbench.serve()`` and ``workbench serve`` do)::

    uvicorn sample_project.config.asgi:application --ws-max-size 65536 \
        --h11-max-incomplete-event-size 8192 --timeout-keep-alive 5
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_project.config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from sample_project.config.routing import websocket_urlpatterns  # noqa: E402
from sample_project.config.security import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
