"""WebSocket routes of the progress app."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/progress/report/", consumers.ReportConsumer.as_asgi()),
    path("ws/progress/room/", consumers.RoomConsumer.as_asgi()),
    path("ws/progress/mine/", consumers.MineConsumer.as_asgi()),
]
