"""Channel-layer group names for rooms and users, checked before any group is joined.

Channels accepts group names of ASCII letters, digits, ``-``, ``_`` and ``.``,
shorter than 100 characters. A room name becomes part of a group name, so it
must follow the same rules; a user's group is named after the primary key,
which anonymous users do not have (``id=None`` would put every anonymous
socket into one shared ``user_None`` group).
"""

from __future__ import annotations

import re

from channels.layers import BaseChannelLayer

ROOM_GROUP_PREFIX = "chat."
USER_GROUP_PREFIX = "notifications.user."
MAX_ROOM_LENGTH = BaseChannelLayer.MAX_NAME_LENGTH - 1 - len(ROOM_GROUP_PREFIX)
# ASCII only and matched whole: Channels' own pattern uses ``\d`` (any Unicode
# digit) and ``$`` (which also matches before a final newline).
ROOM_NAME = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_ROOM_LENGTH}}}")
ROOM_RULES = (
    f"1 to {MAX_ROOM_LENGTH} ASCII letters, digits, hyphens, underscores or periods"
)


class InvalidRoomName(ValueError):
    """A room name that cannot be part of a channel-layer group name."""


def room_group(room: str) -> str:
    """The group of every socket in ``room``; ``InvalidRoomName`` says why a name is refused."""
    if not ROOM_NAME.fullmatch(room):
        shown = room if len(room) <= 40 else room[:40] + "…"
        raise InvalidRoomName(
            f"room name {shown!r} is not allowed: use {ROOM_RULES} (e.g. 'lobby')."
        )
    return ROOM_GROUP_PREFIX + room


def user_group(user_id: int) -> str:
    """The group of every notification socket of one signed-in user."""
    if not isinstance(user_id, int):
        raise TypeError(
            f"user_group() needs a saved user's integer primary key, got {user_id!r}; "
            "anonymous users have none and must be refused before any group is joined."
        )
    return f"{USER_GROUP_PREFIX}{user_id}"
