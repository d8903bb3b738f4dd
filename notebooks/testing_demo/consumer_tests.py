"""Testing a Channels consumer in-process with ``WebsocketCommunicator``.

The consumer is defined here so that the demonstration stands alone; the
sample project's own consumer tests live in ``sample_project/chat/tests/``.
``AllowedHostsOriginValidator`` (as in ``sample_project/config/asgi.py``)
rejects a handshake whose ``Origin`` header is missing or not in
``ALLOWED_HOSTS``, so a test must send one, as a browser does.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.urls import path


class LobbyConsumer(AsyncJsonWebsocketConsumer):
    """Everyone connected is in the group "lobby"; a message goes to all of them."""

    group = "lobby"

    async def connect(self):
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content):
        await self.channel_layer.group_send(self.group, {"type": "lobby.message", "text": content["text"]})

    async def lobby_message(self, event):
        await self.send_json({"text": event["text"]})


application = AllowedHostsOriginValidator(URLRouter([path("ws/lobby/", LobbyConsumer.as_asgi())]))
BROWSER = [(b"origin", b"http://localhost")]


async def test_a_handshake_without_origin_is_rejected():
    communicator = WebsocketCommunicator(application, "/ws/lobby/")
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_message_reaches_everyone_in_the_group():
    alice = WebsocketCommunicator(application, "/ws/lobby/", headers=BROWSER)
    bob = WebsocketCommunicator(application, "/ws/lobby/", headers=BROWSER)
    assert (await alice.connect())[0] and (await bob.connect())[0]

    await alice.send_json_to({"text": "hello"})

    assert await alice.receive_json_from() == {"text": "hello"}
    assert await bob.receive_json_from() == {"text": "hello"}
    await alice.disconnect()
    await bob.disconnect()
