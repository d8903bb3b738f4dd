"""The progress sockets through the project's full ASGI stack, in-process (in-memory layer, test database)."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import AsyncClient

from sample_project.config.asgi import application
from sample_project.progress import protocol
from sample_project.progress.models import CheckReport
from sample_project.progress.tokens import learner_token

pytestmark = pytest.mark.django_db(transaction=True)

HOST = (b"host", b"localhost")
ORIGIN = (b"origin", b"http://localhost")


def result(check="counts her three books", passed=False, hint="use acount()", exercise="00-getting-started"):
    return {"type": "progress.result", "data": {"exercise": exercise, "check": check, "passed": passed, "hint": hint}}


def hello(name):
    return {"type": "progress.hello", "data": {"token": learner_token(name)}}


@pytest.fixture
async def connect():
    opened = []

    async def open_socket(path, *, user=None):
        headers = [HOST, ORIGIN]
        if user is not None:
            client = AsyncClient()
            await client.aforce_login(user)
            headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        if not communicator.future.done():
            await communicator.disconnect()


async def reporting(connect, name):
    socket = await connect("/ws/progress/report/")
    await socket.send_json_to(hello(name))
    assert await socket.receive_json_from() == {"type": "progress.welcome", "data": {"learner": name}}
    return socket


async def staff_grid(connect):
    staff = await User.objects.acreate_user("teacher", is_staff=True)
    grid = await connect("/ws/progress/room/", user=staff)
    return grid, await grid.receive_json_from()


async def test_a_result_is_stored_and_reaches_the_staff_grid_and_only_that_learners_page(connect):
    grid, snapshot = await staff_grid(connect)
    assert snapshot == {"type": "progress.snapshot", "data": {"cells": [], "hints": []}}
    ada_page = await connect("/ws/progress/mine/")
    await ada_page.send_json_to(hello("ada"))
    await ada_page.receive_json_from()  # welcome
    assert (await ada_page.receive_json_from())["data"] == {"cells": [], "hints": []}
    bob_page = await connect("/ws/progress/mine/")
    await bob_page.send_json_to(hello("bob"))
    await bob_page.receive_json_from()
    await bob_page.receive_json_from()

    ada = await reporting(connect, "ada")
    await ada.send_json_to(result())

    on_the_grid = await grid.receive_json_from()
    stored = await CheckReport.objects.aget()
    data = {
        "id": stored.id, "learner": "ada", "exercise": "00-getting-started", "check": "counts her three books",
        "passed": False, "hint": "use acount()", "received": stored.received.isoformat(),
    }
    assert on_the_grid == {"type": "progress.reports", "data": {"reports": [data]}}
    assert await ada_page.receive_json_from() == {"type": "progress.report", "data": data}
    assert await bob_page.receive_nothing()
    assert await ada.receive_nothing()  # a notebook is sent nothing back but errors


async def test_the_snapshot_holds_each_cells_latest_verdict_its_attempts_and_the_last_hint_seen(connect):
    ada = await reporting(connect, "ada")
    for frame in [result(hint="first hint"), result(passed=True), result("another check", hint="second hint"),
                  result("another check", passed=True)]:
        await ada.send_json_to(frame)
    bob = await reporting(connect, "bob")
    await bob.send_json_to(result(hint="bob's hint"))
    for _ in range(100):
        if await CheckReport.objects.acount() == 5:
            break
        await bob.receive_nothing(0.05)

    _grid, snapshot = await staff_grid(connect)
    cells = {(c["learner"], c["check"]): (c["passed"], c["attempts"]) for c in snapshot["data"]["cells"]}
    assert cells == {
        ("ada", "counts her three books"): (True, 2),
        ("ada", "another check"): (True, 2),
        ("bob", "counts her three books"): (False, 1),
    }
    hints = {h["learner"]: h["hint"] for h in snapshot["data"]["hints"]}
    assert hints == {"ada": "second hint", "bob": "bob's hint"}  # ada passed since, but saw it last

    ada_page = await connect("/ws/progress/mine/")
    await ada_page.send_json_to(hello("ada"))
    await ada_page.receive_json_from()
    own = (await ada_page.receive_json_from())["data"]
    assert {c["learner"] for c in own["cells"]} == {"ada"} and len(own["cells"]) == 2
    assert [h["hint"] for h in own["hints"]] == ["second hint"]


async def test_a_passed_check_carries_no_hint(connect):
    ada = await reporting(connect, "ada")
    await ada.send_json_to(result(passed=True, hint="should not be kept"))
    await ada.receive_nothing(0.2)
    assert (await CheckReport.objects.aget()).hint == ""


@pytest.mark.parametrize(
    "first, detail",
    [
        (result(), "say who you are first"),
        ({"type": "progress.hello", "data": {}}, "data.token: Field required"),
        ({"type": "progress.hello", "data": {"token": "ada:forged"}}, "signature does not match"),
    ],
    ids=["a result before hello", "no token", "a forged token"],
)
@pytest.mark.parametrize("path", ["/ws/progress/report/", "/ws/progress/mine/"])
async def test_a_socket_without_a_valid_token_is_told_why_and_closed(connect, path, first, detail):
    socket = await connect(path)
    await socket.send_json_to(first)
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["data"]["code"] == protocol.NOT_AUTHENTICATED
    assert detail in error["data"]["detail"]
    assert (await socket.receive_output())["code"] == protocol.CLOSE_NOT_AUTHENTICATED
    assert await CheckReport.objects.acount() == 0


@pytest.mark.parametrize(
    "frame, detail",
    [
        ({"type": "progress.result", "data": {"exercise": "x", "check": "y"}}, "data.passed: Field required"),
        ({"type": "progress.result", "data": {**result()["data"], "found": "the learner's output"}},
         "data.found: Extra inputs are not permitted"),
        ({"type": "progress.result", "data": {**result()["data"], "check": "c" * 301}}, "at most 300 characters"),
        ({"type": "progress.result", "data": {**result()["data"], "hint": "nul\x00"}}, "NUL"),
        ({"type": "shout"}, "unknown message type 'shout'"),
    ],
    ids=["no verdict", "anything more than the verdict", "a long check", "NUL", "another type"],
)
async def test_a_bad_result_is_answered_with_an_error_and_the_socket_stays_open(connect, frame, detail):
    ada = await reporting(connect, "ada")
    await ada.send_json_to(frame)
    error = await ada.receive_json_from()
    assert error["type"] == "error" and detail in error["data"]["detail"]
    await ada.send_json_to(result())
    assert await ada.receive_nothing(0.3)
    assert await CheckReport.objects.acount() == 1


async def test_thirty_learners_at_once_all_reach_the_grid(connect):
    grid, _ = await staff_grid(connect)
    learners = [await reporting(connect, f"learner{number}") for number in range(30)]
    for socket in learners:
        await socket.send_json_to(result())
    seen = []
    while len(seen) < 30:
        frame = await grid.receive_json_from(timeout=5)
        assert frame["type"] == "progress.reports"
        seen += [report["learner"] for report in frame["data"]["reports"]]
    assert sorted(seen) == sorted(f"learner{number}" for number in range(30))


async def test_reports_added_while_a_batch_is_on_its_way_go_together():
    from channels.layers import get_channel_layer

    from sample_project.progress.consumers import PROGRESS_FRAME, StaffBroadcast
    from sample_project.progress.groups import STAFF_GROUP

    layer = get_channel_layer()
    grid = await layer.new_channel()
    await layer.group_add(STAFF_GROUP, grid)
    broadcast = StaffBroadcast()
    broadcast.add(layer, {"id": 1})  # its send starts on the loop's next turn...
    for number in range(2, 31):
        broadcast.add(layer, {"id": number})  # ...so these join it
    await broadcast.sending
    message = await layer.receive(grid)
    assert message["type"] == PROGRESS_FRAME
    assert [report["id"] for report in json.loads(message["text"])["data"]["reports"]] == list(range(1, 31))
    broadcast.add(layer, {"id": 31})
    await broadcast.sending
    assert json.loads((await layer.receive(grid))["text"])["data"]["reports"] == [{"id": 31}]
    await layer.group_discard(STAFF_GROUP, grid)


async def test_the_grid_asks_for_a_new_snapshot_when_a_report_went_missing(connect):
    grid, _ = await staff_grid(connect)
    # Stored but never broadcast, as when the channel layer drops a message (it delivers at most once).
    await CheckReport.objects.acreate(learner="ada", exercise="e", check_name="dropped", passed=False, hint="h")
    await grid.send_json_to({"type": "progress.refresh"})
    snapshot = await grid.receive_json_from()
    assert snapshot["type"] == "progress.snapshot"
    assert [cell["check"] for cell in snapshot["data"]["cells"]] == ["dropped"]
    await grid.send_json_to({"type": "progress.result", "data": {}})
    error = await grid.receive_json_from()
    assert error["data"]["code"] == protocol.NOT_ACCEPTED and "progress.refresh" in error["data"]["detail"]


@pytest.mark.parametrize("who", ["anonymous", "a learner without staff status"])
async def test_the_room_grid_is_for_staff_only(connect, who):
    user = None if who == "anonymous" else await User.objects.acreate_user("ada")
    grid = await connect("/ws/progress/room/", user=user)
    error = await grid.receive_json_from()
    assert error["data"]["code"] == protocol.NOT_STAFF
    assert (await grid.receive_output())["code"] == protocol.CLOSE_NOT_STAFF
