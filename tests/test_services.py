"""Throw-away PostgreSQL and Redis servers (real ones) for tests and lessons."""

import socket

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
