"""Backends from URLs, and safe defaults."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sample_project.config.backends import channel_layer_from_url, database_from_url


def test_sqlite_urls_relative_and_absolute():
    assert database_from_url("sqlite:///db.sqlite3", base_dir=Path("/srv"))["NAME"] == "/srv/db.sqlite3"
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"
    options = database_from_url("sqlite:////tmp/x.sqlite3")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://h/db", "nonsense"])
def test_unsupported_database_urls_name_the_accepted_forms(url):
    with pytest.raises(ImproperlyConfigured, match="Use one of: sqlite:///"):
        database_from_url(url)


def test_channel_layer_urls():
    assert channel_layer_from_url("memory://") == {
        "BACKEND": "sample_project.config.layers.InMemoryChannelLayer"
    }
    with pytest.raises(ImproperlyConfigured, match="memory://"):
        channel_layer_from_url("rabbit://")


def test_debug_is_off_unless_asked_for():
    assert settings.DEBUG is False
    assert "insecure" in settings.SECRET_KEY  # the marked development default
