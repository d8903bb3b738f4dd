"""``workbench serve``: uvicorn worker processes sharing PostgreSQL and the Redis layer."""

import asyncio
import http.client
import json
import shlex
import subprocess
import sys
import uuid

import pytest
import redis
import websockets

from workbench.tooling.workshop import WorkshopError, plan
from workbench.tooling.workshop_process import WorkshopProcess

CLIENTS = 200


def serve(*args):
    return subprocess.run(
        [sys.executable, "-m", "workbench", "serve", *args], capture_output=True, text=True, timeout=60
    )


def test_more_than_one_worker_refuses_the_in_memory_layer_and_says_what_to_use():
    result = serve("--workers", "2", "--channel-layer", "memory://")
    assert result.returncode == 2
    assert "in-memory layer: it lives inside one process" in result.stderr
    assert "--channel-layer redis://" in result.stderr


@pytest.mark.parametrize(
    "option, url, what",
    [("--database", "postgresql://app:s3cret@127.0.0.1:{port}/shop", "database"),
     ("--channel-layer", "redis://127.0.0.1:{port}/0", "channel layer")],
)
def test_a_server_that_is_down_is_named_before_anything_starts(option, url, what):
    from workbench.services import free_port

    port = free_port()  # nothing listens there
    result = serve(option, url.format(port=port), "--workers", "1")
    assert result.returncode == 1
    assert f"Cannot reach the {what} server at 127.0.0.1:{port}" in result.stderr
    assert f"pass {option}" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_url_names_the_accepted_forms():
    with pytest.raises(WorkshopError, match="Use one of: sqlite:///") as info:
        plan(database="mysql://db/x")
    assert info.value.status == 2


def test_the_site_answers_to_this_machine_when_it_listens_on_every_address(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOWED_HOSTS", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-secret-of-this-workshop-only")
    everywhere = plan(host="0.0.0.0", port=8000)
    assert {"localhost", "127.0.0.1"} < set(everywhere.allowed_hosts)
    assert everywhere.public_host in everywhere.allowed_hosts
    assert plan(allowed_hosts="chat.example, 10.0.0.5").allowed_hosts == ("chat.example", "10.0.0.5")


