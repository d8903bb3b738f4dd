"""The guide's two testing patterns, done right.

1. pytest: ``@pytest.mark.django_db(transaction=True)`` on an ``async def``
   test. ``asyncio_mode = "auto"`` (pyproject.toml) runs it on an event loop;
   ``transaction=True`` is required because the a-methods run on another
   thread with another connection, outside the test's rollback transaction.
2. Django's ``TestCase`` with ``async def`` test methods: Django runs them so
   that thread-sensitive code stays on the test's thread and connection, so
   the usual per-test rollback works and ``self.async_client`` is available.
"""

import datetime

import pytest
from django.test import TestCase

from sample_project.library.models import Author, Book, Tag


@pytest.mark.django_db(transaction=True)
async def test_async_orm_operations():
    author = await Author.objects.acreate(name="Test Author")
    book = await Book.objects.acreate(
        title="Test Book", author=author, published_date=datetime.date(2024, 1, 1)
    )

    retrieved = await Book.objects.select_related("author").aget(id=book.id)
    assert retrieved.title == "Test Book"
    assert retrieved.author.name == "Test Author"

    books = [b async for b in Book.objects.filter(author__name="Test Author")]
    assert [b.id for b in books] == [book.id]


@pytest.mark.django_db(transaction=True)
async def test_each_transactional_test_starts_empty():
    # Runs after the test above in this module; nothing it created is left.
    assert await Book.objects.acount() == 0


@pytest.mark.django_db
def test_sync_orm_operations():
    author = Author.objects.create(name="Sync Author")
    book = Book.objects.create(title="Sync Test Book", author=author)
    assert Book.objects.get(id=book.id).title == "Sync Test Book"


class AsyncTestCaseTests(TestCase):
    # unittest runs these in alphabetical order; each starts with no books
    # only because the other one's book was rolled back.

    async def test_related_managers(self):
        assert await Book.objects.acount() == 0, "a book from another test was not rolled back"
        book = await Book.objects.acreate(title="Kindred")
        tag = await Tag.objects.acreate(name="classic")
        await book.tags.aadd(tag)
        assert [t.name async for t in book.tags.all()] == ["classic"]

    async def test_async_client_calls_an_async_view(self):
        assert await Book.objects.acount() == 0, "a book from another test was not rolled back"
        await Book.objects.acreate(title="Parable of the Sower")
        response = await self.async_client.get("/")
        assert response.status_code == 200
        assert response.json() == {"project": "sample_project", "books": 1}
