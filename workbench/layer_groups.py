"""``group_members()``: who a channel layer holds in a group, whichever layer the project runs.

Channels has no API for it (a layer needs only ``group_add``, ``group_discard``
and ``group_send``), but a lesson about stale members must count them, on the
in-memory layer of the embedded defaults and on Redis alike. Each layer keeps
its groups its own way: the in-memory layers in ``layer.groups`` (channel →
join time), channels_redis's ``RedisChannelLayer`` in a sorted set per group.
"""

from __future__ import annotations

import time

from .errors import WorkbenchError


async def group_members(group: str, *, alias: str = "default") -> set[str]:
    """The channel names the layer ``alias`` holds in ``group`` and would still deliver a ``group_send`` to."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    layer = get_channel_layer(alias)
    if layer is None:
        raise WorkbenchError(
            f"No channel layer {alias!r} is configured: call workbench.setup() first (it sets CHANNEL_LAYERS)."
        )
    expiry = getattr(layer, "group_expiry", 86400)
    if isinstance(layer, InMemoryChannelLayer):  # Channels' own, and the project's subclass
        joined = layer.groups.get(group, {})
        return {channel for channel, since in joined.items() if since > time.time() - expiry}
    if _is_redis_core(layer):
        # The same read group_send makes: members that joined within group_expiry (the set's score is the join time).
        connection = layer.connection(layer.consistent_hash(group))
        found = await connection.zrangebyscore(layer._group_key(group), min=time.time() - expiry, max="+inf")
        return {member.decode() if isinstance(member, bytes) else member for member in found}
    raise WorkbenchError(
        f"group_members() cannot read the groups of {type(layer).__module__}.{type(layer).__qualname__}: it knows "
        "Channels' in-memory layers and channels_redis's RedisChannelLayer (the pub/sub layer keeps no list). "
        "Run the lesson on the defaults (memory://) or on redis://."
    )


def _is_redis_core(layer: object) -> bool:
    try:
        from channels_redis.core import RedisChannelLayer
    except ImportError:  # channels_redis is not installed: it cannot be this layer
        return False
    return isinstance(layer, RedisChannelLayer)
