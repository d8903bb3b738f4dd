"""The same middleware two ways: sync only (adapted under ASGI) and sync-and-async (never adapted)."""

import logging

import pytest
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import AsyncClient, Client, override_settings

from sample_project.streams.middleware import server_timing, sync_only_server_timing

PATH = "sample_project.streams.middleware."
ADAPTED = "Asynchronous handler adapted for middleware"


def adaptations(caplog, handler_class, middleware):
    caplog.set_level(logging.DEBUG, logger="django.request")
    caplog.clear()
    with override_settings(DEBUG=True, MIDDLEWARE=[*settings.MIDDLEWARE, PATH + middleware]):
        handler_class()
    return [record.getMessage() for record in caplog.records if ADAPTED in record.getMessage()]


def test_the_flags_django_reads():
    assert not hasattr(sync_only_server_timing, "async_capable")  # Django's default: False
    assert (server_timing.sync_capable, server_timing.async_capable) == (True, True)


def test_under_asgi_only_the_sync_only_middleware_is_adapted(caplog):
    assert adaptations(caplog, ASGIHandler, "server_timing") == []
    assert adaptations(caplog, ASGIHandler, "sync_only_server_timing") == [
        f"{ADAPTED} {PATH}sync_only_server_timing."
    ]


def test_under_wsgi_neither_is_adapted(caplog):
    for middleware in ("server_timing", "sync_only_server_timing"):
        assert adaptations(caplog, WSGIHandler, middleware) == []


@pytest.mark.parametrize("middleware", ["server_timing", "sync_only_server_timing"])
async def test_both_add_server_timing_under_asgi(middleware):
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, PATH + middleware]):
        response = await AsyncClient().get("/streams/ticks/?count=1")
    assert response.status_code == 200 and response["Server-Timing"].startswith("app;dur=")


@pytest.mark.parametrize("middleware", ["server_timing", "sync_only_server_timing"])
def test_both_add_server_timing_under_wsgi(middleware):
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, PATH + middleware]):
        response = Client().get("/streams/ticks/?count=1")
    assert response.status_code == 200 and response["Server-Timing"].startswith("app;dur=")
