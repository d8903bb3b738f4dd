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


@pytest.fixture
async def alice():
    return await User.objects.acreate_user("alice")


async def test_a_message_is_stored_and_reaches_every_member_of_the_room(connect, alice):
    sender, connected, _ = await connect("/ws/chat/lobby/", user=alice)
    bob, _, _ = await connect("/ws/chat/lobby/")
    elsewhere, _, _ = await connect("/ws/chat/garden/")
    assert connected

    await sender.send_json_to(chat("hello, room"))
    received = [await sender.receive_json_from(), await bob.receive_json_from()]

    stored = await Message.objects.aget()
    expected = {
        "type": "chat.message",
        "data": {"message": "hello, room", "user": "alice", "id": stored.id},
        "timestamp": stored.created.isoformat(),
        "room": "lobby",
    }
    assert received == [expected, expected]
    assert (stored.room, stored.text, stored.user_id) == ("lobby", "hello, room", alice.id)
    assert await elsewhere.receive_nothing()
    assert await sender.receive_nothing()  # answered once: its own copy of the broadcast is skipped


async def test_an_anonymous_socket_reads_the_room_but_may_not_post(connect, alice):
    visitor, connected, _ = await connect("/ws/chat/lobby/")
    member, _, _ = await connect("/ws/chat/lobby/", user=alice)
    assert connected

    await visitor.send_json_to(chat("anonymous"))
    error = await visitor.receive_json_from()
    assert error["data"]["code"] == "not_authenticated" and "read-only" in error["data"]["detail"]
    assert await member.receive_nothing() and await Message.objects.acount() == 0

    await member.send_json_to(chat("signed"))
    assert (await visitor.receive_json_from())["data"]["message"] == "signed"


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
async def test_a_bad_frame_gets_an_error_only_to_its_sender_and_the_socket_stays_usable(connect, alice, frame, code, detail):
    sender, _, _ = await connect("/ws/chat/lobby/", user=alice)
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


async def test_a_message_that_cannot_be_stored_is_not_broadcast(connect, alice):
    from django.db import connections

    sender, _, _ = await connect("/ws/chat/lobby/", user=alice)
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


async def test_the_largest_allowed_frame_is_accepted(connect, alice):
    socket, _, _ = await connect("/ws/chat/lobby/", user=alice)
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
    ("host", "origin"),
    [
        ("localhost", None),
        ("localhost", "http://evil.example"),
        ("localhost", "null"),
        ("localhost:8000", "http://localhost:9999"),  # another program's page on the same machine
        ("localhost:8000", "http://localhost"),  # port 80 is not port 8000
        ("localhost", "https://localhost"),  # a plain ws:// socket, an https page
        ("evil.example", "http://evil.example"),  # the same origin, but a host the site does not serve
        (None, "http://localhost"),
    ],
    ids=["no-origin", "foreign", "null", "other-port", "default-port", "other-scheme", "host-not-allowed", "no-host"],
)
async def test_an_origin_other_than_the_site_itself_is_refused(connect, host, origin):
    headers = [(b"host", host.encode())] if host else []
    if origin:
        headers.append((b"origin", origin.encode()))
    _, connected, code = await connect("/ws/chat/lobby/", headers=headers)
    assert (connected, code) == (False, 1000)


@pytest.mark.parametrize(
    ("host", "origin"),
    [("127.0.0.1:8000", "http://127.0.0.1:8000"), ("localhost", "http://localhost:80"), ("localhost:8000", "http://tools.example")],
)
async def test_the_sites_own_origin_and_a_trusted_one_are_let_in(connect, settings, host, origin):
    settings.CSRF_TRUSTED_ORIGINS = ["http://tools.example"]
    headers = [(b"host", host.encode()), (b"origin", origin.encode())]
    _, connected, _ = await connect("/ws/chat/lobby/", headers=headers)
    assert connected


async def test_an_anonymous_notification_socket_is_refused_before_joining_a_group(connect):
    from channels.layers import get_channel_layer

    socket, _, _ = await connect("/ws/notifications/")
    error = await socket.receive_json_from()
    assert error["data"]["code"] == "not_authenticated"
    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_NOT_AUTHENTICATED}
    assert not any("None" in group for group in get_channel_layer().groups)


async def test_notify_user_reaches_only_that_users_sockets(connect, alice):
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


async def test_a_notification_socket_answers_frames_with_an_error(connect, alice):
    socket, _, _ = await connect("/ws/notifications/", user=alice)
    await socket.send_json_to(chat("hi"))
    assert (await socket.receive_json_from())["data"]["code"] == "not_accepted"


