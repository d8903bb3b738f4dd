"""Room and user group names follow Channels' rules."""

import pytest
from channels.layers import InMemoryChannelLayer

from sample_project.chat.groups import MAX_ROOM_LENGTH, InvalidRoomName, room_group, user_group


@pytest.mark.parametrize("room", ["lobby", "a", "team-1_b.c", "x" * MAX_ROOM_LENGTH])
def test_every_accepted_room_makes_a_group_name_channels_accepts(room):
    assert InMemoryChannelLayer().require_valid_group_name(room_group(room))


@pytest.mark.parametrize("room", ["", "bad room", "a/b", "é", "٣", "a\n", "x" * (MAX_ROOM_LENGTH + 1)])
def test_other_rooms_are_refused_with_the_rules(room):
    with pytest.raises(InvalidRoomName, match="ASCII letters, digits, hyphens"):
        room_group(room)


def test_anonymous_users_have_no_group():
    assert user_group(7) == "notifications.user.7"
    with pytest.raises(TypeError, match="anonymous users have none"):
        user_group(None)
