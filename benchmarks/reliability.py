"""Reliability under attack: the real-time server with and without the hardening, side by side in one run.

    python benchmarks/reliability.py [--rounds 3] [--quick] [--baseline REV]

Two servers, each ``workbench.serve()`` (uvicorn in a thread, the in-memory
layer, a SQLite file) in a process of its own on 127.0.0.1; the attackers are
this process:

* ``hardened``  this source tree;
* ``baseline``  the same project before the hardening: ``git archive REV``
                (default ``5569d69``, the last commit before it) run with the
                same packages (``PYTHONPATH`` points the server at the export).

The attacks are the ones issue 15 found, bounded in count and time:

1. *stale members*: 200 clients in one room each send one bad frame and close
   at once; members the layer still holds 3 s later.
2. *16 MiB frames*: 30 clients each send one 16 MiB frame at once; the
   server's peak resident memory (psutil, sampled every 10 ms) over its own
   before the attack.
3. *handshakes*: 50 connections whose request line is over 8 KiB, and 50 that
   send half a request head and stop; those neither answered nor closed 8 s later.
4. *messages lost*: a signed-in client sends 3,000 frames, then closes without
   reading (websockets' close: 10 s for the server's close frame, then the
   socket goes, and with it whatever the server had not read yet). Frames
   the server read, and of those: stored, answered with an error, or lost
   without a word (the server counts what it reads and answers). Once with the
   rate limit, once without it (the hardened server only).
5. *a stop*: 50 signed-in clients send 10 frames each, and the server is
   stopped at once; frames stored, answered, and stored without an answer
   (the client cannot tell those from lost ones).
6. *a flood*: one client sends 20,000 frames as fast as it can (reading its
   answers, from a process of its own); a second one's round trip (send → its
   own message back, one every 150 ms: under the rate limit) before the flood
   and in the 10 s after it starts.
7. *throughput*: ``ws_load.py``'s load (``--clients`` 200 clients, 2 messages
   each, one broadcast in flight), ``--rounds`` rounds, interleaved: the
   hardening may cost at most 5 %.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "5569d69"
BIG_FRAME = 16 * 1024 * 1024
HANDSHAKE = (
    b"Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def chat(text: str) -> str:
    return json.dumps({"type": "chat.message", "data": {"message": text}})


# ------------------------------------------------------------ the server ---


def serve() -> None:
    """The project on ``workbench.serve()``, driven by commands on stdin (one answer line each)."""
    import workbench

    workbench.setup()
    from asgiref.sync import async_to_sync
    from django.conf import settings

    from sample_project.chat import consumers
    from sample_project.chat.models import Message

    answers: collections.Counter[str] = collections.Counter()
    send_error = consumers.GroupMemberConsumer.send_error

    async def counted(self, code, detail):  # every error frame the server means to send, by code
        answers[code] += 1
        await send_error(self, code, detail)

    consumers.GroupMemberConsumer.send_error = counted
    close = consumers.GroupMemberConsumer.close

    async def counted_close(self, code=None, reason=None):
        answers[f"close {code}"] += 1
        await close(self, code=code, reason=reason)

    consumers.GroupMemberConsumer.close = counted_close
    dispatch = consumers.GroupMemberConsumer.dispatch

    async def counted_dispatch(self, message):
        if message["type"] == "websocket.receive":
            answers["read"] += 1  # a frame the server read from a client
            if getattr(self, "closed_for_flooding", False):
                answers["after 1008"] += 1  # read after the consumer closed the socket for flooding
        await dispatch(self, message)

    consumers.GroupMemberConsumer.dispatch = counted_dispatch
    rate_limited_frame = getattr(consumers.GroupMemberConsumer, "rate_limited_frame", None)
    if rate_limited_frame is not None:  # the hardened consumer answers floods without send_error

        def counted_rate_limit(self):
            answers["rate_limited"] += 1
            return rate_limited_frame(self)

        consumers.GroupMemberConsumer.rate_limited_frame = counted_rate_limit
    live = workbench.serve()

    async def sign_in():
        from django.contrib.auth.models import User

        from workbench.sessions import cookie_header

        user, _ = await User.objects.aget_or_create(username="bench")
        return cookie_header(await live.login(user))

    async def members(group):
        from channels.layers import get_channel_layer

        return len(get_channel_layer().groups.get(group, {}))

    print("ready", live.port, async_to_sync(sign_in)(), flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "members":
            answer = asyncio.run(live.call(members(args[0]))) if live.running else -1
        elif command == "stored":
            answer = Message.objects.count()
        elif command == "texts":
            answer = list(Message.objects.order_by("id").values_list("text", flat=True))
        elif command == "answers":
            answer = dict(answers)
        elif command == "reset":
            Message.objects.all().delete()
            answers.clear()
            answer = "ok"
        elif command == "rate-limit":  # on / off (read by each consumer when it starts)
            settings.CHAT_RATE_LIMIT = None if args[0] == "off" else {"per_second": 10, "burst": 30}
            answer = "ok"
        elif command == "stop":
            live.stop()
            answer = "ok"
        else:
            answer = f"unknown command {command!r}"
        print(json.dumps(answer), flush=True)
    os._exit(0)


class Server:
    """``serve()`` above in a child process running ``tree``, its memory sampled in the background."""

    def __init__(self, tree: Path) -> None:
        import psutil

        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(tree)},
        )
        ready = self.process.stdout.readline().split(maxsplit=2)
        if not ready or ready[0] != "ready":
            raise RuntimeError(f"the server did not start: {ready}")
        self.port, self.cookie = int(ready[1]), ready[2].strip()
        self.url = f"http://127.0.0.1:{self.port}"
        self._ps = psutil.Process(self.process.pid)
        self.peak = self.rss()
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def rss(self) -> int:
        return self._ps.memory_info().rss

    def _sample(self) -> None:
        while self._sampling:
            try:
                self.peak = max(self.peak, self.rss())
            except Exception:  # the process has ended
                return
            time.sleep(0.01)

    def reset_peak(self) -> int:
        self.peak = self.rss()
        return self.peak

    def ask(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self._sampling = False
        self.process.stdin.close()
        self.process.wait(30)


# ----------------------------------------------------------- the attacks ---


async def connect(server: Server, room: str, *, signed_in: bool = False, **options):
    import websockets

    headers = {"Cookie": server.cookie} if signed_in else None
    return await websockets.connect(
        server.ws_url(f"/ws/chat/{room}/"), origin=server.url, additional_headers=headers,
        compression=None, open_timeout=30, **options,
    )


async def settled(server: Server, command: str, *, within: float, quiet: float = 1.0):
    """Ask ``command`` until its answer stays the same for ``quiet`` seconds (at most ``within``)."""
    deadline, last, since = time.monotonic() + within, None, time.monotonic()
    while time.monotonic() < deadline:
        value = server.ask(command)
        if value != last:
            last, since = value, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        await asyncio.sleep(0.1)
    return last


async def stale_members(server: Server, clients: int) -> int:
    slots = asyncio.Semaphore(50)

    async def one():
        async with slots:
            return await connect(server, "storm")

    sockets = await asyncio.gather(*(one() for _ in range(clients)))

    async def bad_frame_then_close(socket):
        await socket.send("not json")
        await socket.close()

    await asyncio.gather(*(bad_frame_then_close(s) for s in sockets), return_exceptions=True)
    await asyncio.sleep(3)
    return server.ask("members chat.storm")


async def big_frames(server: Server, clients: int) -> float:
    """MiB the server's resident memory rose to, over its own just before."""
    sockets = await asyncio.gather(*(connect(server, "big", max_size=None) for _ in range(clients)))
    frame = "x" * BIG_FRAME
    before = server.reset_peak()

    async def send(socket):
        with contextlib.suppress(Exception):  # closed by the server (1009), or its error frame arrived
            await socket.send(frame)
            await asyncio.wait_for(socket.recv(), 30)
        await socket.close()

    await asyncio.gather(*(send(s) for s in sockets))
    await asyncio.sleep(0.5)
    return (server.peak - before) / 2**20


