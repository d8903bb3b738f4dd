"""Two long-lived async views, each cleaned up however it ends.

* ``report``: a slow answer for signed-in users (``login_required`` accepts
  async views since Django 5.1). Its ``await`` stands for a slow upstream call.
* ``ticks``: server-sent events (``text/event-stream``) from a
  ``StreamingHttpResponse`` fed by an async generator.

Under ASGI, when the client goes away Django 5.0+ cancels the task running
the view (or, for a stream, the one sending it): ``asyncio.CancelledError``
is raised at the ``await`` the code is waiting on. Note it, clean up in
``finally``, and re-raise it: a cancelled task must end cancelled.
Under WSGI nothing is cancelled: the view runs to its end for nobody, and an
async iterator is read to its end before the first byte is sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sample_project.contracts import validation_problems

from .tracking import DISCONNECTED, in_flight

MAX_SECONDS = 60.0
Q = TypeVar("Q", bound=BaseModel)


class ReportQuery(BaseModel):
    """``?seconds=``: how long the report's upstream call takes (more than 0, at most 60)."""

    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(default=1.0, gt=0, le=MAX_SECONDS)


class TicksQuery(BaseModel):
    """``?count=`` events (1-1000), ``?interval=`` seconds apart (0-60)."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=10, ge=1, le=1000)
    interval: float = Field(default=1.0, ge=0, le=MAX_SECONDS)


def _query(request: HttpRequest, model: type[Q]) -> Q | JsonResponse:
    # A repeated parameter (?count=1&count=2) arrives as a list, which fails validation.
    query = {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}
    try:
        return model.model_validate(query)
    except ValidationError as error:
        return JsonResponse({"error": "invalid query parameters", "problems": validation_problems(error)}, status=400)


@require_GET
@login_required
async def report(request: HttpRequest) -> HttpResponse:
    """``GET /streams/report/?seconds=``: wait for a slow upstream, then answer ``{"user", "waited"}``."""
    query = _query(request, ReportQuery)
    if isinstance(query, JsonResponse):
        return query
    user = await request.auser()
    visit = in_flight.start("report")
    try:
        await asyncio.sleep(query.seconds)  # stands for a slow upstream call (an API, a big query)
    except asyncio.CancelledError:
        visit.outcome = DISCONNECTED  # the client went away: Django cancelled this view
        raise  # let the cancellation finish; never swallow it
    finally:
        in_flight.end(visit)  # runs however the view ends: the slot is given back
    return JsonResponse({"user": user.get_username(), "waited": query.seconds})


def server_sent_event(event: str, data: object, *, event_id: int | None = None) -> str:
    """One event of the ``text/event-stream`` format: its fields, then a blank line."""
    lines = [] if event_id is None else [f"id: {event_id}"]
    lines += [f"event: {event}", f"data: {json.dumps(data)}"]
    return "\n".join(lines) + "\n\n"


async def _ticks(count: int, interval: float) -> AsyncIterator[str]:
    visit = in_flight.start("ticks")
    try:
        for n in range(1, count + 1):
            yield server_sent_event("tick", {"n": n, "of": count}, event_id=n)
            if n < count:
                await asyncio.sleep(interval)
    except asyncio.CancelledError:
        visit.outcome = DISCONNECTED
        raise
    finally:
        in_flight.end(visit)


@require_GET
@never_cache
async def ticks(request: HttpRequest) -> HttpResponse:
    """``GET /streams/ticks/?count=&interval=``: ``count`` events named ``tick``, ``interval`` s apart.

    The body is produced while it is sent: under ASGI each event leaves as
    soon as it is yielded. ``never_cache`` keeps caches from storing the
    stream; ``X-Accel-Buffering: no`` asks nginx not to buffer it.
    """
    query = _query(request, TicksQuery)
    if isinstance(query, JsonResponse):
        return query
    response = StreamingHttpResponse(_ticks(query.count, query.interval), content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"
    return response
