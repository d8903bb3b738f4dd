"""Async views: the HTTP side of the project, served by any ASGI server."""

from django.http import HttpRequest, JsonResponse

from sample_project.pagination import page_response

from .models import Book
from .schemas import BookOut


async def index(request: HttpRequest) -> JsonResponse:
    """Say what the project holds, using the async ORM."""
    return JsonResponse({"project": "sample_project", "books": await Book.objects.acount()})


async def book_list(request: HttpRequest) -> JsonResponse:
    """``GET /api/books/?page=&size=``: one page of books as ``AsyncOrmResult<Book>``.

    Bad ``page``/``size`` answer 400 with a JSON error naming each problem.
    """
    return await page_response(request, Book.objects.select_related("author").order_by("id"), BookOut)
