"""ChatConsumer and NotificationConsumer through the full ASGI stack, in-process."""

import json

import pytest
from django.contrib.auth.models import User

from sample_project.chat.consumers import notify_user
from sample_project.chat.models import Message
from sample_project.chat.protocol import CLOSE_INVALID_ROOM, CLOSE_NOT_AUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)


def chat(text):
    return {"type": "chat.message", "data": {"message": text}}


async def test_a_message_is_stored_and_reaches_every_member_of_the_room(connect):
    alice, connected, _ = await connect("/ws/chat/lobby/")
    bob, _, _ = await connect("/ws/chat/lobby/")
    elsewhere, _, _ = await connect("/ws/chat/garden/")
    assert connected

    await alice.send_json_to(chat("hello, room"))
    received = [await alice.receive_json_from(), await bob.receive_json_from()]

    stored = await Message.objects.aget()
    expected = {
        "type": "chat.message",
        "data": {"message": "hello, room", "user": None, "id": stored.id},
        "timestamp": stored.created.isoformat(),
        "room": "lobby",
    }
    assert received == [expected, expected]
    assert (stored.room, stored.text, stored.user_id) == ("lobby", "hello, room", None)
    assert await elsewhere.receive_nothing()


async def test_a_signed_in_author_is_named_and_stored(connect):
    user = await User.objects.acreate_user("alice", password="a-long-password-1")
    socket, _, _ = await connect("/ws/chat/lobby/", user=user)
    await socket.send_json_to(chat("signed"))
    frame = await socket.receive_json_from()
    assert frame["data"]["user"] == "alice"
    assert (await Message.objects.aget()).user_id == user.id


BAD_FRAMES = [
    ({"text_data": "not json"}, "not_json", "'not json'"),
    ({"text_data": '{"type": "chat.message", "data": '}, "not_json", "not valid JSON"),
    ({"bytes_data": b"\x00\x01"}, "binary_frame", "2 bytes"),
    ({"text_data": '["a list"]'}, "invalid_message", "Input should be an object"),
    ({"text_data": '{"data": {"message": "x"}}'}, "invalid_message", "type: Field required"),
    ({"text_data": '{"type": 7}'}, "invalid_message", "type: Input should be a valid string (got 7)"),
    ({"text_data": '{"type": "chat.message", "data": "x"}'}, "invalid_message", "data: Input should be an object (got 'x')"),
    ({"text_data": '{"type": "shout", "data": {}}'}, "unknown_type", "'shout'"),
    ({"text_data": '{"type": "chat.message", "data": {}}'}, "invalid_data", "data.message: Field required"),
    ({"text_data": '{"type": "chat.message", "data": {"message": 5}}'}, "invalid_data", "(got 5)"),
    ({"text_data": '{"type": "chat.message", "data": {"message": ""}}'}, "invalid_data", "at least 1 character"),
    ({"text_data": '{"type": "chat.message", "data": {"message": "x", "to": "bob"}}'}, "invalid_data", "data.to: Extra inputs"),
    ({"text_data": json.dumps(chat("a\x00b"))}, "invalid_data", "NUL characters"),
    ({"text_data": json.dumps(chat("x" * 70_000))}, "frame_too_large", "65536 bytes"),
]


@pytest.mark.parametrize(("frame", "code", "detail"), BAD_FRAMES, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD_FRAMES)])
async def test_a_bad_frame_gets_an_error_only_to_its_sender_and_the_socket_stays_usable(connect, frame, code, detail):
    sender, _, _ = await connect("/ws/chat/lobby/")
    other, _, _ = await connect("/ws/chat/lobby/")

    await sender.send_to(**frame)
    error = await sender.receive_json_from()
    assert error["type"] == "error" and set(error) == {"type", "data"}
    assert error["data"]["code"] == code
    assert detail in error["data"]["detail"]
    assert await other.receive_nothing()
    assert await Message.objects.acount() == 0

    await sender.send_json_to(chat("still here"))
    assert (await sender.receive_json_from())["data"]["message"] == "still here"
    assert (await other.receive_json_from())["data"]["message"] == "still here"


