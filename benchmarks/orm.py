"""ORM per operation: the sync call, the a-method, and ``asyncio.gather`` of N a-methods.

    python benchmarks/orm.py [--rounds 7] [--quick]

For a read (``.first()`` / ``.afirst()``) and a write (``.update()`` /
``.aupdate()``), on a SQLite file and on PostgreSQL with Django's connection
pool and without it (``?pool=off``), all configured side by side in one
process as database aliases, so every round measures every variant.

* "per operation": the connection stays open, as within one request.
  Every operation is timed on its own; a round reports the median.
* "per request": one query, then the connection is closed, as Django does
  at the end of every request (``CONN_MAX_AGE = 0``). Sync requests run the
  query on the calling thread (WSGI-like); async ones run it inside
  ``ThreadSensitiveContext``, which is what Django's ASGI handler wraps every
  request in: a fresh thread, so a fresh connection (or one from the pool).

PostgreSQL comes from ``$WORKBENCH_TEST_POSTGRES_URL`` or a throw-away server
(installed with apt-get as root when missing); without one its rows are left out.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from common import Table, machine_note, parser, postgres_database, progress_bar, ratios, run_rounds, server_url

BACKEND_TITLES = {
    "sqlite": "SQLite file",
    "pg_pool": "PostgreSQL, Django's pool",
    "pg_plain": "PostgreSQL, no pool (?pool=off)",
}


def configure(urls: dict[str, str]) -> None:
    """Set Django up with one alias per backend and migrate each."""
    from sample_project.config import backends

    os.environ["DJANGO_SETTINGS_MODULE"] = "sample_project.config.settings"
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.DATABASES = {
        "default": backends.database_from_url(urls["sqlite"]),
        **{alias: backends.database_from_url(url) for alias, url in urls.items() if alias != "sqlite"},
    }
    django.setup()
    for alias in urls:
        call_command("migrate", database=_db(alias), interactive=False, verbosity=0)


def _db(alias: str) -> str:
    return "default" if alias == "sqlite" else alias


def seed(alias: str) -> int:
    """100 books; returns the id of the one the write updates."""
    from sample_project.library.models import Book

    Book.objects.using(_db(alias)).bulk_create(Book(title=f"Book {n}", pages=n) for n in range(100))
    return Book.objects.using(_db(alias)).order_by("pk").values_list("pk", flat=True).first()


def operations(alias: str, book_id: int) -> dict[str, tuple[Callable, Callable]]:
    """(sync call, a-method) for the read and the write on one alias."""
    from django.db.models import F

    from sample_project.library.models import Book

    books = Book.objects.using(_db(alias))
    one = books.filter(pk=book_id)
    return {
        "read": (books.first, books.afirst),
        "write": (lambda: one.update(pages=F("pages") + 1), lambda: one.aupdate(pages=F("pages") + 1)),
    }


def per_operation_variants(alias, ops, runner, count, gather_n) -> dict[str, Callable[[], float]]:
    """Seconds per operation, connection kept open: the median of ``count`` timed operations.

    Each operation (each gather of ``gather_n``, divided by ``gather_n``) is
    timed on its own, and the batch reports its median, so a moment when the
    shared machine takes the CPU away costs one sample, not the whole batch.
    """

    def sync(fn):
        def run():
            times = []
            for _ in range(count):
                started = time.perf_counter()
                fn()
                times.append(time.perf_counter() - started)
            return statistics.median(times)
        return run

    def one_by_one(afn):
        async def batch():
            times = []
            for _ in range(count):
                started = time.perf_counter()
                await afn()
                times.append(time.perf_counter() - started)
            return statistics.median(times)

        return lambda: runner.run(batch())

    def gathered(afn):
        async def batch():
            times = []
            for _ in range(count // gather_n):
                started = time.perf_counter()
                await asyncio.gather(*(afn() for _ in range(gather_n)))
                times.append((time.perf_counter() - started) / gather_n)
            return statistics.median(times)

        return lambda: runner.run(batch())

    variants = {}
    for op, (fn, afn) in ops.items():
        variants[f"{alias} {op} sync"] = sync(fn)
        variants[f"{alias} {op} a-method"] = one_by_one(afn)
        variants[f"{alias} {op} gather"] = gathered(afn)
    return variants


def per_request_variants(alias, runner, count) -> dict[str, Callable[[], float]]:
    """Seconds per request of one read, the connection closed at the request's end (median)."""
    from asgiref.sync import ThreadSensitiveContext, sync_to_async
    from django.db import connections

    from sample_project.library.models import Book

    db = _db(alias)
    books = Book.objects.using(db)

    def close() -> None:
        connections[db].close()  # the calling thread's connection: back to the pool, or closed

    def sync_requests():
        times = []
        for _ in range(count):
            started = time.perf_counter()
            books.first()
            close()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    async def async_batch():
        times = []
        for _ in range(count):
            started = time.perf_counter()
            async with ThreadSensitiveContext():  # as Django's ASGIHandler does per request
                await books.afirst()
                await sync_to_async(close)()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return {f"{alias} request sync": sync_requests, f"{alias} request async": lambda: runner.run(async_batch())}


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    count, gather_n, requests = (10, 5, 5) if args.quick else (100, 10, 30)

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-orm-")))
        urls = {"sqlite": f"sqlite:///{folder / 'bench.sqlite3'}"}
        server = stack.enter_context(server_url("postgresql"))
        if server:
            database = stack.enter_context(postgres_database(server))
            urls["pg_pool"] = database
            urls["pg_plain"] = database + "?pool=off"
        configure(urls)
        from django.db import connections

        stack.callback(connections.close_all)
        runner = stack.enter_context(asyncio.Runner())
        variants: dict[str, Callable[[], float]] = {}
        book_ids: dict[str, int] = {}
        for alias in urls:
            # pg_plain shares pg_pool's database, and so the rows seeded there.
            book_ids[alias] = book_ids["pg_pool"] if alias == "pg_plain" else seed(alias)
            variants.update(per_operation_variants(alias, operations(alias, book_ids[alias]), runner, count, gather_n))
            variants.update(per_request_variants(alias, runner, requests))
        with progress_bar(len(variants) * (rounds + 1), "ORM") as bar:
            run_rounds(variants, 1, bar)  # warm-up: connections, caches, the worker thread
            samples = run_rounds(variants, rounds, bar)
        # Close the async side's connections on the thread that opened them.
        from asgiref.sync import sync_to_async

        runner.run(sync_to_async(connections.close_all)())

    print_tables(samples, list(urls), rounds, count, gather_n, requests)


