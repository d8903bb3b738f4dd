"""WebSocket routes of every app, gathered for ``asgi.py``; an unknown path ends the list with a clean refusal."""

from django.urls import re_path

from sample_project.chat.routing import websocket_urlpatterns as chat_patterns
from sample_project.config.security import refuse_unknown_path
from sample_project.progress.routing import websocket_urlpatterns as progress_patterns

# The catch-all comes last: a path no consumer serves is refused cleanly.
websocket_urlpatterns = [*chat_patterns, *progress_patterns, re_path(r"^", refuse_unknown_path)]
