"""``add_database()``: one more database alias at run time, with tables, for a lesson.

Django reads ``DATABASES`` once, at start-up. A lesson that compares two
configurations side by side (SQLite as ``startproject`` writes it and SQLite
tuned for concurrent writers, say) needs two more aliases while the kernel
runs; a real project lists them in its settings. ``add_database()`` does that
plumbing: it registers the alias with Django's connection handler, creates
the tables of the models asked for, and ``remove()`` takes it away again.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async

from .errors import WorkbenchError


class ExtraDatabase:
    """A database alias added by ``add_database()``: ``.alias``, ``.settings`` (the full settings dict)."""

    def __init__(self, alias: str, settings: dict[str, Any], folder: Path | None) -> None:
        self.alias = alias
        self.settings = settings
        self._folder = folder

    async def remove(self) -> None:
        """Close this alias' connection on the ORM's worker thread and forget the alias (and its temporary file)."""
        await sync_to_async(_forget, thread_sensitive=True)(self.alias)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __repr__(self) -> str:
        return f"<ExtraDatabase {self.alias!r}>"


def _forget(alias: str) -> None:
    from django.db import connections

    if alias in connections.settings:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _add(alias: str, settings_dict: dict[str, Any], models: list[type]) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections

    _forget(alias)  # left over from an earlier run of the same cell
    configured = connections.configure_settings({**settings.DATABASES, alias: settings_dict})[alias]
    connections.settings[alias] = configured
    try:
        with connections[alias].schema_editor() as editor:
            for model in models:
                editor.create_model(model)
    except Exception:
        _forget(alias)
        raise
    return configured


async def add_database(alias: str, settings: Mapping[str, Any], *, models: Iterable[type] = ()) -> ExtraDatabase:
    """Register ``alias`` with ``settings`` (one ``DATABASES`` entry) and create ``models``' tables in it.

    A SQLite entry without ``NAME`` gets a new file in a temporary folder,
    deleted by ``remove()``. Calling it again with the same alias replaces the
    alias (so a lesson's cell can run twice). Use the alias as any other:
    ``Book.objects.using(alias)``, ``transaction.atomic(using=alias)``.
    ``"default"`` cannot be replaced. Connections are per thread: ``remove()``
    closes the one of the ORM's worker thread; a thread of your own that used
    the alias closes its own (``connections.close_all()``), or ends.
    """
    if alias == "default":
        raise WorkbenchError("add_database() adds an alias beside 'default'; pick another name, e.g. 'tuned'.")
    entry = dict(settings)
    folder = None
    if entry.get("ENGINE") == "django.db.backends.sqlite3" and not entry.get("NAME"):
        folder = Path(tempfile.mkdtemp(prefix=f"workbench-{alias}-"))
        entry["NAME"] = str(folder / f"{alias}.sqlite3")
    try:
        configured = await sync_to_async(_add, thread_sensitive=True)(alias, entry, list(models))
    except Exception:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return ExtraDatabase(alias, configured, folder)
