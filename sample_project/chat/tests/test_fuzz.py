"""Property-based test of the chat consumer: random frames never break it.

For any sequence of text and binary frames: the sender gets exactly one answer
per frame (its own message back, or an error frame), the connection stays
open, other members see only the valid messages, and every valid message is
stored exactly once, in order.
"""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sample_project.chat.models import Message
from sample_project.config.asgi import application
from sample_project.contracts import WebSocketMessage

# The documented limits (README, wire protocol), written out so the oracle
# below does not depend on the code under test.
MAX_FRAME_BYTES = 64 * 1024
MAX_MESSAGE_LENGTH = 4000

HEADERS = [(b"host", b"localhost"), (b"origin", b"http://localhost")]
ENVELOPE_FIELDS = {"type", "data", "timestamp", "room"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
valid_messages = st.builds(
    # Unknown top-level fields included: the shared contract decides whether
    # they are ignored or refused (the oracle asks it, see expected_text()).
    lambda text, extra: {"type": "chat.message", "data": {"message": text}, **extra},
    st.one_of(
        st.text(min_size=1, max_size=50),
        st.sampled_from([MAX_MESSAGE_LENGTH - 1, MAX_MESSAGE_LENGTH]).map(lambda n: "é" * n),
    ),
    st.dictionaries(st.text(max_size=8).filter(lambda k: k not in ENVELOPE_FIELDS), json_values, max_size=2),
)
near_misses = st.one_of(
    st.builds(lambda t: {"type": t, "data": {"message": "x"}}, json_values),
    st.builds(lambda d: {"type": "chat.message", "data": d}, json_values),
    st.builds(lambda m: {"type": "chat.message", "data": {"message": m}}, json_values),
    st.builds(lambda k: {"type": "chat.message", "data": {"message": "x", k: 1}}, st.text(max_size=8)),
    st.integers(MAX_MESSAGE_LENGTH + 1, MAX_MESSAGE_LENGTH + 3).map(
        lambda n: {"type": "chat.message", "data": {"message": "x" * n}}
    ),
    st.just({"type": "chat.message", "data": {"message": "x" * MAX_FRAME_BYTES}}),
)
def as_text(values):
    return values.map(lambda value: {"text_data": json.dumps(value)})


frames = st.one_of(
    as_text(valid_messages),
    as_text(near_misses),
    as_text(json_values),
    st.builds(lambda text: {"text_data": text}, st.text(max_size=100)),
    st.builds(lambda data: {"bytes_data": data}, st.binary(max_size=100)),
)


def expected_text(frame):
    """The message a frame should deliver, or None if it must get an error (an independent oracle)."""
    text = frame.get("text_data")
    if text is None or len(text.encode()) > MAX_FRAME_BYTES:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("type") != "chat.message":
        return None
    if "timestamp" in value or "room" in value:
        return None  # never generated; keeps the oracle simple
    if set(value) - ENVELOPE_FIELDS and WebSocketMessage.model_config.get("extra") == "forbid":
        return None
    data = value.get("data")
    if not isinstance(data, dict) or set(data) != {"message"}:
        return None
    message = data["message"]
    if not isinstance(message, str) or not 1 <= len(message) <= MAX_MESSAGE_LENGTH:
        return None
    if "\x00" in message:
        return None
    return message


async def exchange(sequence, cookie):
    await Message.objects.all().adelete()
    sender = WebsocketCommunicator(application, "/ws/chat/fuzz/", headers=[*HEADERS, cookie])
    listener = WebsocketCommunicator(application, "/ws/chat/fuzz/", headers=HEADERS)
    assert (await sender.connect())[0] and (await listener.connect())[0]
    try:
        delivered = []
        for frame in sequence:
            # The ASGI event itself: send_to() refuses empty frames, which real clients can send.
            key = "text" if "text_data" in frame else "bytes"
            await sender.send_input({"type": "websocket.receive", key: next(iter(frame.values()))})
            answer = await sender.receive_json_from(timeout=5)
            wanted = expected_text(frame)
            if wanted is None:
                assert answer["type"] == "error", (frame, answer)
                assert answer["data"]["code"] and answer["data"]["detail"]
            else:
                assert answer["type"] == "chat.message", (frame, answer)
                assert answer["data"]["message"] == wanted
                assert (await listener.receive_json_from(timeout=5)) == answer
                delivered.append(wanted)
        # A last message: the listener's next frame must be this one, so
        # nothing else (an error, a duplicate) reached it in between.
        await sender.send_json_to({"type": "chat.message", "data": {"message": "end"}})
        end = await sender.receive_json_from(timeout=5)
        assert (await listener.receive_json_from(timeout=5)) == end
        stored = [m.text async for m in Message.objects.order_by("id")]
        assert stored == [*delivered, "end"]
    finally:
        await sender.disconnect()
        await listener.disconnect()


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=100,
    deadline=None,
    database=None,  # no example database on disk: parallel test workers share the folder
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(frames, min_size=1, max_size=6))
def test_random_frames_never_break_the_chat(sequence):
    async_to_sync(exchange)(sequence, async_to_sync(signed_in_cookie)())


async def signed_in_cookie():
    """The session cookie of a signed-in poster (posting needs one)."""
    from django.contrib.auth.models import User
    from django.test import AsyncClient

    user, _ = await User.objects.aget_or_create(username="fuzzer")
    client = AsyncClient()
    await client.aforce_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
