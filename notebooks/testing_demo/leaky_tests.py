"""The mistake: a plain ``django_db`` mark on ``async def`` tests.

``django_db`` wraps each test in a transaction on the test thread's
connection and rolls it back afterwards. But the a-methods run on asgiref's
worker thread, with a connection of their own, outside that transaction:
what they write is committed, and the next test finds it.
"""

import pytest

from sample_project.library.models import Book


@pytest.mark.django_db
async def test_creates_a_book():
    await Book.objects.acreate(title="Leaked")
    assert await Book.objects.acount() == 1


@pytest.mark.django_db
async def test_starts_with_no_books():
    assert await Book.objects.acount() == 0
