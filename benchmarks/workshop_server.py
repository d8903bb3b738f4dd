"""The workshop server's capacity: ``workbench serve`` with PostgreSQL and Redis, as a room uses it.

    python benchmarks/workshop_server.py [--rounds 3] [--hold 1000] [--clients 200] [--quick]

Each variant is ``workbench serve`` in a process of its own (its uvicorn
workers are processes too) on a fresh PostgreSQL database; this process is
the room. Per run:

* **held**: ``--hold`` clients join one room (50 connecting at a time), then
  one message is sent; the figure is how long it takes to reach every one of
  them (all must get it);
* **load**: ``--clients`` clients in another room each send one message,
  ``--window`` broadcasts in flight at once (``ws_load.py``'s load generator):
  messages delivered per second, and p50 / p99 from send to receipt.

Variants: 2 workers on ``RedisChannelLayer`` (the default Redis URL), 2 workers on
``RedisPubSubChannelLayer``, and 1 worker on ``RedisChannelLayer``, in rounds
(see common.py). The client and the server share the machine's cores.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from contextlib import ExitStack

from common import Table, machine_note, parser, postgres_database, progress_bar, ratios, run_rounds, server_url
from ws_load import load

from workbench.tooling.workshop_process import WorkshopProcess

VARIANTS = {  # name: (workers, channel-layer scheme)
    "2 workers, RedisChannelLayer": (2, "redis"),
    "2 workers, RedisPubSubChannelLayer": (2, "redis+pubsub"),
    "1 worker, RedisChannelLayer": (1, "redis"),
}


def raise_open_file_limit() -> int:
    """As many sockets as the hard limit allows, here and in the servers (they inherit it)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


async def hold(server: WorkshopProcess, clients: int, cookie: str) -> float:
    """Seconds for one message to reach ``clients`` clients who joined one room; all must get it."""
    import websockets

    slots = asyncio.Semaphore(50)
    url = server.ws_url("/ws/chat/held/")

    async def join():
        async with slots:
            return await websockets.connect(
                url, origin=server.url, max_queue=None, compression=None, additional_headers={"Cookie": cookie}
            )

    sockets = await asyncio.gather(*(join() for _ in range(clients)))
    await asyncio.sleep(0.5)  # the last joins reach Redis before the message does
    started = time.perf_counter()
    await sockets[0].send(json.dumps({"type": "chat.message", "data": {"message": "all here?"}}))
    await asyncio.wait_for(asyncio.gather(*(s.recv() for s in sockets)), timeout=60)
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(s.close() for s in sockets))
    return elapsed


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--hold", type=int, default=None, help="clients held in one room (default 1000)")
    options.add_argument("--clients", type=int, default=None, help="clients sending under load (default 200)")
    options.add_argument("--window", type=int, default=4, help="broadcasts in flight at once (default 4)")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    held = args.hold or (20 if args.quick else 1000)
    clients = args.clients or (10 if args.quick else 200)
    limit = raise_open_file_limit()
    if held * 2 + 100 > limit:
        sys.exit(f"workshop_server: --hold {held} needs about {held * 2 + 100} open files; the limit here is {limit}.")

    metrics: dict[str, dict[str, list[float]]] = {
        name: {"held": [], "rate": [], "p50": [], "p99": [], "lost": []} for name in VARIANTS
    }
    with ExitStack() as stack:
        postgres = stack.enter_context(server_url("postgresql"))
        redis = stack.enter_context(server_url("redis"))
        if not (postgres and redis):
            sys.exit("workshop_server: needs PostgreSQL and Redis (see the note above).")
        databases = {name: stack.enter_context(postgres_database(postgres)) for name in VARIANTS}

        def variant(name: str):
            workers, scheme = VARIANTS[name]

            def run() -> float:
                layer = redis.replace("redis://", f"{scheme}://", 1) + f"?prefix=bench_{uuid.uuid4().hex[:8]}"
                with WorkshopProcess(workers=workers, database=databases[name], channel_layer=layer) as server:
                    cookie = server.session_cookie("bench")  # posting needs a signed-in user
                    metrics[name]["held"].append(asyncio.run(hold(server, held, cookie)))
                    result = asyncio.run(load("chat", server.port, clients, 1, args.window, 120, cookie))
                server.log_path.unlink(missing_ok=True)
                metrics[name]["rate"].append(result.rate)
                metrics[name]["p50"].append(result.percentile(0.5) / 1000)
                metrics[name]["p99"].append(result.percentile(0.99) / 1000)
                metrics[name]["lost"].append(result.expected - result.delivered)
                return result.rate

            return run

        with progress_bar(len(VARIANTS) * rounds, "workshop server") as bar:
            run_rounds({name: variant(name) for name in VARIANTS}, rounds, bar)

    table = Table(
        "The workshop server: workbench serve on PostgreSQL + Redis",
        f"{machine_note()}; {rounds} rounds; held: {held} clients in one room, one message to all; "
        f"load: {clients} clients, one message each, {args.window} broadcasts in flight, "
        f"{clients * clients} deliveries; client and server on one machine",
    )
    for name in VARIANTS:
        table.add(f"{name}: one message to {held} held clients", metrics[name]["held"], "ms", 1000)
    for name in VARIANTS:
        table.add(f"{name}: delivered", metrics[name]["rate"], "messages/s")
        table.add(f"{name}: p50", metrics[name]["p50"], "ms", 1000)
        table.add(f"{name}: p99", metrics[name]["p99"], "ms", 1000)
        table.add(f"{name}: lost", metrics[name]["lost"], "messages")
    two, pubsub, one = VARIANTS
    table.add_ratio("delivered: 2 workers / 1 worker (RedisChannelLayer)", ratios(metrics[two]["rate"], metrics[one]["rate"]))
    table.add_ratio("delivered: pub/sub / RedisChannelLayer (2 workers)", ratios(metrics[pubsub]["rate"], metrics[two]["rate"]))
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
