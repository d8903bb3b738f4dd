"""Channel layers: ``group_send`` throughput with 1, 10 and 100 receivers.

    python benchmarks/channel_layers.py [--rounds 3] [--quick]

Layers: Channels' in-memory layer, channels_redis's ``RedisChannelLayer``
(``redis://``) and ``RedisPubSubChannelLayer`` (``redis+pubsub://``), built
from the same URLs the sample project reads. One process, one layer object:
R receivers (each a channel of its own in one group, each awaiting
``receive()`` in its own task, as R consumers would) and one sender that
calls ``group_send`` M times. A run ends when every receiver has every
message; the figure is group_send calls per second, each delivered R times.
Capacities are raised above M so that no layer drops a message.

Redis comes from ``$WORKBENCH_TEST_REDIS_URL`` or a throw-away server; without
one its rows are left out.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import Callable

from common import Table, machine_note, parser, progress_bar, ratios, run_rounds, server_url

RECEIVERS = (1, 10, 100)
MESSAGES = {1: 500, 10: 200, 100: 50}  # group_send calls per run, per number of receivers
QUICK_MESSAGES = {1: 20, 10: 10, 100: 5}
LAYER_TITLES = {"memory": "in-memory", "redis": "Redis", "redis+pubsub": "Redis pub/sub"}


def make_layer(kind: str, redis_url: str | None, capacity: int):
    """A fresh layer object of ``kind``, configured from its URL."""
    from sample_project.config.backends import channel_layer_from_url

    url = "memory://" if kind == "memory" else redis_url.replace("redis://", f"{kind}://", 1)
    settings = channel_layer_from_url(url)
    module, _, name = settings["BACKEND"].rpartition(".")
    config = dict(settings.get("CONFIG", {}))
    if kind != "redis+pubsub":  # the pub/sub layer has no capacity: it never drops
        config["capacity"] = capacity
    return getattr(importlib.import_module(module), name)(**config)


async def one_run(kind: str, redis_url: str | None, receivers: int, messages: int) -> float:
    """Seconds from the first group_send until every receiver has every message."""
    layer = make_layer(kind, redis_url, capacity=messages + 10)
    group = f"bench-{kind.replace('+', '-')}-{receivers}-{time.monotonic_ns()}"
    channels = [await layer.new_channel() for _ in range(receivers)]
    for channel in channels:
        await layer.group_add(group, channel)

    async def receive_all(channel: str) -> None:
        for _ in range(messages):
            await layer.receive(channel)

    tasks = [asyncio.create_task(receive_all(channel)) for channel in channels]
    await asyncio.sleep(0)  # let every receiver start waiting (and subscribe)
    started = time.perf_counter()
    for n in range(messages):
        await layer.group_send(group, {"type": "bench.message", "n": n})
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    elapsed = time.perf_counter() - started
    for channel in channels:
        await layer.group_discard(group, channel)
    await layer.flush()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    return elapsed


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    messages = QUICK_MESSAGES if args.quick else MESSAGES

    with server_url("redis") as redis_url, asyncio.Runner() as runner:
        kinds = ["memory"] + (["redis", "redis+pubsub"] if redis_url else [])

        def variant(kind: str, receivers: int) -> Callable[[], float]:
            def run() -> float:
                return messages[receivers] / runner.run(one_run(kind, redis_url, receivers, messages[receivers]))
            return run

        variants = {f"{kind} {r}": variant(kind, r) for r in RECEIVERS for kind in kinds}
        with progress_bar(len(variants) * (rounds + 1), "channel layers") as bar:
            run_rounds(variants, 1, bar)  # warm-up: connections, Lua scripts loaded
            samples = run_rounds(variants, rounds, bar)

    table = Table(
        "Channel layers: group_send calls per second, each delivered to every receiver",
        f"{machine_note()}; {rounds} rounds; messages per run: "
        + ", ".join(f"{messages[r]} with {r} receiver{'s' if r > 1 else ''}" for r in RECEIVERS)
        + "; sender and receivers in one process",
    )
    for receivers in RECEIVERS:
        for kind in kinds:
            table.add(f"{LAYER_TITLES[kind]}, {receivers} receivers", samples[f"{kind} {receivers}"], "group_send/s")
    for receivers in RECEIVERS:
        for kind in kinds[1:]:
            table.add_ratio(f"{receivers} receivers: in-memory / {LAYER_TITLES[kind]}",
                            ratios(samples[f"memory {receivers}"], samples[f"{kind} {receivers}"]))
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
