"""``group_members()``: the same answer on the in-memory layer and on Redis, and a clear error elsewhere."""

import pytest

SNIPPET = """
    import asyncio
    import workbench
    from channels.layers import get_channel_layer

    workbench.setup()

    async def main():
        layer = get_channel_layer()
        stayed, left = await layer.new_channel(), await layer.new_channel()
        for channel in (stayed, left):
            await layer.group_add("room", channel)
        await layer.group_discard("room", left)
        print(await workbench.group_members("room") == {stayed}, await workbench.group_members("empty"))

    asyncio.run(main())
"""


def test_group_members_reads_the_in_memory_layer(run_python):
    assert run_python(SNIPPET).stdout.split() == ["True", "set()"]


def test_group_members_reads_redis_the_same_way(run_python, redis_url):
    result = run_python(SNIPPET, env={"WORKBENCH_CHANNEL_LAYER_URL": redis_url + "?prefix=groups-test"})
    assert result.stdout.split() == ["True", "set()"]


def test_an_expired_membership_is_not_counted(run_python):
    result = run_python("""
        import asyncio, time
        import workbench
        from channels.layers import get_channel_layer

        workbench.setup()

        async def main():
            layer = get_channel_layer()
            channel = await layer.new_channel()
            await layer.group_add("room", channel)
            layer.groups["room"][channel] = time.time() - layer.group_expiry - 1  # joined too long ago
            print(await workbench.group_members("room"))

        asyncio.run(main())
    """)
    assert result.stdout.strip() == "set()"


async def test_a_layer_it_cannot_read_is_named_with_what_to_do(settings):
    import workbench

    settings.CHANNEL_LAYERS = {"other": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"}}
    with pytest.raises(workbench.WorkbenchError, match=r"RedisPubSubChannelLayer.*memory://.*redis://"):
        await workbench.group_members("room", alias="other")
