"""WebSocket routes of every app, gathered for ``asgi.py``."""

from sample_project.chat.routing import websocket_urlpatterns as chat_patterns
from sample_project.progress.routing import websocket_urlpatterns as progress_patterns

websocket_urlpatterns = [*chat_patterns, *progress_patterns]
