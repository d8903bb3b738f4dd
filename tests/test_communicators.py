"""``communicator()``: the real ASGI app in-process, with Origin and a real session."""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session

import workbench

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_orm_worker_connections")]


async def test_sends_the_sites_own_host_and_origin_by_default():
    socket = workbench.communicator("/ws/chat/lobby/")
    assert (b"host", b"localhost") in socket.scope["headers"]
    assert (b"origin", b"http://localhost") in socket.scope["headers"]
    assert await socket.connect() == (True, None)
    await socket.send_json_to({"type": "chat.message", "data": {"message": "hi"}})
    frame = await socket.receive_json_from()
    assert frame["data"]["code"] == "not_authenticated"  # connected, but anonymous: read-only
    await socket.disconnect()


async def test_a_signed_in_user_posts():
    ada = await User.objects.acreate_user("ada")
    socket = workbench.communicator("/ws/chat/lobby/", user=ada)
    assert await socket.connect() == (True, None)
    await socket.send_json_to({"type": "chat.message", "data": {"message": "hi"}})
    frame = await socket.receive_json_from()
    assert frame["data"]["message"] == "hi" and frame["data"]["user"] == "ada"
    await socket.disconnect()


@pytest.mark.parametrize("origin", [None, "http://evil.example"])
async def test_a_missing_or_foreign_origin_is_refused(origin):
    socket = workbench.communicator("/ws/chat/lobby/", origin=origin)
    assert await socket.connect() == (False, 1000)


async def test_user_connects_with_a_real_session():
    alice = await User.objects.acreate_user("alice", password="a-long-password-1")
    socket = workbench.communicator("/ws/notifications/", user=alice)
    assert await socket.connect() == (True, None)
    session = await Session.objects.aget()
    assert session.get_decoded()["_auth_user_id"] == str(alice.pk)
    await socket.send_to(text_data="{}")
    assert (await socket.receive_json_from())["data"]["code"] == "not_accepted"
    await socket.disconnect()


async def test_an_unsaved_user_cannot_log_in():
    socket = workbench.communicator("/ws/notifications/", user=User(username="ghost"))
    with pytest.raises(ValueError, match="can only log in a saved user"):
        await socket.connect()


async def test_drives_another_application_with_the_same_session():
    from channels.auth import AuthMiddlewareStack
    from channels.generic.websocket import AsyncJsonWebsocketConsumer

    class WhoAmI(AsyncJsonWebsocketConsumer):
        async def connect(self):
            await self.accept()
            await self.send_json({"user": self.scope["user"].get_username(), "path": self.scope["path"]})

    ada = await User.objects.acreate_user("ada", password="a-long-password-1")
    socket = workbench.communicator("/ws/who/", user=ada, application=AuthMiddlewareStack(WhoAmI.as_asgi()))
    assert await socket.connect() == (True, None)
    assert await socket.receive_json_from() == {"user": "ada", "path": "/ws/who/"}
    await socket.disconnect()


def test_the_path_must_be_absolute():
    with pytest.raises(ValueError, match="must start with '/'"):
        workbench.communicator("ws/chat/lobby/")


def test_needs_django_set_up(run_python):
    out = run_python(
        """
        import workbench
        try:
            workbench.communicator("/ws/chat/lobby/")
        except workbench.WorkbenchError as exc:
            print(exc)
        """
    ).stdout
    assert "call workbench.setup() first" in out


async def test_a_consumer_that_raises_is_reported_at_once_with_its_error():
    import time

    from channels.generic.websocket import AsyncWebsocketConsumer

    class Broken(AsyncWebsocketConsumer):
        async def connect(self):
            raise LookupError("no such room")

    socket = workbench.communicator("/ws/broken/", application=Broken.as_asgi())
    started = time.monotonic()
    with pytest.raises(LookupError, match="no such room"):
        await socket.connect(timeout=30)
    assert time.monotonic() - started < 20  # not after the timeout: asgiref alone waits it out


async def test_disconnect_after_a_reported_crash_does_not_raise_it_again():
    from channels.generic.websocket import AsyncWebsocketConsumer

    class Broken(AsyncWebsocketConsumer):
        async def connect(self):
            raise LookupError("no such room")

    socket = workbench.communicator("/ws/broken/", application=Broken.as_asgi())
    with pytest.raises(LookupError) as raised:
        try:
            await socket.connect()
        finally:
            await socket.disconnect()
    assert raised.traceback[-1].name == "connect"  # still says where it happened


async def test_disconnect_before_connect_closes_nothing():
    from channels.generic.websocket import AsyncWebsocketConsumer

    calls = []

    class Recorded(AsyncWebsocketConsumer):
        async def disconnect(self, code):
            calls.append(code)

    await workbench.communicator("/ws/recorded/", application=Recorded.as_asgi()).disconnect()
    assert calls == []  # a socket that never connected has nothing to close
