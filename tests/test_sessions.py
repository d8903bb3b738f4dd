"""``login_cookies()``: a real session, written the way a login view writes it."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore

from workbench.sessions import cookie_header, login_cookies

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_orm_worker_connections")]


async def test_the_cookie_names_a_stored_session_of_that_user():
    alice = await User.objects.acreate_user("alice", password="a-long-password-1")
    cookies = await login_cookies(alice)
    assert list(cookies) == [settings.SESSION_COOKIE_NAME]
    session = SessionStore(session_key=cookies[settings.SESSION_COOKIE_NAME])
    assert await session.aget("_auth_user_id") == str(alice.pk)
    assert await login_cookies(alice) != cookies  # a new session each time


@pytest.mark.parametrize("user", [AnonymousUser(), User(username="unsaved"), None])
async def test_only_saved_users_log_in(user):
    with pytest.raises(ValueError, match="can only log in a saved user"):
        await login_cookies(user)


def test_cookie_header():
    assert cookie_header({"sessionid": "abc", "csrftoken": "x"}) == "sessionid=abc; csrftoken=x"
