"""``add_database()``: an extra alias at run time, with tables, and gone again after ``remove()``."""

from pathlib import Path

import pytest
from django.db import connections

import workbench
from sample_project.library.models import Author, Book, Tag


@pytest.fixture
def unblocked(django_db_blocker):
    """The extra aliases only: no test database of pytest-django's is involved."""
    with django_db_blocker.unblock():
        yield


async def test_an_added_sqlite_database_has_tables_and_is_removed_with_its_file(unblocked):
    extra = await workbench.add_database("extra", {"ENGINE": "django.db.backends.sqlite3"}, models=[Author, Tag, Book])
    try:
        assert repr(extra) == "<ExtraDatabase 'extra'>"
        path = Path(extra.settings["NAME"])
        assert path.exists() and extra.settings["CONN_MAX_AGE"] == 0  # Django's defaults filled in
        await Book.objects.using("extra").acreate(title="Kindred")
        assert await Book.objects.using("extra").acount() == 1
    finally:
        await extra.remove()
    assert "extra" not in connections.settings and not path.parent.exists()


async def test_adding_the_same_alias_again_replaces_it(unblocked, tmp_path):
    first = await workbench.add_database(
        "again", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "a.sqlite3")}, models=[Author]
    )
    await Author.objects.using("again").acreate(name="Ada")
    second = await workbench.add_database(
        "again", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "b.sqlite3"), "OPTIONS": {"timeout": 3}},
        models=[Author],
    )
    try:
        assert await Author.objects.using("again").acount() == 0
        assert connections.settings["again"]["OPTIONS"] == {"timeout": 3}
    finally:
        await second.remove()
        await first.remove()  # already gone: no error
    assert (tmp_path / "a.sqlite3").exists()  # a NAME given by the caller is the caller's file


async def test_default_cannot_be_replaced():
    with pytest.raises(workbench.WorkbenchError, match="beside 'default'"):
        await workbench.add_database("default", {"ENGINE": "django.db.backends.sqlite3"})
