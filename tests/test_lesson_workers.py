"""``notebooks/conftest.py``: lessons in parallel on shared servers, each worker on its own data."""

import importlib.util
import os
from urllib.parse import urlsplit

import psycopg
import pytest

from workbench.paths import NOTEBOOKS

DATABASE_ENV, LAYER_ENV = "WORKBENCH_DATABASE_URL", "WORKBENCH_CHANNEL_LAYER_URL"


@pytest.fixture
def lesson_conftest():
    spec = importlib.util.spec_from_file_location("lesson_conftest", NOTEBOOKS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_worker_gets_a_database_and_a_layer_prefix_of_its_own(lesson_conftest, postgres_url, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw7")
    monkeypatch.setenv(DATABASE_ENV, postgres_url + "?pool_max_size=4")
    monkeypatch.setenv(LAYER_ENV, "redis://127.0.0.1:6399/0?capacity=50")
    lesson_conftest.pytest_configure(None)

    database = os.environ[DATABASE_ENV]
    assert urlsplit(database).path == "/lessons_gw7"
    assert urlsplit(database).query == "pool_max_size=4"  # options kept
    with psycopg.connect(database.split("?")[0]) as connection:
        assert connection.execute("select current_database()").fetchone() == ("lessons_gw7",)
    assert os.environ[LAYER_ENV] == "redis://127.0.0.1:6399/0?capacity=50&prefix=lessons_gw7"

    lesson_conftest.pytest_unconfigure(None)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(database.split("?")[0])


def test_without_xdist_or_servers_nothing_changes(lesson_conftest, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setenv(DATABASE_ENV, "postgresql://nowhere.invalid/db")
    lesson_conftest.pytest_configure(None)
    assert os.environ[DATABASE_ENV] == "postgresql://nowhere.invalid/db"

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv(DATABASE_ENV, "sqlite:////tmp/x.sqlite3")
    monkeypatch.setenv(LAYER_ENV, "memory://")
    lesson_conftest.pytest_configure(None)
    assert (os.environ[DATABASE_ENV], os.environ[LAYER_ENV]) == ("sqlite:////tmp/x.sqlite3", "memory://")
