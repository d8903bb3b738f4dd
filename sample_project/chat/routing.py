"""WebSocket routes of the chat app."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/chat/<str:room>/", consumers.ChatConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
]
