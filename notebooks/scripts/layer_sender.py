"""Lesson 13: a second process that sends one message to a channel-layer group.

    python layer_sender.py GROUP URL [URL ...]

For each layer URL (memory://, redis://...), build that layer as the sample
project's settings would, ``group_send`` a message naming the URL's scheme to
GROUP, and print what it did. The lesson's kernel listens in the same group
on its own layer objects: only a layer that lives outside this process can
carry the message across. Nothing printed depends on the machine.
"""

import asyncio
import sys
from urllib.parse import urlsplit

from sample_project.config.backends import new_channel_layer


async def send_everywhere(group: str, urls: list[str]) -> None:
    for url in urls:
        layer = new_channel_layer(url)
        scheme = urlsplit(url).scheme
        await layer.group_send(group, {"type": "lesson.hello", "sent_with": scheme})
        print(f"sent to {group!r} with {scheme}://")
        if hasattr(layer, "close_pools"):
            await layer.close_pools()


if __name__ == "__main__":
    asyncio.run(send_everywhere(sys.argv[1], sys.argv[2:]))
