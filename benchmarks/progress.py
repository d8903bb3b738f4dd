"""Live progress for a room: results per second, and p99 from a learner's check to the staff grid.

    python benchmarks/progress.py [--rounds 3] [--learners 200] [--results 10] [--quick]

Each variant is ``workbench serve`` in a process of its own (uvicorn worker
processes, ``RedisChannelLayer``, PostgreSQL, all started here on loopback
with ``start_postgres()`` / ``start_redis()``); this process is the room:

* ``--learners`` simulated learners, each with a report socket of its own,
  saying hello with its token and sending the frames ``workbench/progress.py``
  sends (``result_frame``), ``--results`` each, one after another, the next
  once the grid has shown the previous one: **at once** (no pause: how many
  results per second the grid can show) and **paced** (5 each, a random pause
  of 0–20 s before each, as learners think between checks: the latency a room
  sees);
* one staff grid (``ws/progress/room/``, signed in as a staff user through the
  login page), on whichever worker the kernel gives it; a learner's results
  reach it through Redis whenever they landed on the other worker.

Latency is a learner's send → the grid's receipt (one clock: every socket is
in this process); results per second is all results over first send → last
receipt. The grid does what the staff page does when a report id is missing
(the layer dropped it): asks for a new snapshot; results it saw only that way
are counted. Variants: 2 workers and 1 worker, in rounds (see common.py). The
client (200 sockets in one Python process) and the server share the
machine's cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field

from common import Table, machine_note, parser, postgres_database, progress_bar, ratios, run_rounds, server_url

from workbench.progress import hello_frame, result_frame
from workbench.tooling.workshop_process import WorkshopProcess

VARIANTS = {"2 workers": 2, "1 worker": 1}
PACE = 10.0  # seconds a paced learner thinks between checks, on average
PACED_RESULTS = 5  # each, paced
STAFF, PASSWORD = "bench-staff", "a-long-benchmark-password-1"
REFRESH_AFTER = 5.0  # seconds, as the staff page waits before asking for a new snapshot


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    dropped: int = 0  # results whose broadcast never reached the grid (a snapshot showed them)
    refreshes: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def staff_cookie(server: WorkshopProcess) -> str:
    """Sign the staff user in through the login page, as a browser does; the session cookie."""
    import httpx

    with httpx.Client(base_url=server.url, timeout=30) as client:
        page = client.get("/progress/login/")
        token = page.cookies["csrftoken"]
        client.post("/progress/login/", data={"username": STAFF, "password": PASSWORD, "csrfmiddlewaretoken": token},
                    headers={"Referer": server.url + "/progress/login/"})
        return f"sessionid={client.cookies['sessionid']}"


async def room(server: WorkshopProcess, learners: int, results: int, key: str, pace: float) -> Run:
    """One run: ``learners`` report sockets, ``results`` each; ``pace`` seconds of thinking on average before each (0: none)."""
    import websockets

    from sample_project.progress.tokens import learner_token

    grid = await websockets.connect(server.ws_url("/ws/progress/room/"), origin=server.url, max_queue=None, max_size=None,
                                    additional_headers={"Cookie": staff_cookie(server)}, compression=None)
    snapshot = json.loads(await grid.recv())
    assert snapshot["type"] == "progress.snapshot", snapshot
    slots = asyncio.Semaphore(50)

    async def join(name: str):
        async with slots:
            socket = await websockets.connect(server.ws_url("/ws/progress/report/"), origin=server.url, compression=None)
            await socket.send(hello_frame(learner_token(name, key=key)))
            assert json.loads(await socket.recv())["type"] == "progress.welcome"
            return socket

    names = [f"learner-{number:03d}" for number in range(learners)]
    sockets = await asyncio.gather(*(join(name) for name in names))
    shown: dict[tuple[str, str], asyncio.Future[float]] = {}
    broadcast: set[tuple[str, str]] = set()  # results whose own report frame reached the grid
    run = Run()
    last = [time.perf_counter()]  # when the grid last received a report

    async def watch():
        # As the staff page does: a report id that has not come REFRESH_AFTER seconds after a
        # later one was dropped by the channel layer (at most once), so ask for a new snapshot.
        newest, missing = 0, {}
        asking = False
        async for text in grid:
            frame = json.loads(text)
            now = time.perf_counter()
            if frame["type"] == "progress.snapshot":
                asking = False
                for data in frame["data"]["cells"]:
                    future = shown.get((data["learner"], data["check"]))
                    if future is not None and not future.done():
                        future.set_result(now)
                    newest = max(newest, data["id"])
                missing.clear()
                continue
            last[0] = now
            for data in frame["data"]["reports"]:
                broadcast.add((data["learner"], data["check"]))
                future = shown.get((data["learner"], data["check"]))
                if future is not None and not future.done():
                    future.set_result(now)
                missing.update(dict.fromkeys(range(newest + 1, data["id"]), now))
                missing.pop(data["id"], None)
                newest = max(newest, data["id"])
            if not asking and any(now - since > REFRESH_AFTER for since in missing.values()):
                asking = True
                run.refreshes += 1
                await grid.send(json.dumps({"type": "progress.refresh"}))

    async def nudge():
        # A report dropped when every other learner is waiting too has no later report to
        # reveal its gap: after REFRESH_AFTER seconds without any report, ask anyway.
        while True:
            await asyncio.sleep(REFRESH_AFTER / 4)
            if time.perf_counter() - last[0] > REFRESH_AFTER and any(not f.done() for f in shown.values()):
                last[0] = time.perf_counter()
                run.refreshes += 1
                await grid.send(json.dumps({"type": "progress.refresh"}))

    async def learn(name: str, socket) -> None:
        for number in range(results):
            check = f"check {number} at pace {pace:g}"  # not the same cell as another run's
            if pace:
                await asyncio.sleep(random.uniform(0, 2 * pace))
            shown[(name, check)] = asyncio.get_running_loop().create_future()
            sent = time.perf_counter()
            await socket.send(result_frame(exercise="00-getting-started", check=check, passed=number % 2 == 1,
                                           hint="" if number % 2 else "filter on author__name"))
            run.latencies.append(await asyncio.wait_for(shown[(name, check)], 60) - sent)

    watcher, nudger = asyncio.create_task(watch()), asyncio.create_task(nudge())
    started = time.perf_counter()
    await asyncio.gather(*(learn(name, socket) for name, socket in zip(names, sockets, strict=True)))
    run.elapsed = time.perf_counter() - started
    for _ in range(int(REFRESH_AFTER * 10)):  # stragglers: a result a snapshot showed first may still be on its way
        if broadcast >= set(shown):
            break
        await asyncio.sleep(0.1)
    run.dropped = len(set(shown) - broadcast)
    watcher.cancel()
    nudger.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), grid.close())
    return run


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--learners", type=int, default=None, help="simulated learners (default 200)")
    options.add_argument("--results", type=int, default=None, help="results each learner sends (default 10)")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    learners = args.learners or (10 if args.quick else 200)
    results = args.results or (2 if args.quick else 10)
    # One key for the servers and the tokens made here (the servers inherit the environment).
    key = os.environ["DJANGO_SECRET_KEY"] = f"benchmark-{secrets.token_hex(24)}"

    pace = 0.5 if args.quick else PACE
    paced_results = results if args.quick else PACED_RESULTS
    modes = {"at once": 0.0, f"paced ({pace:g} s)": pace}
    runs: dict[tuple[str, str], list[Run]] = {(name, mode): [] for name in VARIANTS for mode in modes}
    with ExitStack() as stack:
        postgres = stack.enter_context(server_url("postgresql"))
        redis = stack.enter_context(server_url("redis"))
        if not (postgres and redis):
            sys.exit("progress: needs PostgreSQL and Redis (see the note above).")

        def variant(name: str):
            def measure() -> float:
                with postgres_database(postgres) as database:
                    layer = f"{redis}?prefix=bench_{uuid.uuid4().hex[:8]}"
                    with WorkshopProcess(workers=VARIANTS[name], database=database, channel_layer=layer) as server:
                        server.create_staff_user(STAFF, PASSWORD)
                        asyncio.run(room(server, min(learners, 20), 1, key, 0.0))  # warm-up: connections, imports
                        for mode in modes:
                            count = results if not modes[mode] else paced_results
                            runs[(name, mode)].append(asyncio.run(room(server, learners, count, key, modes[mode])))
                    server.log_path.unlink(missing_ok=True)
                return runs[(name, "at once")][-1].rate

            return measure

        with progress_bar(len(VARIANTS) * rounds, "live progress") as bar:
            run_rounds({name: variant(name) for name in VARIANTS}, rounds, bar)

    table = Table(
        "Live progress: a room's check results to the staff grid (workbench serve, PostgreSQL + Redis)",
        f"{machine_note()}; {rounds} rounds; {learners} simulated learners, each sending its results one after "
        f"another, the next once the grid showed the one before: at once ({results} each, no pause: the most the "
        f"server shows per second) or paced ({paced_results} each, a random 0–{2 * pace:g} s pause before each, as "
        "learners think between checks); one staff grid; client and server on one machine",
    )
    for name in VARIANTS:
        for mode in modes:
            measured = runs[(name, mode)]
            table.add(f"{name}, {mode}: results shown on the grid", [run.rate for run in measured], "results/s")
            table.add(f"{name}, {mode}: check → grid p50", [run.percentile(0.5) for run in measured], "ms", 1000)
            table.add(f"{name}, {mode}: check → grid p99", [run.percentile(0.99) for run in measured], "ms", 1000)
            table.add(f"{name}, {mode}: dropped by the layer (shown by a refresh)", [run.dropped for run in measured],
                      "results")
            table.add(f"{name}, {mode}: refreshes the grid asked for", [run.refreshes for run in measured], "")
    two, one = VARIANTS
    for mode in modes:
        table.add_ratio(f"{mode}, results/s: 2 workers / 1 worker",
                        ratios([r.rate for r in runs[(two, mode)]], [r.rate for r in runs[(one, mode)]]))
    table.add_ratio("2 workers, p99: paced / at once",
                    ratios([r.percentile(0.99) for r in runs[(two, f"paced ({pace:g} s)")]],
                           [r.percentile(0.99) for r in runs[(two, "at once")]]))
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
