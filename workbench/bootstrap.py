"""``setup()``: configure the sample project inside this process, once.

Like pytest-django, the bootstrap is lazy (importing ``workbench`` configures
nothing) and idempotent (re-running a lesson's first cell, or starting a
second lesson in the same kernel, reuses the configuration and empties the
tables so outputs repeat exactly).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .environment import CHANNEL_LAYER_ENV, DATABASE_ENV, SETTINGS_MODULE
from .errors import WorkbenchError, cannot_reach

R = TypeVar("R")
TEST_CLIENT_HOST = "testserver"  # what django.test.Client and AsyncClient send as Host


@dataclass(frozen=True)
class Workbench:
    """The configured project: which database and channel layer the kernel uses.

    The repr names only the kinds (no paths, ports or passwords), so a lesson's
    stored output is the same on every machine.
    """

    database: str
    channel_layer: str
    temporary_database: bool
    database_url: str = field(repr=False)
    channel_layer_url: str = field(repr=False)
    configured_elsewhere: bool = False

    def __repr__(self) -> str:
        database = self.database + (" (temporary file)" if self.temporary_database else "")
        owner = ", configured elsewhere" if self.configured_elsewhere else ""
        return f"<Workbench database={database} channel_layer={self.channel_layer}{owner}>"


_lock = threading.Lock()
_current: Workbench | None = None  # configured (Django set up) in this process
_migrated = False  # False after a failed migration, so the next call retries it
_configured_here = False  # setup() itself configured Django (so a failed first call is not "elsewhere")


def setup(
    *,
    database: str | None = None,
    channel_layer: str | None = None,
    flush: bool = True,
) -> Workbench:
    """Configure Django for the sample project in this process and migrate it.

    ``database`` / ``channel_layer`` are URLs (default: ``$WORKBENCH_DATABASE_URL``,
    else a fresh temporary SQLite file removed at exit; ``$WORKBENCH_CHANNEL_LAYER_URL``,
    else ``memory://``). ``flush=True`` empties every table so ids restart at 1;
    pass ``flush=False`` to keep data in a database of your own. Safe from a
    notebook cell, a coroutine, a script or a test: database work runs on a
    short-lived thread that has no event loop. In IPython it also registers
    the ``%%sync`` and ``%context`` magics (as ``%load_ext workbench`` does).

    If Django was already set up with the sample project's settings (by
    pytest-django, ``manage.py shell``…), that configuration is adopted as is:
    its owner created the database, so nothing is migrated or flushed.
    """
    global _current, _migrated
    with _lock:
        if _current is None and not _configured_here:
            _current = _adopt_configured_django()
            if _current is not None:
                _migrated = True
        if _current is None:
            _current = _configure(database, channel_layer)
            fresh = _current.temporary_database
        else:
            _refuse_other_backends(_current, database, channel_layer)
            fresh = False
        if _current.configured_elsewhere:
            flush = False
        if not _migrated:
            try:
                _in_worker_thread(_migrate_from_template if fresh else _migrate)
            except Exception as exc:
                failed, _current = _current, None  # nothing kept: the next setup() starts afresh
                _forget_database_settings()
                raise _migration_failed(failed, exc) from None
            _migrated = True
        if flush and not fresh:
            _in_worker_thread(_flush_database)
        _load_magics_into_ipython()
        return _current


def _load_magics_into_ipython() -> None:
    """Load the ``workbench`` IPython extension (``%%sync``, ``%context``) if this is IPython.

    The same call as ``%load_ext workbench``: IPython loads it once per shell.
    """
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.extension_manager.load_extension("workbench")


def _refuse_other_backends(
    current: Workbench, database: str | None, channel_layer: str | None
) -> None:
    for name, asked, have in (
        ("database", database, current.database_url),
        ("channel_layer", channel_layer, current.channel_layer_url),
    ):
        if asked is not None and asked != have:
            from sample_project.config.backends import redact

            asked = redact(asked)
            raise WorkbenchError(
                f"workbench.setup() already configured this process with {current!r}; "
                f"this call asks for {name}={asked!r}. Django is configured once per "
                f"process: restart the kernel and call setup({name}={asked!r}) first, "
                "or call setup() without arguments to keep the current configuration."
            )


def _adopt_configured_django() -> Workbench | None:
    """The Workbench for a Django already set up with our settings, or None if none is.

    Refuses a different settings module, and settings that were loaded but
    not followed by ``django.setup()`` (overriding them now could leave a
    half-configured process).
    """
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if module not in (None, SETTINGS_MODULE):
        raise WorkbenchError(
            f"DJANGO_SETTINGS_MODULE is {module!r}, but the workbench runs "
            f"{SETTINGS_MODULE!r}. Unset it (del os.environ['DJANGO_SETTINGS_MODULE']) "
            "before the first workbench.setup(), or restart the kernel."
        )
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        return None
    if getattr(settings, "SETTINGS_MODULE", None) != SETTINGS_MODULE:
        raise WorkbenchError(
            "Django's settings were already configured in this process by settings.configure(), "
            f"not from {SETTINGS_MODULE!r}, so workbench.setup() cannot set the sample project up "
            "here (its apps, database and channel layer are not in those settings). Restart the "
            "kernel and call workbench.setup() before anything configures Django, or configure it "
            f"with DJANGO_SETTINGS_MODULE={SETTINGS_MODULE!r} and django.setup()."
        )
    if not apps.ready:
        raise WorkbenchError(
            "Django's settings were loaded in this process before workbench.setup(), "
            "but django.setup() has not run. Call workbench.setup() first, before "
            "anything reads settings or imports Django models, or restart the kernel."
        )
    from sample_project.config import backends

    return Workbench(
        database=backends.describe_database(settings.DATABASES["default"]),
        channel_layer=backends.describe_channel_layer(settings.CHANNEL_LAYERS["default"]),
        temporary_database=False,
        database_url="",
        channel_layer_url="",
        configured_elsewhere=True,
    )


def _configure(database: str | None, channel_layer: str | None) -> Workbench:
    from sample_project.config import backends

    given_url = database or os.environ.get(DATABASE_ENV)
    temporary = given_url is None
    database_url = given_url or "sqlite:///" + str(_temporary_database_path())
    # Parse both URLs, and check what they name, before touching Django: a
    # bad URL, a missing folder or a server that is down changes nothing.
    database_settings = backends.database_from_url(database_url)
    layer_url = channel_layer or os.environ.get(CHANNEL_LAYER_ENV) or "memory://"
    layer_settings = backends.channel_layer_from_url(layer_url)
    _check_sqlite_folder(database_settings, database_url)
    _check_servers_reachable(database_settings, layer_settings)

    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django
    from django.conf import settings

    global _configured_here
    settings.DATABASES = {"default": database_settings}
    settings.CHANNEL_LAYERS = {"default": layer_settings}
    # A lesson's kernel is a test bench: as Django's own test set-up does (pytest-django,
    # manage.py test), allow the host name Django's test client sends. The project's
    # settings answer to loopback names only; `workbench serve` never adds it.
    if TEST_CLIENT_HOST not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, TEST_CLIENT_HOST]
    django.setup()
    _configured_here = True
    return Workbench(
        database=backends.describe_database(database_settings),
        channel_layer=backends.describe_channel_layer(layer_settings),
        temporary_database=temporary,
        database_url=database_url,
        channel_layer_url=layer_url,
    )


def _check_servers_reachable(database: dict[str, Any], channel_layer: dict[str, Any]) -> None:
    """Fail early, naming the address, if the database or layer server is not up.

    Without this a stopped PostgreSQL shows up as a psycopg traceback from
    deep inside the migration, or (with the pool) only after its timeout.
    """
    from .services import unreachable_server

    down = unreachable_server(database, channel_layer)
    if down is not None:
        what, host, port = down
        setting = DATABASE_ENV if what == "database" else CHANNEL_LAYER_ENV
        raise WorkbenchError(
            f"{cannot_reach(what, host, port)} Start it, or point setup() / {setting} at a "
            "running server and run setup() again, or call setup() without URLs for the "
            "embedded defaults, which need no server."
        )


def _check_sqlite_folder(database: dict[str, Any], url: str) -> None:
    """A SQLite file can only be created in a folder that exists and may be written to."""
    if not database["ENGINE"].endswith("sqlite3"):
        return
    folder = Path(database["NAME"]).parent
    if not folder.is_dir():
        problem = "does not exist"
    elif not os.access(folder, os.W_OK | os.X_OK):
        problem = "may not be written to by this process"
    else:
        return
    raise WorkbenchError(
        f"setup(database={url!r}): the folder {str(folder)!r} {problem}, so SQLite cannot create "
        f"{Path(database['NAME']).name!r} there. Create the folder, or give a path in one that "
        "exists (or leave database= out for a temporary file). Nothing was configured."
    )


def _migration_failed(workbench: Workbench, exc: BaseException) -> WorkbenchError:
    from sample_project.config.backends import redact

    where = redact(workbench.database_url) if workbench.database_url else workbench.database
    return WorkbenchError(
        f"Migrating the database {where!r} failed: {type(exc).__name__}: {exc}. Nothing was "
        "kept: fix the cause (the database's permissions, its disk) or pass another "
        "database= URL, then call setup() again."
    )


def _forget_database_settings() -> None:
    """Let the next setup() configure other databases: Django caches them on first use."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):  # this thread's (the migration's are closed)
        connection.close()
        del connections[connection.alias]
    # Django's ConnectionHandler keeps them twice: its cached property, and the dict it was given.
    connections.__dict__.pop("settings", None)
    connections._settings = None