async def held_handshakes(server: Server, each: int, wait: float) -> int:
    """Connections (``each`` oversize, ``each`` stalled) neither answered nor closed after ``wait`` s."""
    long_line = b"GET /ws/chat/lobby/?" + b"a" * 9000 + b" HTTP/1.1\r\n" + HANDSHAKE
    half_head = b"GET /ws/chat/lobby/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"

    async def held(head: bytes) -> bool:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(head)
        await writer.drain()
        try:
            await asyncio.wait_for(reader.read(1), wait)  # an answer, or b"" when closed
            return False
        except TimeoutError:
            return True
        finally:
            writer.close()

    results = await asyncio.gather(*(held(long_line) for _ in range(each)), *(held(half_head) for _ in range(each)))
    return sum(results)


async def lost_on_close(server: Server, frames: int) -> dict[str, int]:
    """What became of ``frames`` frames a client sent just before closing (websockets' own close)."""
    server.ask("reset")
    socket = await connect(server, "lastwords", signed_in=True)
    for n in range(frames):
        await socket.send(chat(f"last words {n}"))
    await socket.close()
    stored = await settled(server, "stored", within=60)
    answers = server.ask("answers")
    read = answers.pop("read", 0)
    after_close = answers.pop("after 1008", 0)  # refused, with everything after it, by the 1008 close
    refused = sum(count for code, count in answers.items() if not code.startswith("close "))
    closed = bool(answers.get("close 1008"))
    return {
        "read": read,
        "stored": stored,
        "refused": refused,
        "lost": read - stored - refused - after_close,  # read, then neither stored nor answered
        "after 1008": after_close + (frames - read if closed else 0),
        "unread": 0 if closed else frames - read,
    }


