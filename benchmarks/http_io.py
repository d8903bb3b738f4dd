"""Concurrent external I/O: N calls to a local HTTP endpoint that answers after 50 ms.

    python benchmarks/http_io.py [--rounds 5] [--calls 10 50] [--quick]

The endpoint is ``workbench.local_endpoint()`` (Python's ``http.server`` on
127.0.0.1, a thread per connection, in this process), asked for
``/slow?delay=0.05``. Three ways to make N calls, measured side by side:

* sync, one after another: ``httpx.Client`` in a loop;
* sync in a thread pool: N threads sharing one ``httpx.Client``;
* async: ``httpx.AsyncClient`` and ``asyncio.gather`` on one event loop, with
  the client's kept-alive connections, and with a new client (new connections).

This is where async pays: the waiting overlaps. Ideal figures are N × 50 ms
for the loop and 50 ms for the other two.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from common import Table, machine_note, parser, progress_bar, ratios, run_rounds

DELAY = 0.05


def variants_for(calls: int, url: str, stack: ExitStack, runner: asyncio.Runner) -> dict[str, Callable[[], float]]:
    import httpx

    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
    client = stack.enter_context(httpx.Client(limits=limits))
    pool = stack.enter_context(ThreadPoolExecutor(max_workers=calls, thread_name_prefix="bench-http"))
    async_client = httpx.AsyncClient(limits=limits)
    stack.callback(runner.run, async_client.aclose())

    def get(c: httpx.Client) -> None:
        c.get(url).raise_for_status()

    def sequential() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            get(client)
        return time.perf_counter() - started

    def thread_pool() -> float:
        started = time.perf_counter()
        for future in [pool.submit(get, client) for _ in range(calls)]:
            future.result()
        return time.perf_counter() - started

    async def gathered_calls() -> None:
        responses = await asyncio.gather(*(async_client.get(url) for _ in range(calls)))
        for response in responses:
            response.raise_for_status()

    async def gathered_with_a_new_client() -> None:
        async with httpx.AsyncClient(limits=limits) as fresh:
            responses = await asyncio.gather(*(fresh.get(url) for _ in range(calls)))
        for response in responses:
            response.raise_for_status()

    def on_the_loop(make_coroutine: Callable) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            runner.run(make_coroutine())
            return time.perf_counter() - started
        return run

    return {
        f"{calls} sequential": sequential,
        f"{calls} thread pool": thread_pool,
        f"{calls} gather": on_the_loop(gathered_calls),
        f"{calls} gather fresh": on_the_loop(gathered_with_a_new_client),
    }


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--calls", type=int, nargs="+", default=None, help="values of N (default 10 50)")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    counts = args.calls or ([5] if args.quick else [10, 50])

    import workbench

    with ExitStack() as stack:
        endpoint = stack.enter_context(workbench.local_endpoint())
        url = f"{endpoint.url}/slow?delay={DELAY}"
        runner = stack.enter_context(asyncio.Runner())
        variants: dict[str, Callable[[], float]] = {}
        for calls in counts:
            variants.update(variants_for(calls, url, stack, runner))
        with progress_bar(len(variants) * (rounds + 1), "HTTP I/O") as bar:
            run_rounds(variants, 1, bar)  # warm-up: open the keep-alive connections
            samples = run_rounds(variants, rounds, bar)

    for calls in counts:
        sequential, pool, gathered, fresh = (
            samples[f"{calls} {m}"] for m in ("sequential", "thread pool", "gather", "gather fresh")
        )
        table = Table(
            f"Concurrent external I/O: {calls} calls to a local endpoint with {DELAY * 1000:g} ms latency",
            f"{machine_note()}; {rounds} rounds; ideal: {calls * DELAY * 1000:g} ms one after another, "
            f"{DELAY * 1000:g} ms when they overlap",
        )
        table.add("sync httpx.Client, one after another", sequential, "ms", 1000)
        table.add(f"sync httpx.Client in {calls} threads", pool, "ms", 1000)
        table.add("httpx.AsyncClient + asyncio.gather", gathered, "ms", 1000)
        table.add("the same with a new AsyncClient (new connections)", fresh, "ms", 1000)
        table.add_ratio("one after another / gather", ratios(sequential, gathered))
        table.add_ratio("thread pool / gather", ratios(pool, gathered))
        table.add_ratio("new AsyncClient / kept-alive AsyncClient", ratios(fresh, gathered))
        table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
