"""The chat page."""

import pytest
from django.test import AsyncClient


async def test_the_room_page_names_its_room_safely():
    response = await AsyncClient().get("/chat/lobby/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script id="room" type="application/json">"lobby"</script>' in page
    assert "textContent" in page and "innerHTML" not in page


@pytest.mark.parametrize("room", ["bad%20room", "%3Cscript%3E"])
async def test_an_invalid_room_is_not_found(room):
    response = await AsyncClient().get(f"/chat/{room}/")
    assert response.status_code == 404
