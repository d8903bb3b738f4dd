"""The chat page."""

import pytest
from django.test import AsyncClient


async def test_the_room_page_names_its_room_safely():
    response = await AsyncClient().get("/chat/lobby/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script id="room" type="application/json">"lobby"</script>' in page
    assert "textContent" in page and "innerHTML" not in page


@pytest.mark.parametrize("room", ["bad%20room", "%3Cscript%3E"])
async def test_an_invalid_room_is_not_found(room):
    response = await AsyncClient().get(f"/chat/{room}/")
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_the_history_lists_a_rooms_messages_oldest_first():
    from django.contrib.auth.models import User

    from sample_project.chat.models import Message

    ada = await User.objects.acreate_user("ada")
    await Message.objects.acreate(room="lobby", user=ada, text="first")
    await Message.objects.acreate(room="elsewhere", text="not here")
    await Message.objects.acreate(room="lobby", text="second")
    response = await AsyncClient().get("/api/chat/lobby/messages/?size=10")
    assert response.status_code == 200
    body = response.json()
    assert [(m["user"], m["message"], m["room"]) for m in body["data"]] == [("ada", "first", "lobby"), (None, "second", "lobby")]
    assert body["count"] == 2 and body["hasNext"] is False
    assert {"id", "created"} <= set(body["data"][0])


async def test_a_bad_history_page_is_a_400_naming_it():
    response = await AsyncClient().get("/api/chat/lobby/messages/?page=0")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "page"
