"""WebSocket load: N clients in one room, each sending M messages, on live servers.

Three servers, measured side by side in one run, each in a process of its own
on 127.0.0.1 (loopback only); the load generator is this process:

* ``chat``      the project's ChatConsumer (validation, persistence, broadcast)
                on ``workbench.serve()`` (uvicorn in a thread, in-memory layer);
* ``tutorial``  the Channels tutorial's chat consumer (``json.loads``,
                ``group_send``, ``json.dumps`` per receiver), served the same way
                with Channels' stock ``InMemoryChannelLayer``;
* ``raw``       a minimal ``websockets`` broadcast server: the near-limit.

Senders take turns; at most ``--window`` broadcasts (default 1) are in flight
at once, so the default measures how fast one message reaches the whole room.
Latency is send → receipt at each member (one clock: every client lives in
this process). Throughput is delivered messages per second over the run.
Bounded: ``--clients`` × ``--messages`` broadcasts, ``--max-seconds`` per server.

    python benchmarks/ws_load.py                       # 200 clients, 2 messages each
    python benchmarks/ws_load.py --clients 50 --messages 4 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("chat", "tutorial", "raw")
PATHS = {"chat": "/ws/chat/bench/", "tutorial": "/ws/tutorial/bench/", "raw": "/"}


# ---------------------------------------------------------------- servers ---


def tutorial_application():
    """The Channels tutorial's chat (AsyncWebsocketConsumer version), with its asgi.py stack."""
    from channels.auth import AuthMiddlewareStack
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from django.urls import path

    class ChatConsumer(AsyncWebsocketConsumer):
        async def connect(self):
            self.room_name = self.scope["url_route"]["kwargs"]["room_name"]
            self.room_group_name = f"chat_{self.room_name}"
            await self.channel_layer.group_add(self.room_group_name, self.channel_name)
            await self.accept()

        async def disconnect(self, close_code):
            await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

        async def receive(self, text_data):
            text_data_json = json.loads(text_data)
            message = text_data_json["message"]
            await self.channel_layer.group_send(
                self.room_group_name, {"type": "chat.message", "message": message}
            )

        async def chat_message(self, event):
            message = event["message"]
            await self.send(text_data=json.dumps({"message": message}))

    return ProtocolTypeRouter(
        {
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    URLRouter([path("ws/tutorial/<str:room_name>/", ChatConsumer.as_asgi())])
                )
            )
        }
    )


async def _signed_in_cookie(live) -> str:
    from django.contrib.auth.models import User

    from workbench.sessions import cookie_header

    user, _ = await User.objects.aget_or_create(username="bench")
    return cookie_header(await live.login(user))


def run_server(kind: str) -> None:
    """Serve ``kind`` until stdin closes; answer ``cpu`` with this process's CPU seconds."""
    cookie = "-"
    if kind == "raw":
        port_holder: list[int] = []
        ready = threading.Event()
        thread = threading.Thread(target=_raw_server, args=(port_holder, ready), daemon=True)
        thread.start()
        ready.wait()
        port = port_holder[0]
    else:
        import workbench

        workbench.setup()
        application = None
        if kind == "tutorial":
            from channels.layers import InMemoryChannelLayer, channel_layers

            # The stock layer, not the project's (sample_project/config/layers.py).
            channel_layers.set("default", InMemoryChannelLayer())
            application = tutorial_application()
        live = workbench.serve(application=application)
        port = live.port
        if kind == "chat":  # posting needs a signed-in user: every client shares one session
            cookie = asyncio.run(_signed_in_cookie(live))
    print(f"port {port} {cookie}", flush=True)
    for line in sys.stdin:
        if line.strip() == "cpu":
            print(f"cpu {time.process_time()}", flush=True)
    os._exit(0)


def _raw_server(port_holder: list[int], ready: threading.Event) -> None:
    import websockets
    from websockets.asyncio.server import serve

    members: set = set()

    async def handler(connection):
        members.add(connection)
        try:
            async for frame in connection:
                websockets.broadcast(members, frame)
        finally:
            members.discard(connection)

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port_holder.append(server.sockets[0].getsockname()[1])
            ready.set()
            await asyncio.Future()

    asyncio.run(main())


class ServerProcess:
    """A server of ``kind`` in a process of its own; ``tree`` is the source tree it runs (default: this one)."""

    def __init__(self, kind: str, tree: Path = ROOT) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )
        port, cookie = self._read("port").split(" ", 1)
        self.port = int(port)
        self.cookie = None if cookie == "-" else cookie  # a signed-in session for posting

    def _read(self, key: str) -> str:
        line = self.process.stdout.readline()
        if not line.startswith(key + " "):
            raise RuntimeError(f"server said {line!r}, expected {key!r}")
        return line.rstrip("\n").split(" ", 1)[1]

    def cpu_seconds(self) -> float:
        self.process.stdin.write("cpu\n")
        self.process.stdin.flush()
        return float(self._read("cpu"))

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


# ------------------------------------------------------------------- load ---


@dataclass
class Result:
    kind: str
    delivered: int = 0
    expected: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def cpu_per_message_us(self) -> float:
        return self.server_cpu / self.delivered * 1e6 if self.delivered else float("nan")


def frame_for(kind: str, text: str) -> str:
    if kind == "tutorial":
        return json.dumps({"message": text})
    return json.dumps({"type": "chat.message", "data": {"message": text}})