def test_the_banner_says_where_the_rooms_progress_is_and_how_learners_report(monkeypatch):
    import dataclasses

    from workbench.tooling.workshop import banner

    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    planned = plan(host="127.0.0.1", port=8123, database="sqlite:///room.sqlite3")
    text = banner(dataclasses.replace(planned, database_url="postgresql://app:s3cret@127.0.0.1:5432/room"))
    assert "live progress (staff accounts only): http://127.0.0.1:8123/progress/" in text
    assert "WORKBENCH_PROGRESS_URL=http://127.0.0.1:8123 WORKBENCH_PROGRESS_TOKEN=<the learner's token>" in text
    assert "createsuperuser" in text and "s3cret" not in text
    # The printed command makes tokens, run as it stands (from anywhere: the settings are named).
    command = next(line for line in text.splitlines() if "progress_tokens" in line).split("tokens: ", 1)[1]
    result = subprocess.run(shlex.split(command.replace("python", sys.executable, 1).replace("NAME [NAME ...]", "ada")),
                            capture_output=True, text=True, timeout=120, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ada\tada:")
    assert "DJANGO_SECRET_KEY is not set" in text
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-real-secret-for-the-room")
    assert "DJANGO_SECRET_KEY is not set" not in banner(plan(host="127.0.0.1", port=8123))


DEVELOPMENT_KEY = "django-insecure-development-only-key-do-not-deploy-7d3f0c1e9b5a"


@pytest.mark.parametrize("key", [None, DEVELOPMENT_KEY], ids=["unset", "the-public-one"])
def test_a_non_loopback_address_refuses_the_development_key_and_names_the_variable(key):
    import os

    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SECRET_KEY"}
    if key:
        env["DJANGO_SECRET_KEY"] = key
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "serve", "--host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY" in result.stderr and "token_urlsafe" in result.stderr
    assert "Traceback" not in result.stderr


def test_loopback_and_a_key_of_your_own_are_accepted(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    assert plan(host="127.0.0.1").host == "127.0.0.1"
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-secret-of-this-workshop-only")
    assert plan(host="0.0.0.0").host == "0.0.0.0"


def group_members(redis_url, prefix, group):
    """The members of ``group`` that channels_redis keeps in Redis (a sorted set)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return client.zcard(f"{prefix}:group:{group}")
    finally:
        client.close()


async def open_clients(server, room, count):
    async def one():
        return await websockets.connect(server.ws_url(f"/ws/chat/{room}/"), origin=server.url)

    return await asyncio.gather(*(one() for _ in range(count)))  # all joining at once


def history_through(server, pid, room, cookie):
    """GET the room's history (signed in with ``cookie``) on a connection that worker ``pid`` accepted."""
    for _ in range(50):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.connect()
        if server.worker_of(connection.sock.getsockname()) == pid:
            connection.request("GET", f"/api/chat/{room}/messages/?size=100", headers={"Cookie": cookie})
            body = json.loads(connection.getresponse().read())
            connection.close()
            return [m["message"] for m in body["data"]]
        connection.close()
    raise AssertionError(f"no connection reached worker {pid} in 50 tries")


async def test_two_workers_share_groups_and_history_and_leave_no_stale_members(
    postgres_database_url, redis_url, tmp_path
):
    prefix = f"workshop_{uuid.uuid4().hex[:8]}"
    room = "lobby"
    with WorkshopProcess(
        workers=2, database=postgres_database_url, channel_layer=f"{redis_url}?prefix={prefix}",
        log=tmp_path / "serve.log",
    ) as server:
        clients = await open_clients(server, room, CLIENTS)
        workers = [server.worker_of(client.local_address) for client in clients]
        assert set(workers) == set(server.worker_pids()) and len(set(workers)) == 2, workers
        assert group_members(redis_url, prefix, f"chat.{room}") == CLIENTS

        # A message sent through each worker reaches every client, on both workers.
        # Posting needs a signed-in user: a signed-in sender on each worker.
        cookie = server.session_cookie("teacher")
        senders, spare = {}, []
        while set(senders) != set(workers):
            sender = await websockets.connect(
                server.ws_url(f"/ws/chat/{room}/"), origin=server.url, additional_headers={"Cookie": cookie}
            )
            pid = server.worker_of(sender.local_address)
            if pid in senders:
                spare.append(sender)
            else:
                senders[pid] = sender
        everyone = [*clients, *senders.values(), *spare]
        for pid, sender in senders.items():
            await sender.send(json.dumps({"type": "chat.message", "data": {"message": f"from {pid}"}}))
            frames = await asyncio.gather(*(asyncio.wait_for(c.recv(), 30) for c in everyone))
            assert {json.loads(f)["data"]["message"] for f in frames} == {f"from {pid}"}

        # History written through one worker is read through the other (one PostgreSQL).
        for pid in senders:
            assert history_through(server, pid, room, cookie) == [f"from {p}" for p in senders]

        await asyncio.gather(*(client.close() for client in everyone))  # all leaving at once
        for _ in range(100):
            if group_members(redis_url, prefix, f"chat.{room}") == 0:
                break
            await asyncio.sleep(0.1)
        assert group_members(redis_url, prefix, f"chat.{room}") == 0, "stale group members"
    assert "Too many connections" not in server.log()
    assert server.process.returncode == 0


async def test_the_workshop_server_refuses_big_frames_and_oversize_handshakes_and_drains_at_a_stop(tmp_path):
    database = f"sqlite:///{tmp_path / 'workshop.sqlite3'}"
    with WorkshopProcess(workers=1, database=database, log=tmp_path / "serve.log") as server:
        async with websockets.connect(server.ws_url("/ws/chat/lobby/"), origin=server.url) as client:
            await client.send("x" * (1024 * 1024))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(client.recv(), 10)
        assert closed.value.rcvd.code == 1009

        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /ws/chat/lobby/?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert (await asyncio.wait_for(reader.read(), 10)).startswith(b"HTTP/1.1 414")
        writer.close()

        cookie = server.session_cookie("ada")
        client = await websockets.connect(server.ws_url("/ws/chat/lobby/"), origin=server.url,
                                          additional_headers={"Cookie": cookie})
        for n in range(20):
            await client.send(json.dumps({"type": "chat.message", "data": {"message": f"m{n}"}}))
        server.stop()  # Ctrl-C
        answered = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                answered.append(json.loads(await asyncio.wait_for(client.recv(), 10))["data"]["message"])
        assert closed.value.rcvd.code == 1012
    import sqlite3

    with sqlite3.connect(tmp_path / "workshop.sqlite3") as db:
        stored = [text for (text,) in db.execute("SELECT text FROM chat_message ORDER BY id")]
    assert answered == stored == [f"m{n}" for n in range(len(stored))]  # unanswered means not stored
    assert "Traceback" not in server.log()
