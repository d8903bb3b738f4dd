"""The views of lesson 11: one CPU-bound job (``crunch``) run four ways, and a ping to see who waits.

* ``on_loop``: an ``async def`` that calls ``crunch`` directly. It runs on the
  server's event loop, which does nothing else until it returns.
* ``in_thread``: an ``async def`` that awaits
  ``sync_to_async(crunch, thread_sensitive=False)``: a thread of the loop's
  pool runs it; the loop stays free, the GIL is still shared.
* ``in_process``: an ``async def`` that awaits ``loop.run_in_executor`` on the
  project's pool of worker processes: another interpreter, a GIL of its own.
* ``sync_view``: a plain ``def``. Under ASGI Django runs it in a thread (the
  request's own), as it runs every sync view.

``ping`` answers at once, and says how many jobs were running when it
answered. Each job view holds a ``Visit`` named ``"crunch"`` in
``sample_project.streams.tracking.in_flight`` while its job runs. ``rounds``
is bounded: an unbounded loop a client can ask for is a denial of service.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from sample_project.streams.tracking import in_flight

from . import crunch, workers

MAX_ROUNDS = 20_000_000


def _rounds(request: HttpRequest) -> int | JsonResponse:
    raw = request.GET.get("rounds", "1000")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= MAX_ROUNDS):
        return JsonResponse({"error": f"rounds must be a whole number from 1 to {MAX_ROUNDS}", "input": raw}, status=400)
    return int(raw)


@require_GET
async def ping(request: HttpRequest) -> JsonResponse:
    """``GET /compute/ping/``: ``{"pong": true, "jobs_running": n}``, at once."""
    return JsonResponse({"pong": True, "jobs_running": len(in_flight.open("crunch"))})


@require_GET
async def on_loop(request: HttpRequest) -> JsonResponse:
    """``GET /compute/on-loop/?rounds=``: the job on the event loop (what not to do)."""
    rounds = _rounds(request)
    if isinstance(rounds, JsonResponse):
        return rounds
    visit = in_flight.start("crunch")
    try:
        answer = crunch(rounds)  # no await: nothing else runs on this loop until it returns
    finally:
        in_flight.end(visit)
    return JsonResponse(answer)


@require_GET
async def in_thread(request: HttpRequest) -> JsonResponse:
    """``GET /compute/in-thread/?rounds=``: the job on a thread of the loop's pool."""
    rounds = _rounds(request)
    if isinstance(rounds, JsonResponse):
        return rounds
    visit = in_flight.start("crunch")
    try:
        # No ORM in crunch, so any thread may run it: not the request's own (thread_sensitive=True).
        answer = await sync_to_async(crunch, thread_sensitive=False)(rounds)
    finally:
        in_flight.end(visit)
    return JsonResponse(answer)


@require_GET
async def in_process(request: HttpRequest) -> JsonResponse:
    """``GET /compute/in-process/?rounds=``: the job in a worker process."""
    rounds = _rounds(request)
    if isinstance(rounds, JsonResponse):
        return rounds
    visit = in_flight.start("crunch")
    try:
        answer = await asyncio.get_running_loop().run_in_executor(workers(), crunch, rounds)
    finally:
        in_flight.end(visit)
    return JsonResponse(answer)


@require_GET
def sync_view(request: HttpRequest) -> JsonResponse:
    """``GET /compute/sync/?rounds=``: a plain ``def`` view; under ASGI Django runs it in a thread."""
    rounds = _rounds(request)
    if isinstance(rounds, JsonResponse):
        return rounds
    visit = in_flight.start("crunch")
    try:
        answer = crunch(rounds)
    finally:
        in_flight.end(visit)
    return JsonResponse(answer)


urlpatterns = [
    path("compute/ping/", ping, name="compute-ping"),
    path("compute/on-loop/", on_loop, name="compute-on-loop"),
    path("compute/in-thread/", in_thread, name="compute-in-thread"),
    path("compute/in-process/", in_process, name="compute-in-process"),
    path("compute/sync/", sync_view, name="compute-sync"),
]