def text_of(kind: str, frame: str) -> str:
    value = json.loads(frame)
    return value["message"] if kind == "tutorial" else value["data"]["message"]


async def load(
    kind: str, port: int, clients: int, messages: int, window: int, max_seconds: float, cookie: str | None = None
) -> Result:
    import websockets

    url = f"ws://127.0.0.1:{port}{PATHS[kind]}"
    origin = f"http://127.0.0.1:{port}"
    connect_slots = asyncio.Semaphore(50)
    headers = {"Cookie": cookie} if cookie else None

    async def open_client():
        async with connect_slots:
            return await websockets.connect(
                url, origin=origin, max_queue=None, compression=None, additional_headers=headers
            )

    sockets = await asyncio.gather(*(open_client() for _ in range(clients)))
    total = clients * messages
    result = Result(kind, expected=total * clients)
    sent_at: dict[int, float] = {}
    remaining: dict[int, int] = {}
    done: dict[int, asyncio.Event] = {}

    async def read(socket):
        async for frame in socket:
            now = time.perf_counter()
            number = int(text_of(kind, frame))
            result.latencies.append(now - sent_at[number])
            result.delivered += 1
            remaining[number] -= 1
            if remaining[number] == 0:
                done[number].set()

    readers = [asyncio.create_task(read(s)) for s in sockets]
    slots = asyncio.Semaphore(window)
    deadline = time.perf_counter() + max_seconds

    async def broadcast(number: int):
        try:
            await asyncio.wait_for(done[number].wait(), timeout=5)
        except TimeoutError:
            pass  # counted as undelivered
        finally:
            slots.release()

    started = time.perf_counter()
    cpu_started = time.process_time()
    pending = []
    for number in range(total):
        await slots.acquire()
        if time.perf_counter() > deadline:
            slots.release()
            result.expected = number * clients
            break
        remaining[number] = clients
        done[number] = asyncio.Event()
        sent_at[number] = time.perf_counter()
        await sockets[number % clients].send(frame_for(kind, str(number)))
        pending.append(asyncio.create_task(broadcast(number)))
    await asyncio.gather(*pending)
    result.seconds = time.perf_counter() - started
    result.client_cpu = time.process_time() - cpu_started
    for socket in sockets:
        await socket.close()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return result


def measure(kind: str, args: argparse.Namespace) -> Result:
    server = ServerProcess(kind)
    profiler = None
    try:
        # A short warm-up: imports, first queries, caches.
        asyncio.run(load(kind, server.port, min(args.clients, 10), 1, 1, 10, server.cookie))
        if args.profile:
            # py-spy samples the server process from outside (pip install py-spy).
            args.profile.mkdir(parents=True, exist_ok=True)
            profiler = subprocess.Popen(
                ["py-spy", "record", "--pid", str(server.process.pid), "--rate", "250",
                 "--format", "raw", "--threads", "-o", str(args.profile / f"{kind}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        before = server.cpu_seconds()
        result = asyncio.run(
            load(kind, server.port, args.clients, args.messages, args.window, args.max_seconds, server.cookie)
        )
        result.server_cpu = server.cpu_seconds() - before
        return result
    finally:
        if profiler is not None:
            profiler.send_signal(2)  # SIGINT: py-spy writes its file and exits
            profiler.wait(30)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients in the room (default 200)")
    parser.add_argument("--messages", type=int, default=2, help="messages each client sends (default 2)")
    parser.add_argument("--window", type=int, default=1, help="broadcasts in flight at once (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server; the median run is shown")
    parser.add_argument("--max-seconds", type=float, default=60, help="cap per server run (default 60)")
    parser.add_argument("--only", choices=KINDS, action="append", help="measure only these servers")
    parser.add_argument("--profile", type=Path, help="write py-spy stacks of each server here")
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        run_server(args.serve)
        return

    kinds = args.only or list(KINDS)
    runs: dict[str, list[Result]] = {kind: [] for kind in kinds}
    for _ in range(args.repeat):
        for kind in kinds:  # interleaved, so drifting machine load hits all alike
            runs[kind].append(measure(kind, args))
    medians = {kind: sorted(rs, key=lambda r: r.rate)[len(rs) // 2] for kind, rs in runs.items()}

    print(
        f"{args.clients} clients in one room, {args.messages} messages each, "
        f"window {args.window}, median of {args.repeat} run(s)"
    )
    print(
        f"{'server':10} {'delivered/s':>12} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'server CPU':>11} {'client CPU':>11} {'delivered':>15}"
    )
    print(f"{'':10} {'':>12} {'':>8} {'':>8} {'µs/msg':>11} {'µs/msg':>11}")
    for kind, r in medians.items():
        print(
            f"{kind:10} {r.rate:12,.0f} {r.percentile(0.5):8.1f} {r.percentile(0.99):8.1f} "
            f"{r.cpu_per_message_us:11.1f} {r.client_cpu / max(r.delivered, 1) * 1e6:11.1f} "
            f"{r.delivered:>7}/{r.expected:<7}"
        )
    if "chat" in medians:
        chat = medians["chat"].rate
        for other in ("tutorial", "raw"):
            if other in medians and medians[other].rate:
                print(f"chat / {other}: {chat / medians[other].rate:.2f}x")
    if "tutorial" in medians and "raw" in medians and medians["raw"].rate:
        print(f"tutorial / raw: {medians['tutorial'].rate / medians['raw'].rate:.2f}x")


if __name__ == "__main__":
    main()