async def stop_under_load(server: Server, clients: int, frames: int) -> dict[str, int]:
    import websockets

    server.ask("reset")
    sockets = await asyncio.gather(*(connect(server, "stop", signed_in=True) for _ in range(clients)))
    answered: set[str] = set()
    codes: collections.Counter[int | None] = collections.Counter()

    async def read(socket):
        try:
            async for message in socket:
                frame = json.loads(message)
                if frame["type"] == "chat.message" and frame["data"]["message"].startswith(f"{id(socket)}/"):
                    answered.add(frame["data"]["message"])
        except websockets.ConnectionClosed:
            pass
        codes[socket.close_code] += 1

    readers = [asyncio.create_task(read(s)) for s in sockets]
    for n in range(frames):
        for socket in sockets:
            await socket.send(chat(f"{id(socket)}/{n}"))
    server.ask("stop")
    await asyncio.wait_for(asyncio.gather(*readers), 30)
    stored = set(server.ask("texts"))
    return {
        "sent": clients * frames,
        "stored": len(stored),
        "answered": len(answered),
        "stored, no answer": len(stored - answered),
        "answered, not stored": len(answered - stored),
        "closed with 1012": codes[1012],
    }


async def flood(server: Server, frames: int, probe_every: float = 0.15, window: float = 10.0) -> dict[str, float]:
    """The prober's round trips (ms) before and during a flood of ``frames`` from another client.

    The flooder runs in a process of its own (``--flood``), so its work does
    not slow the prober's event loop here: only the server is shared.
    """
    server.ask("reset")
    prober = await connect(server, "flood", signed_in=True, max_queue=None)
    waiting: dict[str, float] = {}
    trips: list[tuple[float, float]] = []  # (sent at, round trip)

    async def read_prober():
        async for message in prober:
            frame = json.loads(message)
            sent = waiting.pop(frame.get("data", {}).get("message", ""), None)
            if sent is not None:
                trips.append((sent, time.perf_counter() - sent))

    async def probe(seconds: float, until=lambda: False):
        started = time.perf_counter()
        while time.perf_counter() - started < seconds and not until():
            text = f"probe {time.perf_counter()}"
            waiting[text] = time.perf_counter()
            await prober.send(chat(text))
            await asyncio.sleep(probe_every)

    reader = asyncio.create_task(read_prober())
    await probe(1.5)
    quiet = [trip for _, trip in trips]
    flooder = subprocess.Popen(
        [sys.executable, __file__, "--flood", server.ws_url("/ws/chat/flood/"), server.url, server.cookie,
         str(frames), str(window)],
        stdout=subprocess.PIPE, text=True,
    )
    assert flooder.stdout.readline().strip() == "connected"
    flood_started = time.perf_counter()
    await probe(window)  # the same window for both servers, however long each one's flood lasts
    answered = int(flooder.communicate(timeout=window + 60)[0].split()[-1])
    during = [trip for sent, trip in trips if sent >= flood_started]
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await prober.close()
    texts = server.ask("texts")
    return {
        "quiet p50": statistics.median(quiet) * 1000 if quiet else float("nan"),
        "flood p50": statistics.median(during) * 1000 if during else float("nan"),
        "flood max": max(during) * 1000 if during else float("nan"),
        "probes unanswered": len(waiting),
        "flood stored": sum(text.startswith("flood ") for text in texts),
        "flood answered": answered,
    }


