"""WebSocket routes of every app, gathered for ``asgi.py``; an unknown path ends the list with a clean refusal."""

from django.urls import re_path

from sample_project.chat.routing import websocket_urlpatterns as chat_patterns
from sample_project.config.security import refuse_unknown_path

websocket_urlpatterns = [*chat_patterns, re_path(r"^", refuse_unknown_path)]
