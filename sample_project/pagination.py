"""Run one page of a QuerySet with the async ORM and return it as ``AsyncOrmResult``.

Django 5.2's ``Paginator`` is sync only (6.0 adds ``AsyncPaginator``), so this
helper does the two queries itself: ``acount()`` for the total and an
``async for`` over the page's slice (one ``LIMIT``/``OFFSET`` query).
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, TypeVar

from django.core.paginator import UnorderedObjectListWarning
from django.db.models import QuerySet
from pydantic import BaseModel, Field

from sample_project.contracts import AsyncOrmResult, Contract

S = TypeVar("S", bound=BaseModel)

MAX_PAGE_SIZE = 100


class PageRequest(Contract):
    """The page a client asks for: ``?page=`` (from 1) and ``?size=`` (1-100)."""

    page: int = Field(default=1, ge=1, description="Page number, from 1")
    size: int = Field(default=10, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1-100)")


class PageOutOfRange(ValueError):
    """The page asked for lies past the last page; the message says where the pages end."""

    def __init__(self, page: int, last_page: int, count: int) -> None:
        self.page, self.last_page, self.count = page, last_page, count
        rows = "row" if count == 1 else "rows"
        super().__init__(
            f"Page {page} is past the last page: {count} {rows} make {last_page} "
            f"page{'s' if last_page != 1 else ''} of this size. Ask for page 1 to {last_page}."
        )


async def apaginate(
    queryset: QuerySet[Any], schema: type[S], *, page: int = 1, size: int = 10
) -> AsyncOrmResult[S]:
    """One page of ``queryset``, each row read into ``schema`` (``from_attributes``).

    ``page``/``size`` are validated like ``PageRequest`` (a ``ValidationError``
    names the bad one). Page 1 of an empty result is an empty page; any later
    page past the end raises ``PageOutOfRange``. ``execution_time`` is the
    seconds the two queries took, measured here.
    """
    request = PageRequest(page=page, size=size)
    if not queryset.ordered:
        warnings.warn(
            f"Pagination may yield inconsistent results with an unordered queryset of "
            f"{queryset.model.__name__}: add order_by().",
            UnorderedObjectListWarning,
            stacklevel=2,
        )
    started = time.perf_counter()
    count = await queryset.acount()
    last_page = max(1, math.ceil(count / request.size))
    if request.page > last_page:
        raise PageOutOfRange(request.page, last_page, count)
    offset = (request.page - 1) * request.size
    rows = [
        schema.model_validate(row, from_attributes=True)
        async for row in queryset[offset : offset + request.size]
    ]
    return AsyncOrmResult[schema](  # type: ignore[valid-type]
        data=rows,
        count=count,
        has_next=request.page < last_page,
        execution_time=time.perf_counter() - started,
    )


async def page_response(request: Any, queryset: QuerySet[Any], schema: type[BaseModel]) -> Any:
    """A JSON response with the page of ``queryset`` that ``?page=&size=`` ask for.

    Bad ``page``/``size`` (not whole numbers, out of range, past the last page,
    unknown or repeated parameters) answer 400 with a JSON error naming each problem.
    """
    from django.http import HttpResponse, JsonResponse
    from pydantic import ValidationError

    from sample_project.contracts import validation_problems

    def bad_request(problems: list[dict]) -> JsonResponse:
        return JsonResponse({"error": "invalid query parameters", "problems": problems}, status=400)

    # A repeated parameter (?page=1&page=2) arrives as a list, which fails validation.
    query = {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}
    try:
        wanted = PageRequest.model_validate(query)
        page = await apaginate(queryset, schema, page=wanted.page, size=wanted.size)
    except ValidationError as error:
        return bad_request(validation_problems(error))
    except PageOutOfRange as error:
        return bad_request([{"field": "page", "message": str(error), "input": query["page"]}])
    # Pydantic writes the JSON itself (by alias, ISO 8601 dates), without a dict in between.
    return HttpResponse(page.model_dump_json(), content_type="application/json")