async def send_flood(url: str, origin: str, cookie: str, frames: int, cap: float) -> int:
    """``--flood``: send ``frames`` frames as fast as the socket takes them, reading every answer."""
    import websockets

    async with websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie},
                                  compression=None, max_queue=None) as socket:
        print("connected", flush=True)
        answered = 0

        async def read():
            nonlocal answered
            with contextlib.suppress(websockets.ConnectionClosed):
                async for message in socket:
                    answered += json.loads(message)["type"] != "chat.message" or '"flood ' in message

        reader = asyncio.create_task(read())
        with contextlib.suppress(websockets.ConnectionClosed):  # the server may close a flooder (1008)
            for n in range(frames):
                await socket.send(chat(f"flood {n}"))
        deadline = time.monotonic() + cap
        while answered < frames and time.monotonic() < deadline and not reader.done():
            await asyncio.sleep(0.05)
        reader.cancel()
        return answered


# ----------------------------------------------------------------- main ---


def export(revision: str) -> Path:
    """``git archive revision`` into a temporary folder (removed at exit)."""
    import atexit
    import shutil
    import tarfile

    folder = Path(tempfile.mkdtemp(prefix="workbench-baseline-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def attacks(tree: Path, quick: bool, hardened: bool) -> dict[str, object]:
    scale = 10 if quick else 1
    figures: dict[str, object] = {}
    server = Server(tree)
    try:
        figures["rss at start [MiB]"] = server.rss() / 2**20
        figures["1. stale members (of 200)"] = asyncio.run(stale_members(server, 200 // scale))
        figures["2. memory rise, 30 frames of 16 MiB [MiB]"] = asyncio.run(big_frames(server, 30 // scale))
        figures["3. handshakes held after 8 s (of 100)"] = asyncio.run(held_handshakes(server, 50 // scale, 8.0))
        for limit in ("on", "off") if hardened else ("on",):
            server.ask(f"rate-limit {limit}")
            closing = asyncio.run(lost_on_close(server, 3000 // scale))
            head = "4. 3,000 sent, then close" + ("" if limit == "on" else " (rate limit off)")
            figures[f"{head}: read by the server"] = closing["read"]
            figures[f"   {'' if limit == 'on' else '(off) '}read, stored / answered with an error"] = (
                f"{closing['stored']} / {closing['refused']}")
            figures[f"   {'' if limit == 'on' else '(off) '}read, then lost without a word"] = closing["lost"]
            figures[f"   {'' if limit == 'on' else '(off) '}not read: after a 1008 close / at the client's reset"] = (
                f"{closing['after 1008']} / {closing['unread']}")
        server.ask("rate-limit on")
        flooded = asyncio.run(flood(server, 20000 // scale))
        figures["6. second client's round trip, quiet, p50 [ms]"] = flooded["quiet p50"]
        figures["   in the 10 s after a 20,000-frame flood starts, p50 [ms]"] = flooded["flood p50"]
        figures["   in those 10 s, max [ms]"] = flooded["flood max"]
        figures["   flood frames stored / answered (of 20,000)"] = f"{flooded['flood stored']} / {flooded['flood answered']}"
        figures["   the prober's frames unanswered"] = flooded["probes unanswered"]
        figures["peak rss over all attacks [MiB]"] = server.peak / 2**20
        stop = asyncio.run(stop_under_load(server, 50 // scale, 10))
        figures["5. stop under load: sent / stored / answered"] = f"{stop['sent']} / {stop['stored']} / {stop['answered']}"
        figures["   stored without an answer (unknowable)"] = stop["stored, no answer"]
        figures["   clients closed with 1012"] = stop["closed with 1012"]
    finally:
        server.close()
    return figures


def main(argv: list[str] | None = None) -> None:
    from common import Table, machine_note, parser, progress_bar, ratios, run_rounds
    from ws_load import ServerProcess, load

    options = parser(__doc__.splitlines()[0])
    options.add_argument("--baseline", default=BASELINE, help=f"the revision without the hardening (default {BASELINE})")
    options.add_argument("--clients", type=int, default=None, help="clients in the throughput load (default 200)")
    options.add_argument("--only", choices=["attacks", "throughput"], help="run only one part")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    clients = args.clients or (20 if args.quick else 200)
    trees = {"baseline": export(args.baseline), "hardened": ROOT}

    figures: dict[str, dict[str, object]] = {"baseline": {}, "hardened": {}}
    if args.only != "throughput":
        with progress_bar(2, "reliability: attacks") as bar:
            for name, tree in trees.items():
                figures[name] = attacks(tree, args.quick, hardened=name == "hardened")
                bar.update(1)

    def throughput(tree: Path):
        def run() -> float:
            server = ServerProcess("chat", tree)
            try:
                asyncio.run(load("chat", server.port, min(clients, 10), 1, 1, 10, server.cookie))  # warm-up
                return asyncio.run(load("chat", server.port, clients, 2, 1, 60, server.cookie)).rate
            finally:
                server.stop()
        return run

    rates: dict[str, list[float]] = {"baseline": [], "hardened": []}
    if args.only != "attacks":
        with progress_bar(2 * rounds, "reliability: throughput") as bar:
            rates = run_rounds({name: throughput(tree) for name, tree in trees.items()}, rounds, bar)

    labels = list(figures["hardened"])
    if labels:
        width = max(len(label) for label in labels) + 2
        print(f"## Reliability under attack: baseline ({args.baseline}) and hardened, side by side")
        print(f"{machine_note()}; workbench.serve() (uvicorn), in-memory layer, SQLite; attacks once each"
              + (" (--quick: a tenth of the counts)" if args.quick else ""))
        print()
        print(f"{'what':{width}} {'baseline':>22} {'hardened':>22}")
        for label in labels:
            cells = [figures[name].get(label, "—") for name in ("baseline", "hardened")]
            shown = [f"{c:.1f}" if isinstance(c, float) else str(c) for c in cells]
            print(f"{label:{width}} {shown[0]:>22} {shown[1]:>22}")
        print()
    if not rates["hardened"]:
        return
    table = Table(
        "Throughput: ws_load's chat load, with and without the hardening",
        f"{clients} clients in one room, 2 messages each, one broadcast in flight; {rounds} rounds",
    )
    table.add("baseline", rates["baseline"], "delivered/s")
    table.add("hardened", rates["hardened"], "delivered/s")
    table.add_ratio("hardened / baseline", ratios(rates["hardened"], rates["baseline"]))
    table.print()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()  # before importing common.py, which would put this tree ahead of the one to serve
    elif sys.argv[1:2] == ["--flood"]:
        url, origin, cookie, frames, cap = sys.argv[2:]
        print("answered", asyncio.run(send_flood(url, origin, cookie, int(frames), float(cap))), flush=True)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        main(sys.argv[1:])
