"""The CPU-bound job and its four views: answers, refusals, where the job ran, and what the ping saw."""

import asyncio
import os
import threading

import pytest
from django.test import AsyncClient

from sample_project.compute import crunch, stop_workers, workers
from sample_project.streams.tracking import in_flight


def test_crunch_says_what_it_computed_and_where():
    answer = crunch(1000)
    assert answer == {"rounds": 1000, "result": 832504, "pid": os.getpid(), "thread": threading.current_thread().name}


@pytest.mark.parametrize("view", ["on-loop", "in-thread", "in-process", "sync"])
async def test_each_view_answers_the_same_result_and_gives_its_slot_back(view):
    in_flight.forget()
    response = await AsyncClient().get(f"/compute/{view}/", {"rounds": "1000"})
    assert response.status_code == 200
    answer = response.json()
    assert (answer["rounds"], answer["result"]) == (1000, 832504)
    assert (answer["pid"] == os.getpid()) is (view != "in-process")
    on_this_thread = answer["pid"] == os.getpid() and answer["thread"] == threading.current_thread().name
    assert on_this_thread is (view == "on-loop")
    assert in_flight.open() == [] and [visit.outcome for visit in in_flight.ended("crunch")] == ["completed"]


@pytest.mark.parametrize("rounds", ["0", "-1", "20000001", "1e6", "²", "9" * 5000, ""])
async def test_a_bad_number_of_rounds_is_a_400_before_any_work(rounds):
    in_flight.forget()
    response = await AsyncClient().get("/compute/in-thread/", {"rounds": rounds})
    assert response.status_code == 400 and response.json()["input"] == rounds
    assert in_flight.ended() == []


async def test_the_ping_counts_the_jobs_running_and_post_is_refused():
    client = AsyncClient()
    assert (await client.get("/compute/ping/")).json() == {"pong": True, "jobs_running": 0}
    visit = in_flight.start("crunch")
    try:
        assert (await client.get("/compute/ping/")).json() == {"pong": True, "jobs_running": 1}
    finally:
        in_flight.end(visit)
    assert (await client.post("/compute/ping/")).status_code == 405


async def test_the_pool_is_started_once_and_can_be_stopped_and_started_again():
    first = workers()
    assert workers() is first
    loop = asyncio.get_running_loop()
    assert (await loop.run_in_executor(first, crunch, 10))["pid"] != os.getpid()
    stop_workers()
    stop_workers()  # idempotent
    second = workers()
    assert second is not first
    assert (await loop.run_in_executor(second, crunch, 10))["result"] == sum(n * n for n in range(10))
    stop_workers()


def test_the_brake_stops_a_job_between_two_chunks():
    from sample_project.compute import CHUNK, brake

    brake.set()
    try:
        assert crunch(10 * CHUNK)["rounds"] == 0
    finally:
        brake.clear()
    total = 0
    for n in range(CHUNK + 5):  # the same arithmetic in one loop: chunks change nothing
        total = (total + n * n) % 1_000_003
    assert crunch(CHUNK + 5) == {**crunch(0), "rounds": CHUNK + 5, "result": total}
