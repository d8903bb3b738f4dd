"""The package's routes, added to the project's in ``config/urls.py``."""

from django.urls import path

from . import views

urlpatterns = [
    path("streams/report/", views.report, name="streams-report"),
    path("streams/ticks/", views.ticks, name="streams-ticks"),
]
