"""The progress pages: the staff grid, a learner's own results, and the staff sign-in."""

from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy


def is_staff(user: object) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


@user_passes_test(is_staff, login_url=reverse_lazy("progress-login"))
def room(request: HttpRequest) -> HttpResponse:
    """``/progress/``: the room as a live grid (learner × check), for staff; it connects to ``ws/progress/room/``."""
    return render(request, "progress/room.html")


def mine(request: HttpRequest) -> HttpResponse:
    """``/progress/me/``: a learner's own results, once they paste their token (kept in this tab only)."""
    return render(request, "progress/mine.html")


login = LoginView.as_view(template_name="progress/login.html", next_page=reverse_lazy("progress-room"))
