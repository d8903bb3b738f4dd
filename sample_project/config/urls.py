"""URL configuration for the sample project's HTTP side."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from sample_project.chat import views as chat_views
from sample_project.compute.views import urlpatterns as compute_patterns
from sample_project.library import views
from sample_project.streams.urls import urlpatterns as streams_patterns

urlpatterns = [
    path("", views.index, name="index"),
    path("api/books/", views.book_list, name="book-list"),
    path("chat/<str:room>/", chat_views.room, name="chat-room"),
    path("api/chat/<str:room>/messages/", chat_views.message_list, name="chat-messages"),
    path("progress/", include("sample_project.progress.urls")),
    # Django's own sign-in and sign-out views (accounts: manage.py createsuperuser).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns += streams_patterns  # /streams/report/ and /streams/ticks/ (lesson 04)
urlpatterns += compute_patterns  # /compute/ping/, /compute/on-loop/ ... (lesson 11)
