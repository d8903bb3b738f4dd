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
    client = AsyncClient()
    await client.aforce_login(ada)
    response = await client.get("/api/chat/lobby/messages/?size=10")
    assert response.status_code == 200
    body = response.json()
    assert [(m["user"], m["message"], m["room"]) for m in body["data"]] == [("ada", "first", "lobby"), (None, "second", "lobby")]
    assert body["count"] == 2 and body["hasNext"] is False
    assert {"id", "created"} <= set(body["data"][0])


@pytest.mark.django_db(transaction=True)
async def test_a_bad_history_page_is_a_400_naming_it():
    from django.contrib.auth.models import User

    client = AsyncClient()
    await client.aforce_login(await User.objects.acreate_user("ada"))
    response = await client.get("/api/chat/lobby/messages/?page=0")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "page"


@pytest.mark.django_db(transaction=True)
async def test_the_history_is_refused_to_anonymous_users_with_a_reason():
    from sample_project.chat.models import Message

    await Message.objects.acreate(room="lobby", text="private")
    response = await AsyncClient().get("/api/chat/lobby/messages/")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "not authenticated" and "/accounts/login/" in body["detail"]
    assert "private" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
async def test_a_user_signs_in_on_the_login_page_and_the_room_page_says_who():
    from django.contrib.auth.models import User

    await User.objects.acreate_user("ada", password="a-long-password-1")
    client = AsyncClient()
    anonymous = (await client.get("/chat/lobby/")).content.decode()
    assert "Read-only" in anonymous and "/accounts/login/?next=/chat/lobby/" in anonymous
    assert (await client.get("/accounts/login/")).status_code == 200
    response = await client.post("/accounts/login/", {"username": "ada", "password": "a-long-password-1", "next": "/chat/lobby/"})
    assert (response.status_code, response["Location"]) == (302, "/chat/lobby/")
    assert "Signed in as <strong>ada</strong>" in (await client.get("/chat/lobby/")).content.decode()


def test_the_default_hosts_are_loopback_only_and_tests_add_testserver():
    import os
    import subprocess
    import sys

    from django.conf import settings

    assert "testserver" in settings.ALLOWED_HOSTS  # Django's test set-up added it, for the tests
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOWED_HOSTS"}
    shown = subprocess.run(
        [sys.executable, "-c", "from sample_project.config import settings; print(settings.ALLOWED_HOSTS)"],
        capture_output=True, text=True, env=env, check=True, timeout=60,
    ).stdout.strip()
    assert shown == "['localhost', '127.0.0.1', '[::1]']"