def _temporary_database_path() -> Path:
    """A fresh SQLite file for this process, removed (with its WAL files) at exit.

    A file rather than ``:memory:``: an in-memory database is private to the
    thread that opened it, and the async ORM runs on a worker thread.
    """
    directory = Path(tempfile.mkdtemp(prefix="workbench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory / "db.sqlite3"


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _migrate_from_template() -> None:
    """Migrate the fresh temporary database, reusing an earlier identical migration.

    The first kernel on a machine runs the real migrations and keeps a copy
    of the result; later kernels copy that file (about 1 ms instead of about
    100 ms of rebuilding migration states). The copy's name is a hash of
    everything that decides the schema: Django's version, the installed
    apps and the bytes of every migration file, so any change re-migrates.
    """
    from django.db import connections

    database = Path(connections["default"].settings_dict["NAME"])
    template = _template_directory() / f"{_schema_fingerprint()}.sqlite3"
    if template.exists():
        shutil.copyfile(template, database)
        return
    _migrate()
    # Closing the last connection checkpoints SQLite's WAL into the main file,
    # so the single file is a complete copy. Write it under a temporary name
    # and rename, so a kernel starting at the same moment never sees half a file.
    connections.close_all()
    partial = template.with_suffix(f".{os.getpid()}.partial")
    shutil.copyfile(database, partial)
    os.replace(partial, template)


def _template_directory() -> Path:
    directory = Path(tempfile.gettempdir()) / "django-async-workbench-templates"
    directory.mkdir(exist_ok=True)
    return directory


def _schema_fingerprint() -> str:
    import importlib.util

    import django
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256(django.get_version().encode())
    digest.update(repr(settings.MIGRATION_MODULES).encode())
    for app in apps.get_app_configs():
        digest.update(app.label.encode())
        try:
            spec = importlib.util.find_spec(f"{app.name}.migrations")
        except ModuleNotFoundError:
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            for migration in sorted(Path(location).glob("*.py")):
                digest.update(migration.name.encode())
                digest.update(migration.read_bytes())
    return digest.hexdigest()[:24]


def _flush_database() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


def _in_worker_thread(fn: Callable[[], R]) -> R:
    """Run sync database work on a short-lived thread and return its result.

    The calling thread may be running an event loop (every notebook cell
    does), where Django refuses sync database access. A new thread has no
    loop; its connections are closed before it ends so none leak.
    """

    def closing_connections() -> R:
        from django.db import connections

        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-setup") as worker:
        return worker.submit(closing_connections).result()
