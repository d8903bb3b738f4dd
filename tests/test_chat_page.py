"""The chat page in headless Chromium, on a live uvicorn server."""

import pytest

import workbench
from tests.browser import screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_orm_worker_connections")]

ATTACK = '<img src=x onerror="window.injected = true">'


@pytest.fixture
def live():
    server = workbench.serve()
    yield server
    server.stop()


async def open_room(chromium, live, user=None):
    page = await chromium.new_page()
    if user is not None:  # posting needs a signed-in user: the session cookie a login would set
        cookies = await live.login(user)
        await page.context.add_cookies(
            [{"name": name, "value": value, "url": live.url} for name, value in cookies.items()]
        )
    await page.goto(live.url + "/chat/lobby/")
    await page.wait_for_function("document.getElementById('status').textContent === 'connected'")
    return page


async def send(page, text):
    await page.fill("#message", text)
    await page.click("button[type=submit]")


async def test_two_pages_chat_and_markup_stays_text(chromium, live):
    from django.contrib.auth.models import User

    ada, bea = await User.objects.acreate_user("ada"), await User.objects.acreate_user("bea")
    first, second = await open_room(chromium, live, ada), await open_room(chromium, live, bea)

    await send(first, "hello from the first tab")
    await second.locator("#log li", has_text="hello from the first tab").wait_for(timeout=5000)

    await send(second, ATTACK)
    for page in (first, second):
        last = page.locator("#log li .text").nth(1)
        await last.wait_for(timeout=5000)
        assert await last.text_content() == ATTACK
        assert await page.locator("#log img").count() == 0
        assert await page.evaluate("window.injected") is None
    assert await first.locator("#log .user").all_text_contents() == ["ada", "bea"]
    await screenshot(second, "chat-page")


async def test_an_anonymous_page_reads_the_room_and_is_told_it_may_not_post(chromium, live):
    from django.contrib.auth.models import User

    member = await open_room(chromium, live, await User.objects.acreate_user("ada"))
    visitor = await open_room(chromium, live)
    assert "Read-only" in await visitor.locator("#who").text_content()

    await send(member, "hello, visitor")
    await visitor.locator("#log li", has_text="hello, visitor").wait_for(timeout=5000)
    await send(visitor, "may I?")
    await visitor.locator("#log .error", has_text="not_authenticated").wait_for(timeout=5000)
