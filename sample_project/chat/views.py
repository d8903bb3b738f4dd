"""The chat page (plain HTML and a small script speaking the chat's JSON protocol) and its history."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sample_project.pagination import page_response

from .groups import InvalidRoomName, room_group
from .models import Message
from .schemas import MessageOut


def room(request: HttpRequest, room: str) -> HttpResponse:
    """``/chat/<room>/``: the room's page; it connects to ``ws/chat/<room>/``."""
    try:
        room_group(room)
    except InvalidRoomName as exc:
        raise Http404(str(exc)) from None
    return render(request, "chat/room.html", {"room": room, "login_url": settings.LOGIN_URL})


async def message_list(request: HttpRequest, room: str) -> JsonResponse:
    """``GET /api/chat/<room>/messages/?page=&size=``: the room's stored messages, oldest first.

    The same ``AsyncOrmResult`` page as ``/api/books/``; whichever server
    process answers, it reads the one shared database. For signed-in users
    only (``403`` with a JSON reason otherwise), as posting is.
    """
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse(
            {
                "error": "not authenticated",
                "detail": f"the history of room {room!r} is for signed-in users: log in at "
                f"{settings.LOGIN_URL}, then send the session cookie with the request.",
            },
            status=403,
        )
    messages = Message.objects.filter(room=room).select_related("user").order_by("id")
    return await page_response(request, messages, MessageOut)
