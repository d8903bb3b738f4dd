"""Lessons under pytest-xdist on shared servers: a database and a key prefix per worker.

Pass 2 of ``workbench test`` runs every lesson on one PostgreSQL server and
one Redis server, two lessons at a time. Each lesson flushes its database
when it starts, so two workers must not share one: each worker gets a fresh
database of its own (``lessons_gw0``, ``lessons_gw1``…) and a channel-layer
prefix of its own, set in the environment before nbval starts any kernel
(kernels inherit it). Without xdist, or on SQLite and the in-memory layer,
this does nothing.
"""

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from workbench.environment import CHANNEL_LAYER_ENV, DATABASE_ENV

_created: list[str] = []


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    database = os.environ.get(DATABASE_ENV, "")
    if database.startswith(("postgresql://", "postgres://")):
        from workbench.tooling.provisioning import fresh_database

        os.environ[DATABASE_ENV] = fresh_database(database, f"lessons_{worker}")
        _created.append(os.environ[DATABASE_ENV])
    layer = os.environ.get(CHANNEL_LAYER_ENV, "")
    if layer.startswith(("redis://", "redis+pubsub://")):
        parts = urlsplit(layer)
        query = dict(parse_qsl(parts.query), prefix=f"lessons_{worker}")
        os.environ[CHANNEL_LAYER_ENV] = urlunsplit(parts._replace(query=urlencode(query)))


def pytest_unconfigure(config):
    from workbench.tooling.provisioning import drop_database

    while _created:
        drop_database(_created.pop())
