"""Live progress for a room: results per second, and p99 from a learner's check to the staff grid.

    python benchmarks/progress.py [--rounds 3] [--learners 200] [--results 10] [--quick]

Each variant is ``workbench serve`` in a process of its own (uvicorn worker
processes, ``RedisChannelLayer``, PostgreSQL, all started here on loopback
with ``start_postgres()`` / ``start_redis()``); this process is the room:

* ``--learners`` simulated learners, each with a report socket of its own,
  saying hello with its token and sending the frames ``workbench/progress.py``
  sends (``result_frame``), ``--results`` each, one after another: the next as
  soon as the grid has shown the previous one (a closed loop, all learners at
  once);
* one staff grid (``ws/progress/room/``, signed in as a staff user through the
  login page), on whichever worker the kernel gives it; a learner's results
  reach it through Redis whenever they landed on the other worker.

Latency is a learner's send → the grid's receipt (one clock: every socket is
in this process); results per second is all results over first send → last
receipt. Variants: 2 workers and 1 worker, in rounds (see common.py). The
client and the server share the machine's cores.
"""

from __future__ import annotations

import asyncio
import json
import os
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
STAFF, PASSWORD = "bench-staff", "a-long-benchmark-password-1"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

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


async def room(server: WorkshopProcess, learners: int, results: int, key: str) -> Run:
    import websockets

    from sample_project.progress.tokens import learner_token

    grid = await websockets.connect(server.ws_url("/ws/progress/room/"), origin=server.url, max_queue=None,
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
    run = Run()

    async def watch():
        async for text in grid:
            data = json.loads(text)["data"]
            future = shown.get((data["learner"], data["check"]))
            if future is not None and not future.done():
                future.set_result(time.perf_counter())

    async def learn(name: str, socket) -> None:
        for number in range(results):
            check = f"check {number}"
            shown[(name, check)] = asyncio.get_running_loop().create_future()
            sent = time.perf_counter()
            await socket.send(result_frame(exercise="00-getting-started", check=check, passed=number % 2 == 1,
                                           hint="" if number % 2 else "filter on author__name"))
            run.latencies.append(await asyncio.wait_for(shown[(name, check)], 60) - sent)

    watcher = asyncio.create_task(watch())
    started = time.perf_counter()
    await asyncio.gather(*(learn(name, socket) for name, socket in zip(names, sockets, strict=True)))
    run.elapsed = time.perf_counter() - started
    watcher.cancel()
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

    runs: dict[str, list[Run]] = {name: [] for name in VARIANTS}
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
                        run = asyncio.run(room(server, learners, results, key))
                    server.log_path.unlink(missing_ok=True)
                runs[name].append(run)
                return run.rate

            return measure

        with progress_bar(len(VARIANTS) * rounds, "live progress") as bar:
            run_rounds({name: variant(name) for name in VARIANTS}, rounds, bar)

    table = Table(
        "Live progress: a room's check results to the staff grid (workbench serve, PostgreSQL + Redis)",
        f"{machine_note()}; {rounds} rounds; {learners} simulated learners × {results} results each, "
        "each sent once the grid showed the one before; one staff grid; client and server on one machine",
    )
    for name in VARIANTS:
        table.add(f"{name}: results shown on the grid", [run.rate for run in runs[name]], "results/s")
        table.add(f"{name}: check → grid p50", [run.percentile(0.5) for run in runs[name]], "ms", 1000)
        table.add(f"{name}: check → grid p99", [run.percentile(0.99) for run in runs[name]], "ms", 1000)
    two, one = VARIANTS
    table.add_ratio("results/s: 2 workers / 1 worker", ratios([r.rate for r in runs[two]], [r.rate for r in runs[one]]))
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