def print_tables(samples, aliases, rounds, count, gather_n, requests) -> None:
    for alias in aliases:
        table = Table(
            f"ORM per operation: {BACKEND_TITLES[alias]}",
            f"{machine_note()}; {rounds} rounds of {count} operations, each timed on its own "
            f"(a round's figure is their median); gather of {gather_n}; connection kept open (as within one request)",
        )
        for op, sync_name, async_name in (("read", ".first()", ".afirst()"), ("write", ".update()", ".aupdate()")):
            sync, one, gathered = (samples[f"{alias} {op} {mode}"] for mode in ("sync", "a-method", "gather"))
            table.add(f"{op}: sync {sync_name}", sync, "µs", 1e6)
            table.add(f"{op}: await {async_name}", one, "µs", 1e6)
            table.add(f"{op}: gather of {gather_n} {async_name}, per query", gathered, "µs", 1e6)
            table.add_ratio(f"{op}: a-method / sync", ratios(one, sync))
            table.add_ratio(f"{op}: gathered / sync", ratios(gathered, sync))
        table.print()

    table = Table(
        "ORM per request: one read, then the connection is closed (CONN_MAX_AGE = 0)",
        f"{rounds} rounds of {requests} requests, each timed on its own (a round's figure is their median); "
        "async = inside ThreadSensitiveContext, as Django's ASGI handler",
    )
    for alias in aliases:
        table.add(f"{BACKEND_TITLES[alias]}: sync request", samples[f"{alias} request sync"], "µs", 1e6)
        table.add(f"{BACKEND_TITLES[alias]}: async request", samples[f"{alias} request async"], "µs", 1e6)
    for alias in aliases:
        table.add_ratio(f"{alias}: async / sync request",
                        ratios(samples[f"{alias} request async"], samples[f"{alias} request sync"]))
    if "pg_plain" in aliases:
        for mode in ("sync", "async"):
            table.add_ratio(f"PostgreSQL {mode} request: no pool / pool",
                            ratios(samples[f"pg_plain request {mode}"], samples[f"pg_pool request {mode}"]))
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
