"""The project's in-memory channel layer behaves like Channels' stock one."""

import asyncio

import pytest
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as Stock

from sample_project.config.layers import InMemoryChannelLayer


@pytest.mark.parametrize("layer_class", [Stock, InMemoryChannelLayer])
async def test_group_send_copies_to_every_member_and_isolates_a_full_one(layer_class):
    layer = layer_class(capacity=1)
    a, b, c = [await layer.new_channel() for _ in range(3)]
    for channel in (a, b, c):
        await layer.group_add("room", channel)
    await layer.send(b, {"type": "fill"})  # b's queue is now full
    message = {"type": "chat.frame", "nested": {"text": "hi"}}

    await layer.group_send("room", message)

    got_a, got_c = await layer.receive(a), await layer.receive(c)
    assert got_a == got_c == message
    got_a["nested"]["text"] = "changed"
    assert got_c["nested"]["text"] == "hi"  # each member gets its own copy
    assert await layer.receive(b) == {"type": "fill"}  # the broadcast was dropped for b alone
    await layer.send(a, {"type": "one"})
    with pytest.raises(ChannelFull):
        await layer.send(a, {"type": "two"})


async def test_expired_messages_are_still_swept():
    layer = InMemoryChannelLayer(expiry=0, sweep_interval=0)
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    await layer.send(channel, {"type": "old"})
    await asyncio.sleep(0.01)
    await layer.group_send("room", {"type": "new"})  # sweeps: the expired message leaves the group
    assert "room" not in layer.groups or channel not in layer.groups["room"]


async def test_a_waiting_receiver_gets_a_later_message():
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "late"})
    assert await asyncio.wait_for(waiting, 1) == {"type": "late"}


async def test_an_emptied_queue_is_kept_for_its_receiver_and_swept_once_abandoned():
    layer = InMemoryChannelLayer(sweep_interval=0)
    channel, other = await layer.new_channel(), await layer.new_channel()
    await layer.send(channel, {"type": "first"})
    assert await layer.receive(channel) == {"type": "first"}
    assert channel in layer.channels  # kept: a consumer receives again at once

    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    queue = layer.channels[channel]
    await layer.send(other, {"type": "sweeps"})
    await layer.receive(other)  # a sweep: the queue someone waits on stays
    assert layer.channels[channel] is queue
    await layer.send(channel, {"type": "second"})
    assert await asyncio.wait_for(waiting, 1) == {"type": "second"}

    await layer.group_send("nobody", {"type": "sweeps"})  # nobody waits any more: swept
    assert channel not in layer.channels and other not in layer.channels


async def test_a_cancelled_receive_drops_its_empty_queue_at_once():
    layer = InMemoryChannelLayer(sweep_interval=60)
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    assert channel in layer.channels
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert channel not in layer.channels  # as in the stock layer: a consumer that has gone leaves nothing