async def test_a_message_that_cannot_be_stored_is_not_broadcast(connect):
    from django.db import connections

    sender, _, _ = await connect("/ws/chat/lobby/")
    other, _, _ = await connect("/ws/chat/lobby/")

    def drop_the_table():
        with connections["default"].cursor() as cursor:
            cursor.execute("ALTER TABLE chat_message RENAME TO chat_message_away")

    def restore_the_table():
        with connections["default"].cursor() as cursor:
            cursor.execute("ALTER TABLE chat_message_away RENAME TO chat_message")

    from asgiref.sync import sync_to_async

    await sync_to_async(drop_the_table)()
    try:
        await sender.send_json_to(chat("lost?"))
        error = await sender.receive_json_from()
    finally:
        await sync_to_async(restore_the_table)()
    assert error["data"]["code"] == "not_stored" and "send it again" in error["data"]["detail"]
    assert await other.receive_nothing()
    await sender.send_json_to(chat("lost?"))
    assert (await other.receive_json_from())["data"]["message"] == "lost?"


async def test_the_largest_allowed_frame_is_accepted(connect):
    socket, _, _ = await connect("/ws/chat/lobby/")
    frame = json.dumps(chat("é" * 2000)).encode()
    assert len(frame) <= 64 * 1024
    await socket.send_to(text_data=frame.decode())
    assert (await socket.receive_json_from())["type"] == "chat.message"


@pytest.mark.parametrize("room", ["bad room", "é", "x" * 95, "a\n"])
async def test_an_invalid_room_is_told_why_and_closed_with_4400(connect, room):
    from urllib.parse import quote

    socket, connected, _ = await connect(f"/ws/chat/{quote(room)}/")
    assert connected
    error = await socket.receive_json_from()
    assert error["data"]["code"] == "invalid_room" and "ASCII letters" in error["data"]["detail"]
    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_INVALID_ROOM}


@pytest.mark.parametrize(
    "headers",
    [[], [(b"origin", b"http://evil.example")]],
    ids=["no-origin", "foreign-origin"],
)
async def test_a_missing_or_foreign_origin_is_refused(connect, headers):
    _, connected, code = await connect("/ws/chat/lobby/", headers=headers)
    assert (connected, code) == (False, 1000)


async def test_an_anonymous_notification_socket_is_refused_before_joining_a_group(connect):
    from channels.layers import get_channel_layer

    socket, _, _ = await connect("/ws/notifications/")
    error = await socket.receive_json_from()
    assert error["data"]["code"] == "not_authenticated"
    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_NOT_AUTHENTICATED}
    assert not any("None" in group for group in get_channel_layer().groups)


async def test_notify_user_reaches_only_that_users_sockets(connect):
    alice = await User.objects.acreate_user("alice", password="a-long-password-1")
    bob = await User.objects.acreate_user("bob", password="a-long-password-2")
    alice_tab_1, connected, _ = await connect("/ws/notifications/", user=alice)
    alice_tab_2, _, _ = await connect("/ws/notifications/", user=alice)
    bob_tab, _, _ = await connect("/ws/notifications/", user=bob)
    assert connected

    await notify_user(alice, {"title": "New book", "id": 3})

    for tab in (alice_tab_1, alice_tab_2):
        frame = await tab.receive_json_from()
        assert frame["type"] == "notification"
        assert frame["data"] == {"title": "New book", "id": 3}
        assert frame["timestamp"].endswith("+00:00")
    assert await bob_tab.receive_nothing()


async def test_a_notification_socket_answers_frames_with_an_error(connect):
    alice = await User.objects.acreate_user("alice", password="a-long-password-1")
    socket, _, _ = await connect("/ws/notifications/", user=alice)
    await socket.send_json_to(chat("hi"))
    assert (await socket.receive_json_from())["data"]["code"] == "not_accepted"


async def test_notify_user_refuses_an_anonymous_user():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="signed-in user"):
        await notify_user(AnonymousUser(), {"x": 1})


async def test_leaving_the_room_stops_delivery(connect):
    from channels.layers import get_channel_layer

    stays, _, _ = await connect("/ws/chat/lobby/")
    leaves, _, _ = await connect("/ws/chat/lobby/")
    await leaves.disconnect()
    assert len(get_channel_layer().groups["chat.lobby"]) == 1
    await stays.send_json_to(chat("who is left?"))
    assert (await stays.receive_json_from())["data"]["message"] == "who is left?"
