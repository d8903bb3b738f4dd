"""Database and channel-layer settings from URLs.

The sample project reads ``WORKBENCH_DATABASE_URL`` and
``WORKBENCH_CHANNEL_LAYER_URL``; ``workbench.setup()`` passes the same URLs.
Each function turns one URL into the dictionary Django or Channels expects;
a URL it does not understand raises ``ImproperlyConfigured`` naming the
accepted forms. PostgreSQL URLs are parsed by ``dj-database-url``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

DATABASE_URL_FORMS = (
    "sqlite:///relative/path.sqlite3",
    "sqlite:////absolute/path.sqlite3",
    "postgresql://user:password@host:port/name"
    "[?pool_min_size=1&pool_max_size=10&pool_timeout=10 | ?pool=off]",
)
CHANNEL_LAYER_URL_FORMS = (
    "memory://[?capacity=100&expiry=60&group_expiry=86400]",
    "redis://host:port/db[?max_connections=1000&capacity=100&expiry=60&prefix=asgi]",
    "redis+pubsub://host:port/db[?prefix=asgi]",
)

# Django's pool with "pool": True keeps at most 4 connections (psycopg_pool's
# default), fewer than a server needs. The workbench sizes it explicitly: one
# connection per request handled at once; raise pool_max_size for more.
POOL_DEFAULTS = {"min_size": 1, "max_size": 10, "timeout": 10}
POOL_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}

# The layer's redis-py pool opens one connection per command in flight, and
# fails (ConnectionError "Too many connections") rather than waits at its
# limit. redis-py 8 limits it to 100 by default (7.x: 2**31); with more sockets
# than that joining and leaving groups at once, group_add/group_discard fail
# and leave stale group members (measured: 589 failures with 200 clients).
# The limit is set here, above the clients one process holds, whatever the
# redis-py version; ?max_connections= changes it.
REDIS_MAX_CONNECTIONS = 1000

# A Redis restart (an upgrade, a crash) would otherwise end every open socket:
# the consumer's receive() fails with ConnectionError and Channels lets the
# consumer die. Each Redis command is retried with a growing pause (0.1 s,
# 0.2 s, ... at most 1 s apart, about 12 s in all), so a short outage is
# bridged. What was in flight is still lost: the layer is at-most-once.
REDIS_RETRIES = 15
REDIS_RETRY_BACKOFF = {"base": 0.05, "cap": 1.0}


def _accepted(forms: tuple[str, ...]) -> str:
    return "Use one of: " + ", ".join(forms) + "."


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, for error messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        # Not parseable (a stray "[" ...): hide whatever sits between "user:" and the last "@".
        return re.sub(r"^([^:/]*://[^:/@]*:).*@", r"\1***@", url)
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _split(url: str, what: str, forms: tuple[str, ...]) -> SplitResult:
    """``urlsplit(url)``, or ``ImproperlyConfigured`` saying why it cannot be read (password hidden)."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{what} URL {redact(url)!r} cannot be read ({exc}): an IPv6 host is written in "
            "brackets, e.g. [::1], and a password holding spaces, @, / or [ is percent-encoded "
            f"(%20, %40, %2F, %5B). {_accepted(forms)}"
        ) from None


