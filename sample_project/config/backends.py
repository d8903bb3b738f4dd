"""Database and channel-layer settings from URLs.

The sample project reads ``WORKBENCH_DATABASE_URL`` and
``WORKBENCH_CHANNEL_LAYER_URL``; ``workbench.setup()`` passes the same URLs.
Each function turns one URL into the dictionary Django or Channels expects,
and a URL it does not understand raises ``ImproperlyConfigured`` naming the
accepted forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DATABASE_URL_FORMS = (
    "sqlite:///relative/path.sqlite3",
    "sqlite:////absolute/path.sqlite3",
)
CHANNEL_LAYER_URL_FORMS = ("memory://",)


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


def database_from_url(url: str, *, base_dir: Path | None = None) -> dict[str, Any]:
    """Return a ``DATABASES["default"]`` dictionary for ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///name → "name" (relative), sqlite:////tmp/x → "/tmp/x".
        raw_path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc or not raw_path or raw_path == ":memory:":
            raise ImproperlyConfigured(
                f"Database URL {url!r} does not name a SQLite file. An in-memory "
                "SQLite database is private to one thread, but the async ORM runs "
                "queries on a worker thread, so the workbench needs a file. "
                f"Use one of: {', '.join(DATABASE_URL_FORMS)}."
            )
        path = Path(raw_path)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return sqlite_database(path)
    raise ImproperlyConfigured(
        f"Database URL {url!r} has a scheme this project does not support "
        f"({parts.scheme or 'none'!r}). Use one of: {', '.join(DATABASE_URL_FORMS)}."
    )


def channel_layer_from_url(url: str) -> dict[str, Any]:
    """Return a ``CHANNEL_LAYERS["default"]`` dictionary for ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "memory" and not parts.netloc and parts.path in ("", "/"):
        # Channels' in-memory layer with O(members) broadcasts (see config/layers.py).
        return {"BACKEND": "sample_project.config.layers.InMemoryChannelLayer"}
    raise ImproperlyConfigured(
        f"Channel layer URL {url!r} is not one this project supports. "
        f"Use one of: {', '.join(CHANNEL_LAYER_URL_FORMS)}."
    )


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
    }.get(backend, backend.rsplit(".", 1)[-1])
