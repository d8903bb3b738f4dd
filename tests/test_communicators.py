"""``communicator()``: the real ASGI app in-process, with Origin and a real session."""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session

import workbench

pytestmark = pytest.mark.django_db(transaction=True)


async def test_sends_a_valid_origin_by_default():
    socket = workbench.communicator("/ws/chat/lobby/")
    assert await socket.connect() == (True, None)
    await socket.send_json_to({"type": "chat.message", "data": {"message": "hi"}})
    frame = await socket.receive_json_from()
    assert frame["data"]["message"] == "hi" and frame["data"]["user"] is None
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
