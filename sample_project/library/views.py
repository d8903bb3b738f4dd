"""Async views: the HTTP side of the project, served by any ASGI server."""

from django.http import HttpRequest, JsonResponse
from pydantic import ValidationError

from sample_project.contracts import validation_problems
from sample_project.pagination import PageOutOfRange, PageRequest, apaginate

from .models import Book
from .schemas import BookOut


async def index(request: HttpRequest) -> JsonResponse:
    """Say what the project holds, using the async ORM."""
    return JsonResponse({"project": "sample_project", "books": await Book.objects.acount()})


async def book_list(request: HttpRequest) -> JsonResponse:
    """``GET /api/books/?page=&size=``: one page of books as ``AsyncOrmResult<Book>``.

    Bad ``page``/``size`` (not whole numbers, out of range, past the last page,
    unknown or repeated parameters) answer 400 with a JSON error naming each problem.
    """
    # A repeated parameter (?page=1&page=2) arrives as a list, which fails validation.
    query = {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}
    try:
        wanted = PageRequest.model_validate(query)
        page = await apaginate(
            Book.objects.select_related("author").order_by("id"),
            BookOut,
            page=wanted.page,
            size=wanted.size,
        )
    except ValidationError as error:
        return _bad_request(validation_problems(error))
    except PageOutOfRange as error:
        return _bad_request([{"field": "page", "message": str(error), "input": query["page"]}])
    return JsonResponse(page.model_dump(mode="json"))


def _bad_request(problems: list[dict]) -> JsonResponse:
    return JsonResponse({"error": "invalid query parameters", "problems": problems}, status=400)
