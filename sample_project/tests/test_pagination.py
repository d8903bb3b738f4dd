"""apaginate: one page of a QuerySet through the async ORM, as AsyncOrmResult."""

import pytest
from django.core.paginator import UnorderedObjectListWarning
from pydantic import ValidationError

from sample_project.contracts import AsyncOrmResult
from sample_project.library.models import Author, Book
from sample_project.library.schemas import BookOut
from sample_project.pagination import PageOutOfRange, apaginate

pytestmark = pytest.mark.django_db(transaction=True)


async def seven_books() -> None:
    butler = await Author.objects.acreate(name="Octavia E. Butler")
    await Book.objects.abulk_create(
        [Book(title=f"Book {n}", author=butler if n % 2 else None, pages=n) for n in range(1, 8)]
    )


async def test_pages_hold_the_rows_the_count_and_whether_more_follow():
    await seven_books()
    books = Book.objects.select_related("author").order_by("id")
    first = await apaginate(books, BookOut, page=1, size=3)
    last = await apaginate(books, BookOut, page=3, size=3)
    assert isinstance(first, AsyncOrmResult)
    assert [b.title for b in first.data] == ["Book 1", "Book 2", "Book 3"]
    assert (first.count, first.has_next) == (7, True)
    assert [b.title for b in last.data] == ["Book 7"] and last.has_next is False
    assert first.data[0].author == "Octavia E. Butler" and first.data[1].author is None
    assert first.execution_time >= 0


async def test_an_empty_table_has_one_empty_page_and_nothing_after_it():
    page = await apaginate(Book.objects.order_by("id"), BookOut, page=1, size=10)
    assert (page.data, page.count, page.has_next) == ([], 0, False)
    with pytest.raises(PageOutOfRange, match="Page 2 is past the last page: 0 rows make 1 page"):
        await apaginate(Book.objects.order_by("id"), BookOut, page=2, size=10)


async def test_a_page_past_the_end_says_where_the_pages_end():
    await seven_books()
    with pytest.raises(PageOutOfRange) as caught:
        await apaginate(Book.objects.order_by("id"), BookOut, page=4, size=3)
    assert str(caught.value) == (
        "Page 4 is past the last page: 7 rows make 3 pages of this size. Ask for page 1 to 3."
    )


@pytest.mark.parametrize(("page", "size", "field"), [(0, 10, "page"), (1, 0, "size"), (1, 101, "size")])
async def test_page_and_size_are_validated(page, size, field):
    with pytest.raises(ValidationError, match=field):
        await apaginate(Book.objects.order_by("id"), BookOut, page=page, size=size)


async def test_an_unordered_queryset_gets_django_s_warning():
    with pytest.warns(UnorderedObjectListWarning, match="add order_by"):
        await apaginate(Book.objects.all(), BookOut)
