"""Shared fixtures for the workbench's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.environment import TEST_POSTGRES_ENV, TEST_REDIS_ENV
from workbench.tooling.testing import in_ci  # also used by tests/browser.py

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_python(tmp_path: Path):
    """Run a Python snippet in a fresh interpreter and return its stdout.

    ``setup()`` configures Django once per process, so behaviour across calls
    is tested in processes of its own, started with a clean environment (no
    settings module, no backend URLs) and a private temporary directory.
    """

    def run(code: str, *, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        clean = {
            k: v
            for k, v in os.environ.items()
            if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("WORKBENCH_")
        }
        clean["TMPDIR"] = str(tmp_path)
        clean.update(env or {})
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            env=clean,
            cwd=tmp_path,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"snippet failed:\n{result.stdout}\n{result.stderr}")
        return result

    return run


def _server_url(env_name: str, what: str, start):
    """A running server's URL: the one `workbench test` started, or one of our own.

    Where no server can be started the test skips, or under CI fails (see start_private).
    """
    if os.environ.get(env_name):
        return os.environ[env_name], None
    server = start_private(start, what)
    return server.url, server


@pytest.fixture
async def close_orm_worker_connections():
    """Close the connections the async ORM opened on asgiref's worker thread, after the test.

    pytest-django manages only the test thread's connection. This fixture is
    itself async, so ``sync_to_async`` sends the close to that worker thread
    (as ``sample_project/conftest.py`` does for the project's tests).
    """
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL server for this test session (see _server_url)."""
    from workbench.services import start_postgres

    url, server = _server_url(TEST_POSTGRES_ENV, "PostgreSQL", start_postgres)
    yield url
    if server is not None:
        server.close()


@pytest.fixture(scope="session")
def redis_url():
    """URL of a Redis server for this test session (see _server_url)."""
    from workbench.services import start_redis

    url, server = _server_url(TEST_REDIS_ENV, "Redis", start_redis)
    yield url
    if server is not None:
        server.close()


def start_private(start, what: str, **options):
    """A server of this test's own, which it may stop and restart.

    The server programs come with the workbench's own dependencies (wheels);
    where a platform has none and no system server exists, the test skips
    saying what to install, except under CI (CI=true), where it fails.
    """
    from workbench.errors import ServiceUnavailable

    try:
        return start(**options)
    except ServiceUnavailable as exc:
        if in_ci():
            pytest.fail(f"{what} is required under CI: {exc}")
        pytest.skip(f"{what} is not available here: {exc}")


@pytest.fixture
def postgres_database_url(postgres_url):
    """A database of this test's own on the session's PostgreSQL server, dropped afterwards."""
    import uuid

    from workbench.tooling.provisioning import drop_database, fresh_database

    url = fresh_database(postgres_url, f"test_{uuid.uuid4().hex[:12]}")
    yield url
    drop_database(url)


from tests.browser import chromium  # noqa: E402,F401 - the shared browser fixture
