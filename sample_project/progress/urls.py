"""HTTP routes of the progress app, included under ``progress/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.room, name="progress-room"),
    path("me/", views.mine, name="progress-mine"),
    path("login/", views.login, name="progress-login"),
]
