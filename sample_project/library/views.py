"""An async view: the HTTP side of the project, served by any ASGI server."""

from django.http import HttpRequest, JsonResponse

from .models import Book


async def index(request: HttpRequest) -> JsonResponse:
    """Say what the project holds, using the async ORM."""
    return JsonResponse({"project": "sample_project", "books": await Book.objects.acount()})
