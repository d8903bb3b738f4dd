"""``in_flight``: the long requests open now, and how each ended."""

import threading

from sample_project.streams.tracking import COMPLETED, DISCONNECTED, OPEN, InFlight


def test_a_visit_is_open_until_it_ends_then_kept_in_the_history():
    record = InFlight()
    visit = record.start("report")
    assert (visit.view, visit.thread, visit.outcome) == ("report", threading.current_thread().name, OPEN)
    assert record.open() == [visit] and record.ended() == []
    record.end(visit)
    record.end(visit)  # idempotent: ended once
    assert visit.outcome == COMPLETED
    assert record.open() == [] and record.ended() == [visit]


def test_an_outcome_set_before_the_end_is_kept():
    record = InFlight()
    visit = record.start("ticks")
    visit.outcome = DISCONNECTED
    record.end(visit)
    assert [v.outcome for v in record.ended("ticks")] == [DISCONNECTED]


def test_views_are_told_apart_and_the_history_is_bounded():
    record = InFlight(history=3)
    reports = [record.start("report") for _ in range(4)]
    ticks = record.start("ticks")
    assert record.open("ticks") == [ticks] and len(record.open("report")) == 4
    for visit in reports:
        record.end(visit)
    assert record.ended("report") == reports[1:]  # the oldest fell out
    record.forget()
    assert record.ended() == [] and record.open() == [ticks]


def test_many_threads_at_once():
    record = InFlight(history=1000)

    def visit_many():
        for _ in range(100):
            record.end(record.start("report"))

    threads = [threading.Thread(target=visit_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert record.open() == [] and len(record.ended()) == 800
