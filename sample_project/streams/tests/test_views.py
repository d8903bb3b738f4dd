"""The slow report and the server-sent ticks: their answers, their refusals, and their clean-up when the client leaves."""

import asyncio
import json

import pytest
from django.contrib.auth.models import User
from django.test import AsyncClient, Client

from sample_project.streams.tracking import in_flight
from sample_project.streams.views import server_sent_event

db = pytest.mark.django_db(transaction=True)


async def wait_for(condition, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def signed_in_client():
    client = AsyncClient()
    await client.aforce_login(await User.objects.acreate_user("ada"))
    return client


def events(body: bytes):
    """The events of a text/event-stream body, each as a dict of its fields."""
    return [dict(line.split(": ", 1) for line in block.splitlines()) for block in body.decode().split("\n\n") if block]


@db
async def test_the_report_is_for_signed_in_users():
    anonymous = await AsyncClient().get("/streams/report/", {"seconds": "0.01"})
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=/streams/report/%3Fseconds%3D0.01"
    client = await signed_in_client()
    response = await client.get("/streams/report/", {"seconds": "0.01"})
    assert response.status_code == 200 and response.json() == {"user": "ada", "waited": 0.01}
    assert [visit.outcome for visit in in_flight.ended("report")] == ["completed"]


@db
async def test_a_bad_query_is_a_400_naming_the_problem_and_post_is_refused():
    client = await signed_in_client()
    cases = {
        "seconds=0": ("seconds", "Input should be greater than 0", "0"),
        "seconds=61": ("seconds", "Input should be less than or equal to 60", "61"),
        "seconds=soon": ("seconds", "Input should be a valid number, unable to parse string as a number", "soon"),
        "secs=1": ("secs", "Extra inputs are not permitted", "1"),
    }
    for query, (field, message, given) in cases.items():
        response = await client.get(f"/streams/report/?{query}")
        assert response.status_code == 400, query
        assert response.json()["problems"] == [{"field": field, "message": message, "input": given}], query
    assert (await client.post("/streams/report/")).status_code == 405
    assert in_flight.ended() == []  # refused before any slot was taken


@db
async def test_a_client_that_leaves_cancels_the_report_and_its_slot_is_given_back(asgi_request):
    client = await signed_in_client()
    request = asgi_request("/streams/report/", "seconds=30", cookie=f"sessionid={client.cookies['sessionid'].value}")
    await request.send_input({"type": "http.request"})
    await wait_for(lambda: in_flight.open("report"))
    await request.send_input({"type": "http.disconnect"})
    await request.wait(timeout=5)  # well before the 30 s: the view was cancelled
    assert in_flight.open() == []
    assert [visit.outcome for visit in in_flight.ended("report")] == ["disconnected"]


async def test_ticks_are_server_sent_events_never_cached():
    response = await AsyncClient().get("/streams/ticks/", {"count": "3", "interval": "0"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/event-stream"
    assert "no-cache" in response["Cache-Control"] and response["X-Accel-Buffering"] == "no"
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert events(body) == [
        {"id": str(n), "event": "tick", "data": json.dumps({"n": n, "of": 3})} for n in (1, 2, 3)
    ]
    assert [visit.outcome for visit in in_flight.ended("ticks")] == ["completed"]


async def test_a_client_that_leaves_a_stream_ends_it(asgi_request):
    request = asgi_request("/streams/ticks/", "count=1000&interval=0.01")
    await request.send_input({"type": "http.request"})
    start = await request.receive_output(timeout=5)
    assert start["type"] == "http.response.start" and start["status"] == 200
    first = await request.receive_output(timeout=5)
    assert events(first["body"])[0]["id"] == "1"
    await request.send_input({"type": "http.disconnect"})
    await request.wait(timeout=5)
    await wait_for(lambda: in_flight.ended("ticks"))
    assert [visit.outcome for visit in in_flight.ended("ticks")] == ["disconnected"]


def test_under_wsgi_the_async_stream_is_read_to_its_end_first_with_a_warning():
    response = Client().get("/streams/ticks/", {"count": "2", "interval": "0"})  # Django's sync handler
    with pytest.warns(Warning, match="must consume asynchronous iterators"):
        body = b"".join(response)
    assert [event["id"] for event in events(body)] == ["1", "2"]


async def test_bad_tick_parameters_are_a_400():
    for query in ("count=0", "count=1001", "interval=-1", "interval=61", "every=1"):
        response = await AsyncClient().get(f"/streams/ticks/?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"] == "invalid query parameters"


def test_an_event_is_its_fields_then_a_blank_line():
    assert server_sent_event("tick", {"n": 1}, event_id=1) == 'id: 1\nevent: tick\ndata: {"n": 1}\n\n'
    assert server_sent_event("hello", "world") == 'event: hello\ndata: "world"\n\n'
