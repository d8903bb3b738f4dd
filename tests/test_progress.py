"""workbench/progress.py: check verdicts reach the workshop server, and nothing in the kernel waits or breaks when it is away."""

import os
import socket
import threading
import time

import pytest

import workbench
from sample_project.progress.models import CheckReport
from sample_project.progress.tokens import learner_token
from workbench import progress
from workbench.environment import PROGRESS_TOKEN_ENV, PROGRESS_URL_ENV
from workbench.services import free_port

pytestmark = pytest.mark.usefixtures("close_orm_worker_connections")


@pytest.fixture
def learner(monkeypatch):
    """``learner(url, name)`` sets the variables a workshop gives a learner's kernel; the reporter closes after."""

    def configure(url, name="ada", token=None):
        monkeypatch.setenv(PROGRESS_URL_ENV, url)
        monkeypatch.setenv(PROGRESS_TOKEN_ENV, token or learner_token(name))
        monkeypatch.setenv("JPY_SESSION_NAME", "/home/ada/exercises/00-getting-started.ipynb")
        return progress.reporter()

    yield configure
    if progress._reporter is not None:
        progress._reporter.close()


def stored(count, timeout=20.0):
    """The stored reports once there are ``count`` (sent is not yet stored: the server writes, then broadcasts)."""
    deadline = time.monotonic() + timeout
    while CheckReport.objects.count() < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return CheckReport.objects.order_by("id")


@pytest.fixture
def live():
    server = workbench.serve()
    yield server
    server.stop()


def test_without_a_workshop_server_nothing_is_reported_or_started(monkeypatch, capsys):
    monkeypatch.delenv(PROGRESS_URL_ENV, raising=False)
    monkeypatch.setenv(PROGRESS_TOKEN_ENV, "ada:whatever")
    threads = threading.active_count()
    assert workbench.check("one is one", 1, expected=1, hint="h")
    assert progress.reporter() is None
    assert threading.active_count() == threads


@pytest.mark.django_db(transaction=True)
def test_each_verdict_reaches_the_server_with_the_hint_and_nothing_of_the_learners(live, learner, capsys):
    reporter = learner(live.url)
    secret_answer = "the learner's secret answer 42"

    assert not workbench.check("counts her three books", lambda: secret_answer, expected=3, hint="use acount()")
    assert workbench.check("returns a title", "Kindred", hint="order by pages")

    assert reporter.flush(20), reporter.status()
    rows = list(stored(2).values_list("learner", "exercise", "check_name", "passed", "hint"))
    assert rows == [
        ("ada", "00-getting-started", "counts her three books", False, "use acount()"),
        ("ada", "00-getting-started", "returns a title", True, ""),
    ]
    # Every text the server stored (ids and timestamps aside: a time may well contain "42").
    texts = CheckReport.objects.values_list("learner", "exercise", "check_name", "hint")
    everything = " ".join(value for row in texts for value in row)
    assert "secret answer" not in everything and "42" not in everything
    assert secret_answer in capsys.readouterr().out  # the learner still sees what was found
    status = reporter.status()
    assert (status.sent, status.queued, status.dropped, status.connected) == (2, 0, 0, True)


@pytest.mark.django_db(transaction=True)
def test_results_wait_while_the_server_is_away_and_go_out_once_it_is_back(learner):
    port = free_port()  # nothing listens there yet
    reporter = learner(f"http://127.0.0.1:{port}")

    result = workbench.check("first check", 1, expected=2, hint="add one")

    assert result.passed is False  # the cell got its verdict while the server was away
    assert not reporter.flush(0.3)
    status = reporter.status()
    assert status.queued == 1 and status.sent == 0
    assert any("cannot reach" in note for note in status.notes), status.notes

    server = workbench.serve(port=port)
    try:
        assert reporter.flush(30), reporter.status()
        assert list(stored(1).values_list("check_name", "passed")) == [("first check", False)]
    finally:
        server.stop()
    assert any("again after" in note for note in reporter.status().notes)


def test_a_server_that_never_answers_delays_no_check(learner):
    # It accepts connections and never completes a handshake: the reporter's
    # thread waits on it; the checks do not.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        reporter = learner(f"http://127.0.0.1:{silent.getsockname()[1]}")
        for number in range(5):
            assert workbench.check(f"check {number}", number, expected=number, hint="h")
        status = reporter.status()
        assert (status.sent, status.queued) == (0, 5)


def test_a_full_queue_drops_the_oldest_results(learner):
    reporter = progress.Reporter(f"http://127.0.0.1:{free_port()}", "ada:x", queue_size=3, retry_delays=(60,))
    try:
        for number in range(10):
            reporter.submit(exercise="e", check=f"check {number}", passed=True)
        status = reporter.status()
        # One result may be in the thread's hands, retrying; the queue keeps the newest.
        assert status.queued <= 4 and status.dropped >= 6 and status.queued + status.dropped == 10
        assert any("queue is full" in note for note in status.notes)
        assert list(reporter._queue.queue)[-1] == progress.result_frame(exercise="e", check="check 9", passed=True)
    finally:
        reporter.close()


@pytest.mark.django_db(transaction=True)
def test_a_token_the_server_refuses_stops_the_reporting(live, learner):
    reporter = learner(live.url, token="ada:not-signed-by-this-server")
    workbench.check("a check", 1, expected=1, hint="h")
    assert reporter.flush(20)
    status = reporter.status()
    assert status.refused and status.dropped == 1 and status.sent == 0
    assert any("refused this notebook's token" in note and "signature does not match" in note for note in status.notes)
    workbench.check("another", 1, expected=1, hint="h")
    assert reporter.status().dropped == 2
    assert CheckReport.objects.count() == 0


def test_a_malformed_url_breaks_no_check(monkeypatch):
    monkeypatch.setenv(PROGRESS_URL_ENV, "not a url")
    monkeypatch.setenv(PROGRESS_TOKEN_ENV, "ada:x")
    with pytest.raises(ValueError, match="is not a server URL"):
        progress.reporter()
    assert workbench.check("still works", 1, expected=1, hint="h")  # report_check swallows it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")
def test_a_forked_child_reports_through_a_reporter_of_its_own(learner):
    parent = learner(f"http://127.0.0.1:{free_port()}")
    parent.submit(exercise="e", check="in the parent", passed=True)  # its thread starts
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only answers with its exit status
        mine = progress.reporter()
        os._exit(0 if mine is not None and mine is not parent and mine._thread is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize(
    "session, expected",
    [("exercises/09-orm-in-async-code.ipynb", "09-orm-in-async-code"), ("Untitled.ipynb", "Untitled"), (None, "unknown")],
)
def test_the_exercise_is_the_notebooks_name(monkeypatch, session, expected):
    if session is None:
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
        monkeypatch.setattr("sys.argv", [""])
    else:
        monkeypatch.setenv("JPY_SESSION_NAME", session)
    assert progress.current_exercise() == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://10.0.0.5:8000", ("ws://10.0.0.5:8000/ws/progress/report/", "http://10.0.0.5:8000")),
        ("https://room.example/workshop/", ("wss://room.example/workshop/ws/progress/report/", "https://room.example")),
    ],
)
def test_the_report_socket_is_found_from_the_servers_url(url, expected):
    assert progress.report_url(url) == expected
    with pytest.raises(ValueError, match="is not a server URL"):
        progress.report_url("10.0.0.5:8000")
