"""``serve()`` / ``LiveServer``: real servers, real ``websockets`` clients, over loopback."""

import asyncio
import json
import socket
import threading
import urllib.request

import pytest
import websockets
from django.contrib.auth.models import User

import workbench
from sample_project.chat.consumers import notify_user
from sample_project.chat.models import Message
from workbench.sessions import cookie_header

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_orm_worker_connections")]


def chat(text):
    return json.dumps({"type": "chat.message", "data": {"message": text}})


@pytest.fixture
async def live():
    server = workbench.serve()
    yield server
    server.stop()


async def chat_between_two_clients(live):
    url = live.ws_url("/ws/chat/lobby/")
    async with websockets.connect(url, origin=live.url) as alice, websockets.connect(url, origin=live.url) as bob:
        await alice.send(chat("hello over a real socket"))
        to_bob = json.loads(await asyncio.wait_for(bob.recv(), 5))
        to_alice = json.loads(await asyncio.wait_for(alice.recv(), 5))
    assert to_bob == to_alice
    assert to_bob["data"]["message"] == "hello over a real socket"
    stored = await Message.objects.aget(id=to_bob["data"]["id"])
    assert stored.text == "hello over a real socket"


async def test_uvicorn_serves_the_chat_to_real_clients(live):
    assert live.server == "uvicorn" and live.running
    await chat_between_two_clients(live)


async def test_a_foreign_origin_is_refused_at_the_handshake_with_403(live):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(live.ws_url("/ws/chat/lobby/"), origin="http://evil.example")
    assert refused.value.response.status_code == 403


async def test_a_logged_in_client_gets_notifications_pushed_through_call(live):
    alice = await User.objects.acreate_user("alice", password="a-long-password-1")
    cookies = await live.login(alice)
    header = cookie_header(cookies)
    async with websockets.connect(
        live.ws_url("/ws/notifications/"), origin=live.url, additional_headers={"Cookie": header}
    ) as socket:
        await live.call(notify_user(alice, {"title": "hello"}))
        frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert frame["type"] == "notification" and frame["data"] == {"title": "hello"}


async def test_an_anonymous_notification_socket_is_closed_with_4401(live):
    async with websockets.connect(live.ws_url("/ws/notifications/"), origin=live.url) as socket:
        error = json.loads(await asyncio.wait_for(socket.recv(), 5))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert error["data"]["code"] == "not_authenticated"
    assert closed.value.rcvd.code == 4401


async def test_serves_the_chat_page_over_http(live):
    def fetch():
        with urllib.request.urlopen(live.url + "/chat/lobby/", timeout=5) as response:
            return response.status, response.read().decode()

    status, page = await asyncio.to_thread(fetch)
    assert status == 200 and "ws/chat/" in page


async def test_serving_again_stops_the_previous_server_and_can_reuse_its_port(live):
    async with websockets.connect(live.ws_url("/ws/chat/lobby/"), origin=live.url) as socket:
        again = workbench.serve(port=live.port)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd.code == 1012  # "service restart"
    assert not live.running and again.running and again.port == live.port
    with again:
        await chat_between_two_clients(again)
    assert not again.running
    assert repr(again) == "<LiveServer uvicorn on 127.0.0.1 (stopped)>"


async def test_call_needs_a_coroutine_and_a_running_server(live):
    with pytest.raises(TypeError, match="needs a coroutine object"):
        await live.call(notify_user)
    live.stop()
    live.stop()  # idempotent
    with pytest.raises(workbench.WorkbenchError, match="this server is stopped"):
        await live.call(asyncio.sleep(0))


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="'uvicorn', 'daphne', 'wsgi'"):
        workbench.serve(server="gunicorn")
    with pytest.raises(ValueError, match="0 picks a free port"):
        workbench.serve(port=-1)


async def test_a_busy_port_is_a_clear_error(live):
    other = socket.create_server(("127.0.0.1", 0))  # holds a port
    try:
        with pytest.raises(workbench.WorkbenchError, match="Pass port=0"):
            workbench.serve(port=other.getsockname()[1])
    finally:
        other.close()