def sqlite_database(path: str | Path) -> dict[str, Any]:
    """Settings for a SQLite *file* that every thread of the process can use.

    WAL lets readers and one writer work at once; ``IMMEDIATE`` takes the write
    lock when a transaction starts, so two writers wait for each other (up to
    ``timeout`` seconds) instead of failing with "database is locked".
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


def postgresql_database(url: str) -> dict[str, Any]:
    """Settings for PostgreSQL through psycopg 3 and Django's connection pool.

    ``CONN_MAX_AGE`` stays 0: Django refuses persistent connections together
    with its pool, and under ASGI the pool is the way to reuse connections.
    ``CONN_HEALTH_CHECKS`` makes the pool check each connection as it hands it
    out (psycopg_pool's ``check_connection``), so after a PostgreSQL restart the
    next request gets a fresh connection instead of a dead one.
    ``?pool=off`` leaves the pool out: each request then opens (and closes)
    its own connection, which is what the benchmarks compare the pool with.
    """
    import dj_database_url

    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Database URL {redact(url)!r} has an invalid port ({exc}). {_accepted(DATABASE_URL_FORMS)}"
        ) from None
    if not parts.hostname or parts.path in ("", "/"):
        raise ImproperlyConfigured(
            f"Database URL {redact(url)!r} must name a host and a database. "
            f"{_accepted(DATABASE_URL_FORMS)}"
        )
    query = dict(parse_qsl(parts.query))
    pool_switch = query.pop("pool", "on").lower()
    if pool_switch not in POOL_SWITCH:
        raise ImproperlyConfigured(
            f"Database URL {redact(url)!r}: pool={pool_switch!r} is neither on nor off. "
            "Use ?pool=off for plain connections, or leave it out for the pool."
        )
    use_pool = POOL_SWITCH[pool_switch]
    pool = dict(POOL_DEFAULTS)
    for key in list(query):
        if key.startswith("pool_"):
            if not use_pool:
                raise ImproperlyConfigured(
                    f"Database URL {redact(url)!r} turns the pool off (pool=off) but sets {key}. "
                    "Remove one of the two."
                )
            name = key.removeprefix("pool_")
            if name not in POOL_DEFAULTS:
                raise ImproperlyConfigured(
                    f"Database URL {redact(url)!r}: unknown pool option {key!r}. "
                    "Known: pool_min_size, pool_max_size, pool_timeout."
                )
            try:
                pool[name] = int(query.pop(key))
            except ValueError:
                raise ImproperlyConfigured(
                    f"Database URL {redact(url)!r}: {key} must be a whole number."
                ) from None
    plain = urlunsplit(parts._replace(query=urlencode(query)))
    settings: dict[str, Any] = dict(dj_database_url.parse(plain, conn_max_age=0, conn_health_checks=use_pool))
    settings["ENGINE"] = "django.db.backends.postgresql"
    if use_pool:
        settings.setdefault("OPTIONS", {})["pool"] = pool
    return settings


def database_from_url(url: str, *, base_dir: Path | None = None) -> dict[str, Any]:
    """Return a ``DATABASES["default"]`` dictionary for ``url``."""
    parts = _split(url, "Database", DATABASE_URL_FORMS)
    if parts.scheme == "sqlite":
        # sqlite:///name → "name" (relative), sqlite:////tmp/x → "/tmp/x".
        raw_path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc or not raw_path or raw_path == ":memory:":
            raise ImproperlyConfigured(
                f"Database URL {redact(url)!r} does not name a SQLite file. An in-memory "
                "SQLite database is private to one thread, but the async ORM runs "
                "queries on a worker thread, so the workbench needs a file. "
                + _accepted(DATABASE_URL_FORMS)
            )
        path = Path(raw_path)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return sqlite_database(path)
    if parts.scheme in ("postgresql", "postgres"):
        return postgresql_database(url)
    raise ImproperlyConfigured(
        f"Database URL {redact(url)!r} has a scheme this project does not support "
        f"({parts.scheme or 'none'!r}). " + _accepted(DATABASE_URL_FORMS)
    )


# ``prefix`` starts every Redis key and pub/sub channel of the layer (default
# "asgi"): projects, or test workers, sharing one Redis server keep apart with it.
LAYER_OPTIONS = {"capacity": int, "expiry": int, "group_expiry": int, "prefix": str}
# The in-memory layer's: messages per channel, seconds a message waits, seconds a membership lasts.
MEMORY_LAYER_OPTIONS: dict[str, type] = {"capacity": int, "expiry": float, "group_expiry": int}


def channel_layer_from_url(url: str) -> dict[str, Any]:
    """Return a ``CHANNEL_LAYERS["default"]`` dictionary for ``url``."""
    parts = _split(url, "Channel layer", CHANNEL_LAYER_URL_FORMS)
    if parts.scheme == "memory" and not parts.netloc and parts.path in ("", "/"):
        # Channels' in-memory layer with O(members) broadcasts (see config/layers.py).
        settings: dict[str, Any] = {"BACKEND": "sample_project.config.layers.InMemoryChannelLayer"}
        config = _memory_layer_options(url, parts.query)
        if config:
            settings["CONFIG"] = config
        return settings
    if parts.scheme in ("redis", "redis+pubsub") and parts.hostname:
        try:
            parts.port  # noqa: B018 - raises ValueError for a bad port
            query = dict(parse_qsl(parts.query))
            config = {name: kind(query.pop(name)) for name, kind in LAYER_OPTIONS.items() if name in query}
            max_connections = int(query.pop("max_connections", REDIS_MAX_CONNECTIONS))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"Channel layer URL {redact(url)!r} is malformed ({exc}). "
                + _accepted(CHANNEL_LAYER_URL_FORMS)
            ) from None
        address = urlunsplit(parts._replace(scheme="redis", query=urlencode(query)))
        backend = (
            "channels_redis.pubsub.RedisPubSubChannelLayer"
            if parts.scheme == "redis+pubsub"
            else "channels_redis.core.RedisChannelLayer"
        )
        config["hosts"] = [{"address": address, "max_connections": max_connections, "retry": redis_retry()}]
        return {"BACKEND": backend, "CONFIG": config}
    raise ImproperlyConfigured(
        f"Channel layer URL {redact(url)!r} is not one this project supports. "
        + _accepted(CHANNEL_LAYER_URL_FORMS)
    )


def _memory_layer_options(url: str, query: str) -> dict[str, Any]:
    """``memory://?capacity=&expiry=&group_expiry=``, each a positive number; anything else is refused."""
    config: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        kind = MEMORY_LAYER_OPTIONS.get(name)
        if kind is None:
            raise ImproperlyConfigured(
                f"Channel layer URL {redact(url)!r}: the in-memory layer has no option {name!r}. "
                f"Its options: {', '.join(MEMORY_LAYER_OPTIONS)} (e.g. memory://?expiry=60&capacity=100)."
            )
        if name in config:
            raise ImproperlyConfigured(f"Channel layer URL {redact(url)!r} gives {name} twice; give it once.")
        try:
            number = kind(value)
        except ValueError:
            number = 0
        if number <= 0:
            raise ImproperlyConfigured(
                f"Channel layer URL {redact(url)!r}: {name}={value!r} must be a positive "
                f"{'whole number' if kind is int else 'number'} (e.g. {name}=60)."
            )
        config[name] = number
    return config


def new_channel_layer(url: str) -> Any:
    """A new channel-layer object for ``url``, apart from Django's ``CHANNEL_LAYERS``.

    For scripts, lessons and benchmarks that compare layers side by side; a
    consumer uses the layer its settings name (``get_channel_layer()``).
    """
    from django.utils.module_loading import import_string

    settings = channel_layer_from_url(url)
    return import_string(settings["BACKEND"])(**settings.get("CONFIG", {}))


def redis_retry() -> Any:
    """redis-py's retry policy for the layer's connections (see ``REDIS_RETRIES``)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    return Retry(ExponentialBackoff(**REDIS_RETRY_BACKOFF), REDIS_RETRIES)


def describe_database(settings_dict: dict[str, Any]) -> str:
    """A short, address-free name for a database configuration."""
    engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
    return {"sqlite3": "sqlite", "postgresql": "postgresql"}.get(engine, engine)


def describe_channel_layer(settings_dict: dict[str, Any]) -> str:
    """A short, address-free name for a channel-layer configuration."""
    backend = settings_dict["BACKEND"]
    return {
        "channels.layers.InMemoryChannelLayer": "in-memory",
        "sample_project.config.layers.InMemoryChannelLayer": "in-memory",
        "channels_redis.core.RedisChannelLayer": "redis",
        "channels_redis.pubsub.RedisPubSubChannelLayer": "redis-pubsub",
    }.get(backend, backend.rsplit(".", 1)[-1])


def database_address(settings_dict: dict[str, Any]) -> tuple[str, int] | None:
    """(host, port) of a database server, or None for a file database."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return None
    return settings_dict.get("HOST") or "localhost", int(settings_dict.get("PORT") or 5432)


def channel_layer_address(settings_dict: dict[str, Any]) -> tuple[str, int] | None:
    """(host, port) of the channel layer's server, or None for the in-memory layer."""
    hosts = settings_dict.get("CONFIG", {}).get("hosts")
    if not hosts:
        return None
    parts = urlsplit(hosts[0]["address"])
    return parts.hostname or "localhost", parts.port or 6379
