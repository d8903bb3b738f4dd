"""pytest fixtures for the sample project's tests."""

import pytest
from asgiref.sync import sync_to_async
from django.db import connections


@pytest.fixture(autouse=True)
async def close_orm_worker_connections():
    """Close the connections the async ORM opened on asgiref's worker thread.

    A-methods run on a worker thread with its own connection; pytest-django
    only manages the main thread's. Closing them after each test keeps one
    test's connection out of the next, and on PostgreSQL lets the run drop
    its test database at the end (an open session makes ``DROP DATABASE``
    fail: "database ... is being accessed by other users").
    This fixture is itself async, so ``sync_to_async`` sends the close to
    that same worker thread.
    """
    yield
    await sync_to_async(connections.close_all)()
