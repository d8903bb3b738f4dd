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


async def open_room(chromium, live):
    page = await chromium.new_page()
    await page.goto(live.url + "/chat/lobby/")
    await page.wait_for_function("document.getElementById('status').textContent === 'connected'")
    return page


async def send(page, text):
    await page.fill("#message", text)
    await page.click("button[type=submit]")


async def test_two_pages_chat_and_markup_stays_text(chromium, live):
    first, second = await open_room(chromium, live), await open_room(chromium, live)

    await send(first, "hello from the first tab")
    await second.locator("#log li", has_text="hello from the first tab").wait_for(timeout=5000)

    await send(second, ATTACK)
    for page in (first, second):
        last = page.locator("#log li .text").nth(1)
        await last.wait_for(timeout=5000)
        assert await last.text_content() == ATTACK
        assert await page.locator("#log img").count() == 0
        assert await page.evaluate("window.injected") is None
    assert await first.locator("#log .user").all_text_contents() == ["anonymous", "anonymous"]
    await screenshot(second, "chat-page")
