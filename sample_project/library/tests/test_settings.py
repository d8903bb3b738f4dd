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


def test_postgresql_url_uses_psycopg_and_a_sized_pool():
    settings_dict = database_from_url("postgresql://app:s3cret@db.local:5433/shop?pool_max_size=40")
    assert settings_dict["ENGINE"] == "django.db.backends.postgresql"
    assert (settings_dict["HOST"], settings_dict["PORT"], settings_dict["NAME"]) == ("db.local", 5433, "shop")
    assert settings_dict["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections
    assert settings_dict["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 40, "timeout": 10}
    # The pool checks each connection it hands out: a restarted server costs no failed request.
    assert settings_dict["CONN_HEALTH_CHECKS"] is True


def test_postgresql_url_with_the_pool_off_uses_plain_connections():
    settings_dict = database_from_url("postgresql://app@db.local/shop?pool=off&sslmode=disable")
    assert "pool" not in settings_dict["OPTIONS"]
    assert settings_dict["OPTIONS"]["sslmode"] == "disable"  # other options still pass through
    assert settings_dict["CONN_MAX_AGE"] == 0  # a connection per request, closed at its end
    assert database_from_url("postgresql://db.local/shop?pool=on")["OPTIONS"]["pool"]["max_size"] == 10


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql://db.local/shop?pool=maybe", "pool='maybe' is neither on nor off"),
        ("postgresql://db.local/shop?pool=off&pool_max_size=5", "turns the pool off"),
        ("postgresql://db.local:port/shop", "invalid port"),
        ("postgresql://db.local", "must name a host and a database"),
        ("postgresql://db.local/shop?pool_size=3", "unknown pool option 'pool_size'"),
        ("postgresql://db.local/shop?pool_max_size=many", "must be a whole number"),
    ],
)
def test_bad_postgresql_urls_say_what_is_wrong(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_errors_never_show_the_password():
    with pytest.raises(ImproperlyConfigured) as info:
        database_from_url("postgresql://app:s3cret@db.local:x/shop")
    assert "s3cret" not in str(info.value) and "app:***@" in str(info.value)


def test_redis_urls_choose_the_layer_and_size_its_connection_pool():
    core = channel_layer_from_url("redis://127.0.0.1:6380/2?capacity=500")
    assert core["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert core["CONFIG"]["capacity"] == 500
    # redis-py's default of 100 connections is too few for a room of clients.
    host = core["CONFIG"]["hosts"][0]
    assert (host["address"], host["max_connections"]) == ("redis://127.0.0.1:6380/2", 1000)
    # A Redis restart is bridged: each command is retried for about 12 s before it fails.
    assert host["retry"].get_retries() == 15
    pubsub = channel_layer_from_url("redis+pubsub://127.0.0.1:6380/0?max_connections=50&prefix=lessons_gw1")
    assert pubsub["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert pubsub["CONFIG"]["hosts"][0]["max_connections"] == 50
    assert pubsub["CONFIG"]["prefix"] == "lessons_gw1"  # keys and channels of one user of a shared Redis


def test_a_malformed_redis_url_names_the_accepted_forms():
    with pytest.raises(ImproperlyConfigured, match="redis://host:port/db"):
        channel_layer_from_url("redis://127.0.0.1:port/0")
