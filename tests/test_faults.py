"""Faults under ``workbench serve``: Redis and PostgreSQL restarting while learners are connected.

Each test restarts servers of its own (``start_private``), never the shared
ones other tests use. Starting with a server down is in test_workshop.py
(``workbench serve``) and test_bootstrap.py (``workbench.setup()``).
"""

import asyncio
import http.client
import json
import time
import uuid

import pytest

from tests.conftest import start_private
from workbench.services import start_postgres, start_redis
from workbench.tooling.workshop_process import WorkshopProcess


async def open_spread_clients(server, room, count):
    """At least ``count`` signed-in clients in ``room``, and more until every worker process has one.

    The kernel, not uvicorn, picks the worker that accepts a connection, so a
    few clients may all land on one.
    """
    import websockets

    headers = {"Cookie": server.session_cookie("learner")}  # posting needs a signed-in user
    clients, workers = [], set()
    while len(clients) < count or workers != set(server.worker_pids()):
        assert len(clients) < 100, f"100 clients, all on workers {workers}"
        clients.append(
            await websockets.connect(server.ws_url(f"/ws/chat/{room}/"), origin=server.url, additional_headers=headers)
        )
        workers.add(server.worker_of(clients[-1].local_address))
    return clients


async def first_message_everyone_gets(clients, sender, deadline=20.0):
    """Send numbered messages until one reaches every client; return how many were lost first.

    The layer is at-most-once: a message sent while it reconnects may be
    lost. Each client keeps receiving in order, so the first message that
    every client gets shows that delivery works again for the whole room.
    """
    received = [set() for _ in clients]

    async def listen(index, client):
        async for frame in client:
            received[index].add(json.loads(frame)["data"]["message"])

    listeners = [asyncio.create_task(listen(i, c)) for i, c in enumerate(clients)]
    try:
        started = time.monotonic()
        for attempt in range(1000):
            text = f"after-{attempt}"
            await sender.send(json.dumps({"type": "chat.message", "data": {"message": text}}))
            for _ in range(10):
                await asyncio.sleep(0.1)
                if all(text in seen for seen in received):
                    return attempt
            assert time.monotonic() - started < deadline, f"no message reached everyone in {deadline} s"
    finally:
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)


@pytest.mark.parametrize(
    "scheme, persist",
    [("redis", True), ("redis+pubsub", False)],
    ids=["RedisChannelLayer, Redis keeps its data", "RedisPubSubChannelLayer, Redis forgets"],
)
async def test_messages_flow_again_after_redis_restarts_under_connected_clients(
    scheme, persist, postgres_database_url, tmp_path
):
    redis_server = start_private(start_redis, "Redis", persist=persist)
    layer = redis_server.url.replace("redis://", f"{scheme}://", 1) + f"?prefix=faults_{uuid.uuid4().hex[:6]}"
    with redis_server, WorkshopProcess(
        workers=2, database=postgres_database_url, channel_layer=layer, log=tmp_path / "serve.log"
    ) as server:
        clients = await open_spread_clients(server, "faults", 8)
        assert await first_message_everyone_gets(clients, clients[0]) == 0

        redis_server.restart()

        await first_message_everyone_gets(clients, clients[-1])
        # The same sockets, never closed: no client had to reconnect.
        assert all(client.close_code is None for client in clients)
        for client in clients:
            await client.close()


def get_through_each_worker(server, path, each=3, headers=None):
    """Status codes of GETs on new connections, by worker pid, until every worker answered ``each``."""
    statuses = {}
    for _ in range(200):
        if set(statuses) == set(server.worker_pids()) and min(map(len, statuses.values())) >= each:
            break
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        connection.connect()
        pid = server.worker_of(connection.sock.getsockname())
        connection.request("GET", path, headers=headers or {})
        statuses.setdefault(pid, []).append(connection.getresponse().status)
        connection.close()
    return statuses


def test_the_next_request_succeeds_after_postgresql_restarts_under_the_pool(redis_url, tmp_path):
    postgres = start_private(start_postgres, "PostgreSQL")
    layer = f"{redis_url}?prefix=faults_{uuid.uuid4().hex[:6]}"
    with postgres, WorkshopProcess(workers=2, database=postgres.url, channel_layer=layer,
                                   log=tmp_path / "serve.log") as server:
        signed_in = {"Cookie": server.session_cookie("learner")}  # the history is for signed-in users
        before = get_through_each_worker(server, "/api/chat/lobby/messages/", headers=signed_in)
        assert set(before) == set(server.worker_pids()), before  # each worker's pool holds a connection
        assert all(status == 200 for statuses in before.values() for status in statuses), before

        postgres.restart()  # every pooled connection is now dead

        after = get_through_each_worker(server, "/api/chat/lobby/messages/", headers=signed_in)
        assert set(after) == set(server.worker_pids())
        assert all(status == 200 for statuses in after.values() for status in statuses), after
