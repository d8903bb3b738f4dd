"""The fix: ``transaction=True``, pytest-asyncio's auto mode, and closed worker connections.

``transaction=True`` makes pytest-django empty the tables after each test
instead of rolling back a transaction, so rows written from any thread go.
``asyncio_mode = "auto"`` (pyproject.toml) runs ``async def`` tests on an
event loop without a mark on each. The fixture closes the connection the
a-methods opened on asgiref's worker thread, which pytest-django does not
manage (the sample project's ``conftest.py`` has the same fixture).
"""

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from sample_project.library.models import Book


@pytest.fixture(autouse=True)
async def close_orm_worker_connections():
    yield
    # An async fixture: sync_to_async sends the close to the worker thread.
    await sync_to_async(connections.close_all)()


def worker_connection_is_open():
    return connections["default"].connection is not None


@pytest.mark.django_db(transaction=True)
async def test_creates_a_book():
    await Book.objects.acreate(title="Not leaked")
    assert await Book.objects.acount() == 1
    assert await sync_to_async(worker_connection_is_open)()


@pytest.mark.django_db(transaction=True)
async def test_starts_with_no_books_and_a_closed_worker_connection():
    assert not await sync_to_async(worker_connection_is_open)()
    assert await Book.objects.acount() == 0
