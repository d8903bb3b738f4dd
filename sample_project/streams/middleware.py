"""One middleware written two ways: ``Server-Timing: app;dur=<ms>`` on every response.

Django decides a middleware's mode from two flags on it, ``sync_capable``
(default True) and ``async_capable`` (default False). A plain function
middleware is therefore **sync only**: under ASGI, Django must wrap the async
handler below it with ``async_to_sync`` and run the middleware itself in a
thread, for every request (its ``django.request`` debug log says
"Asynchronous handler adapted for middleware ..." once, when it builds the
chain). ``server_timing`` is the same middleware, sync *and* async: it
returns an ``async def`` when the handler it wraps is async, so an async
stack stays async.

``sync_only_server_timing`` is here to be measured (lesson 04), not copied.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

SyncHandler = Callable[[HttpRequest], HttpResponse]
AsyncHandler = Callable[[HttpRequest], Awaitable[HttpResponse]]


def _stamp(response: HttpResponse, started: float) -> HttpResponse:
    response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def sync_only_server_timing(get_response: SyncHandler) -> SyncHandler:
    """Sync only (Django's default): under ASGI every request switches to a thread and back."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        return _stamp(get_response(request), started)

    return middleware


@sync_and_async_middleware
def server_timing(get_response: SyncHandler | AsyncHandler) -> SyncHandler | AsyncHandler:
    """Sync and async: Django passes an async ``get_response`` under ASGI, a sync one under WSGI."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponse:
            started = time.perf_counter()
            return _stamp(await get_response(request), started)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        return _stamp(get_response(request), started)

    return middleware