async def test_notify_user_refuses_an_anonymous_user():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="signed-in user"):
        await notify_user(AnonymousUser(), {"x": 1})


async def test_leaving_the_room_stops_delivery(connect, alice):
    from channels.layers import get_channel_layer

    stays, _, _ = await connect("/ws/chat/lobby/", user=alice)
    leaves, _, _ = await connect("/ws/chat/lobby/")
    await leaves.disconnect()
    assert len(get_channel_layer().groups["chat.lobby"]) == 1
    await stays.send_json_to(chat("who is left?"))
    assert (await stays.receive_json_from())["data"]["message"] == "who is left?"


async def test_a_consumer_that_crashes_still_leaves_its_group():
    from channels.auth import AuthMiddlewareStack
    from channels.layers import get_channel_layer
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator
    from django.urls import path

    from sample_project.chat.consumers import ChatConsumer

    class CrashingConsumer(ChatConsumer):
        async def receive(self, text_data=None, bytes_data=None):
            raise RuntimeError("a bug in a handler")

    application = AuthMiddlewareStack(URLRouter([path("ws/chat/<str:room>/", CrashingConsumer.as_asgi())]))
    socket = WebsocketCommunicator(application, "/ws/chat/lobby/")
    assert (await socket.connect())[0]
    assert len(get_channel_layer().groups["chat.lobby"]) == 1
    await socket.send_to(text_data="anything")
    with pytest.raises(RuntimeError, match="a bug in a handler"):
        await socket.wait()
    assert not get_channel_layer().groups.get("chat.lobby"), "the crashed consumer is still a member"


async def test_a_flood_is_answered_with_rate_limited_and_the_room_hears_only_the_burst(connect, alice, settings):
    settings.CHAT_RATE_LIMIT = {"per_second": 0.001, "burst": 3}
    flooder, _, _ = await connect("/ws/chat/lobby/", user=alice)
    listener, _, _ = await connect("/ws/chat/lobby/")
    for n in range(6):
        await flooder.send_json_to(chat(f"flood {n}"))
    answers = [await flooder.receive_json_from() for _ in range(6)]

    assert [a["type"] for a in answers] == ["chat.message"] * 3 + ["error"] * 3
    assert {a["data"]["code"] for a in answers[3:]} == {"rate_limited"}
    assert "nothing was stored" in answers[3]["data"]["detail"]
    assert [(await listener.receive_json_from())["data"]["message"] for _ in range(3)] == ["flood 0", "flood 1", "flood 2"]
    assert await listener.receive_nothing()
    assert [m.text async for m in Message.objects.order_by("id")] == ["flood 0", "flood 1", "flood 2"]


async def test_a_flooder_that_ignores_its_refusals_is_closed_with_1008(connect, alice, settings):
    settings.CHAT_RATE_LIMIT = {"per_second": 0.001, "burst": 2}
    flooder, _, _ = await connect("/ws/chat/lobby/", user=alice)
    for n in range(8):
        await flooder.send_json_to(chat(f"flood {n}"))
    answers = [await flooder.receive_json_from() for _ in range(5)]

    assert [a["type"] for a in answers] == ["chat.message"] * 2 + ["error"] * 3
    assert "closed (1008, policy violation)" in answers[-1]["data"]["detail"]
    assert await flooder.receive_output() == {"type": "websocket.close", "code": 1008}
    assert await flooder.receive_nothing()  # the frames after the close are not read
    assert await Message.objects.acount() == 2


async def test_a_member_whose_queue_overflowed_is_told_how_many_broadcasts_it_missed(connect, alice):
    from channels.layers import get_channel_layer

    member, _, _ = await connect("/ws/chat/lobby/")
    layer = get_channel_layer()
    capacity = layer.get_capacity("x")
    # Broadcast faster than the consumer can pass them on: the test's loop
    # does not let it run until every group_send has been made.
    for n in range(capacity + 5):
        await layer.group_send("chat.lobby", {"type": "group.frame", "text": f'"{n}"'})

    frames = [await member.receive_from() for _ in range(capacity + 1)]

    assert frames[:capacity] == [f'"{n}"' for n in range(capacity)]
    notice = json.loads(frames[capacity])["data"]
    assert notice["code"] == "messages_dropped"
    assert notice["detail"].startswith("5 messages to this socket were dropped")
    assert "/api/chat/lobby/messages/" in notice["detail"]
    assert await member.receive_nothing()


async def test_an_unknown_path_is_refused_without_an_error(connect):
    _, connected, code = await connect("/ws/nowhere/")
    assert (connected, code) == (False, 1000)
