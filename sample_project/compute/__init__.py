"""CPU-bound work (lesson 11): a pure-Python job, and a pool of worker processes to run it in.

``crunch(rounds)`` is pure-Python arithmetic: it holds the GIL from its first
round to its last and never awaits. It stops early, between two chunks of
``CHUNK`` rounds, once ``brake`` is set: a lesson sets it to end a long job as
soon as it has seen what it came for. ``brake`` is an event of *this*
process: a worker process has its own, never set, so its jobs run to the end.
``workers()`` is the project's pool of worker processes; ``views`` runs the
job four ways from a view.

This module imports no Django: a worker process started with ``spawn`` (a new
interpreter) imports it to find ``crunch``, and nothing of the caller's code.
A function sent to a process pool must be importable like this one: a
function defined in a notebook cell cannot be found by a spawned worker.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

WORKERS = 2
CHUNK = 100_000

brake = threading.Event()

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def crunch(rounds: int) -> dict[str, int | str]:
    """``rounds`` rounds of integer arithmetic (fewer if ``brake`` is set meanwhile).

    Returns the rounds done, the result, and the process and thread that computed it.
    """
    total = done = 0
    while done < rounds and not brake.is_set():
        for n in range(done, min(done + CHUNK, rounds)):
            total = (total + n * n) % 1_000_003
        done = min(done + CHUNK, rounds)
    return {"rounds": done, "result": total, "pid": os.getpid(), "thread": threading.current_thread().name}


def workers() -> ProcessPoolExecutor:
    """The project's pool of ``WORKERS`` processes, started on first use.

    ``spawn`` starts each worker as a new interpreter: forking a server that
    runs threads can copy a lock another thread holds, and deadlock the child.
    """
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def stop_workers() -> None:
    """Shut the pool's processes down and wait for them; the next ``workers()`` starts new ones."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
