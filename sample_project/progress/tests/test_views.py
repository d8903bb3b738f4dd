"""The progress pages: the grid for staff only (others are sent to sign in), a learner's page for anyone."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("staff", [False, True], ids=["a learner", "staff"])
def test_the_room_page_is_for_staff(client, staff):
    assert client.get("/progress/").url == "/progress/login/?next=/progress/"
    User.objects.create_user("someone", password="a-long-password-1", is_staff=staff)
    response = client.post("/progress/login/", {"username": "someone", "password": "a-long-password-1"})
    assert response.status_code == 302
    page = client.get("/progress/")
    if staff:
        assert page.status_code == 200 and b'id="grid"' in page.content
    else:
        assert page.status_code == 302 and page.url.startswith("/progress/login/")


def test_a_wrong_password_is_told_so(client):
    User.objects.create_user("teacher", password="a-long-password-1", is_staff=True)
    response = client.post("/progress/login/", {"username": "teacher", "password": "wrong"})
    assert response.status_code == 200 and b"do not match a staff account" in response.content


def test_a_learners_page_asks_for_the_token_and_shows_nobody_elses_results(client):
    page = client.get("/progress/me/")
    assert page.status_code == 200
    assert b"ws/progress/mine/" in page.content and b"ws/progress/room/" not in page.content