async def test_daphne_serves_once_per_process(live):
    # The only daphne start in this test process (tests of one file share a worker).
    with workbench.serve(server="daphne") as daphne:
        assert daphne.port != 0 and not live.running
        await chat_between_two_clients(daphne)
        alice = await User.objects.acreate_user("alice", password="a-long-password-1")
        header = cookie_header(await daphne.login(alice))
        async with websockets.connect(
            daphne.ws_url("/ws/notifications/"), origin=daphne.url, additional_headers={"Cookie": header}
        ) as socket:
            await daphne.call(notify_user(alice, {"via": "daphne"}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 5))["data"] == {"via": "daphne"}
    assert not daphne.running
    with pytest.raises(workbench.WorkbenchError, match=r"serve\(server='uvicorn'\)"):
        workbench.serve(server="daphne")


# -- server="wsgi": Django's threaded WSGI server, beside an ASGI one ------------


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers["Server"], json.loads(response.read())


async def test_wsgi_serves_the_project_beside_an_asgi_server(live):
    wsgi = workbench.serve(server="wsgi")
    try:
        assert live.running and wsgi.running, "serving WSGI must not stop the ASGI server"
        assert (live.interface, wsgi.interface) == ("asgi", "wsgi")
        assert repr(wsgi) == "<LiveServer wsgi on 127.0.0.1 (running)>"
        for server, software in ((live, "uvicorn"), (wsgi, "WSGIServer/")):
            status, header, body = await asyncio.to_thread(get, server.url + "/")
            assert status == 200 and header.startswith(software)
            assert body == {"project": "sample_project", "books": 0}
    finally:
        wsgi.stop()
    assert not wsgi.running and live.running


async def test_under_wsgi_an_async_view_runs_off_the_request_thread_in_a_loop_of_its_own():
    from sample_project.streams.tracking import in_flight

    alice = await User.objects.acreate_user("alice")
    with workbench.serve(server="wsgi") as wsgi:
        header = cookie_header(await wsgi.login(alice))

        def report():
            request = urllib.request.Request(wsgi.url + "/streams/report/?seconds=0.01", headers={"Cookie": header})
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())

        in_flight.forget()
        assert await asyncio.to_thread(report) == {"user": "alice", "waited": 0.01}
    (visit,) = in_flight.ended("report")
    assert visit.outcome == "completed"
    assert visit.thread not in {"workbench-wsgi", threading.current_thread().name}
    assert "process_request_thread" not in visit.thread  # not the server's request thread either


async def test_serving_wsgi_again_replaces_only_the_previous_wsgi_server(live):
    first = workbench.serve(server="wsgi")
    second = workbench.serve(server="wsgi", port=first.port)  # the port is free again at once
    try:
        assert not first.running and second.running and live.running
        assert second.port == first.port
        assert (await asyncio.to_thread(get, second.url + "/"))[0] == 200
    finally:
        second.stop()
        second.stop()  # idempotent
    with socket.socket() as listener:  # stop() closed the socket
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", second.port))


async def test_a_wsgi_server_has_no_websockets_and_no_event_loop():
    with workbench.serve(server="wsgi") as wsgi:
        with pytest.raises(workbench.WorkbenchError, match="WebSockets need ASGI"):
            wsgi.ws_url("/ws/chat/lobby/")
        coroutine = asyncio.sleep(0)
        with pytest.raises(workbench.WorkbenchError, match="no event loop"):
            await wsgi.call(coroutine)
        assert coroutine.cr_frame is None  # closed: no "never awaited" warning later


async def test_a_busy_port_is_a_clear_error_for_wsgi_too():
    other = socket.create_server(("127.0.0.1", 0))
    try:
        with pytest.raises(workbench.WorkbenchError, match="Pass port=0"):
            workbench.serve(server="wsgi", port=other.getsockname()[1])
    finally:
        other.close()


async def test_stop_servers_stops_both_kinds():
    asgi = workbench.serve()
    wsgi = workbench.serve(server="wsgi")
    stopped = workbench.stop_servers()
    assert asgi in stopped and wsgi in stopped
    assert not asgi.running and not wsgi.running
