"""The chat page: plain HTML and a small script speaking the chat's JSON protocol."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .groups import InvalidRoomName, room_group


def room(request: HttpRequest, room: str) -> HttpResponse:
    """``/chat/<room>/``: the room's page; it connects to ``ws/chat/<room>/``."""
    try:
        room_group(room)
    except InvalidRoomName as exc:
        raise Http404(str(exc)) from None
    return render(request, "chat/room.html", {"room": room})
