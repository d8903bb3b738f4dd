"""``workbench.setup()``: once per process, idempotent, from any kind of caller."""

import json
from pathlib import Path
from textwrap import dedent

import pytest

FULLY_MIGRATED = """
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

def unapplied():
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())
"""


def test_setup_configures_a_temporary_sqlite_file_and_migrates(run_python):
    out = run_python(
        dedent(
            """
            import json, threading, workbench
            wb = workbench.setup()
            from django.db import connection
            """
        )
        + FULLY_MIGRATED
        + dedent(
            """
        result = {}
        def probe():
            result["unapplied"] = len(unapplied())
            result["engine"] = connection.vendor
            result["name"] = connection.settings_dict["NAME"]
            connection.close()
        t = threading.Thread(target=probe); t.start(); t.join()
        result["repr"] = repr(wb)
        print(json.dumps(result))
        """
        )
    ).stdout
    result = json.loads(out)
    assert result["unapplied"] == 0
    assert result["engine"] == "sqlite"
    assert result["repr"] == "<Workbench database=sqlite (temporary file) channel_layer=in-memory>"
    assert "/" not in result["repr"]
    # Removed at exit, with its folder.
    assert not Path(result["name"]).exists()
    assert not Path(result["name"]).parent.exists()


def test_a_second_process_gets_a_fully_migrated_copy(run_python):
    code = (
        dedent(
            """
            import threading, workbench
            workbench.setup()
            from django.db import connection
            """
        )
        + FULLY_MIGRATED
        + dedent(
            """
            out = []
            t = threading.Thread(target=lambda: out.append(len(unapplied()))); t.start(); t.join()
            print(out[0])
            """
        )
    )
    assert run_python(code).stdout.strip() == "0"  # migrates, keeps a template
    assert run_python(code).stdout.strip() == "0"  # copies the template


def test_second_setup_is_idempotent_and_flushes(run_python):
    out = run_python(
        """
        import asyncio, workbench
        first = workbench.setup()
        from sample_project.library.models import Tag

        async def create():
            tag = await Tag.objects.acreate(name="async")
            return tag.id, await Tag.objects.acount()

        print(asyncio.run(create()))
        second = workbench.setup()
        print(second is first)
        print(asyncio.run(create()))
        workbench.setup(flush=False)
        print(asyncio.run(Tag.objects.acount()))
        """
    ).stdout.split()
    assert out == ["(1,", "1)", "True", "(1,", "1)", "1"]


def test_setup_works_inside_a_running_event_loop(run_python):
    out = run_python(
        """
        import asyncio, workbench

        async def main():
            workbench.setup()
            from sample_project.library.models import Author
            await Author.objects.acreate(name="Octavia E. Butler")
            workbench.setup()  # a re-run cell: flushes from inside the loop
            return await Author.objects.acount()

        print(asyncio.run(main()))
        """
    ).stdout
    assert out.strip() == "0"


def test_setup_works_from_a_thread(run_python):
    out = run_python(
        """
        import threading, workbench
        results = []
        def target():
            wb = workbench.setup()
            from sample_project.library.models import Book
            Book.objects.create(title="Kindred")
            results.append(Book.objects.count())
        t = threading.Thread(target=target); t.start(); t.join()
        print(results)
        """
    ).stdout
    assert out.strip() == "[1]"


def test_conflicting_second_setup_says_what_to_do(run_python):
    out = run_python(
        """
        import workbench
        workbench.setup()
        try:
            workbench.setup(database="sqlite:////tmp/other.sqlite3")
        except workbench.WorkbenchError as exc:
            print(exc)
        """
    ).stdout
    assert "database='sqlite:////tmp/other.sqlite3'" in out
    assert "restart the kernel" in out


def test_bad_url_changes_nothing(run_python):
    out = run_python(
        """
        import workbench
        from django.core.exceptions import ImproperlyConfigured
        from django.conf import settings
        for url in ["sqlite:///:memory:", "mysql://db/x"]:
            try:
                workbench.setup(database=url)
            except ImproperlyConfigured as exc:
                print(exc)
        try:
            workbench.setup(channel_layer="carrier-pigeon://")
        except ImproperlyConfigured as exc:
            print(exc)
        print("configured:", settings.configured)
        print(workbench.setup())
        """
    ).stdout
    assert "in-memory SQLite database is private to one thread" in out
    assert "'mysql://db/x'" in out and "sqlite:///relative/path.sqlite3" in out
    assert "'carrier-pigeon://'" in out and "memory://" in out
    assert "configured: False" in out
    assert out.strip().endswith("channel_layer=in-memory>")


def test_database_url_from_the_environment(run_python, tmp_path):
    database = tmp_path / "mine.sqlite3"
    out = run_python(
        """
        import workbench
        wb = workbench.setup()
        print(wb)
        """,
        env={"WORKBENCH_DATABASE_URL": f"sqlite:///{database}"},
    ).stdout
    assert out.strip() == "<Workbench database=sqlite channel_layer=in-memory>"
    assert database.exists()  # a database of the user's own is kept


def test_refuses_a_foreign_settings_module(run_python):
    out = run_python(
        """
        import workbench
        try:
            workbench.setup()
        except workbench.WorkbenchError as exc:
            print(exc)
        """,
        env={"DJANGO_SETTINGS_MODULE": "mysite.settings"},
    ).stdout
    assert "'mysite.settings'" in out and "Unset it" in out


def test_adopts_a_django_set_up_with_the_sample_settings(run_python):
    out = run_python(
        """
        import os, django, workbench
        os.environ["DJANGO_SETTINGS_MODULE"] = "sample_project.config.settings"
        django.setup()
        wb = workbench.setup()
        print(wb)
        print(workbench.setup() is wb)
        try:
            workbench.setup(database="sqlite:////tmp/other.sqlite3")
        except workbench.WorkbenchError as exc:
            print("refused:", "restart the kernel" in str(exc))
        """
    ).stdout.splitlines()
    assert out == [
        "<Workbench database=sqlite channel_layer=in-memory, configured elsewhere>",
        "True",
        "refused: True",
    ]


def test_refuses_settings_loaded_without_django_setup(run_python):
    out = run_python(
        """
        import os, workbench
        os.environ["DJANGO_SETTINGS_MODULE"] = "sample_project.config.settings"
        from django.conf import settings
        settings.DEBUG  # loads the settings, but no django.setup()
        try:
            workbench.setup()
        except workbench.WorkbenchError as exc:
            print(exc)
        """
    ).stdout
    assert "django.setup() has not run" in out


@pytest.mark.django_db(transaction=True)
async def test_setup_inside_a_pytest_django_test_adopts_its_test_database():
    import workbench
    from sample_project.library.models import Tag

    wb = workbench.setup()
    assert wb.configured_elsewhere and wb.database == "sqlite"
    await Tag.objects.acreate(name="kept")
    workbench.setup()  # adopted: never flushes pytest-django's database
    assert await Tag.objects.acount() == 1


def test_setup_on_postgresql_and_redis(run_python, postgres_database_url, redis_url):
    out = run_python(
        """
        import asyncio, workbench
        from channels.layers import get_channel_layer
        wb = workbench.setup()
        print(wb)
        from sample_project.library.models import Tag

        async def main():
            first = await Tag.objects.acreate(name="pg")
            layer = get_channel_layer()
            channel = await layer.new_channel()
            await layer.group_add("lesson", channel)
            await layer.group_send("lesson", {"type": "hello", "n": first.id})
            return (await layer.receive(channel))["n"]

        print(asyncio.run(main()))
        workbench.setup()  # flush: TRUNCATE ... RESTART IDENTITY on PostgreSQL
        print(asyncio.run(main()))
        """,
        env={"WORKBENCH_DATABASE_URL": postgres_database_url, "WORKBENCH_CHANNEL_LAYER_URL": redis_url},
    ).stdout.split("\n")
    assert out[:3] == ["<Workbench database=postgresql channel_layer=redis>", "1", "1"]


def test_an_unreachable_server_is_named(run_python):
    from workbench.services import free_port

    port = free_port()  # a port nothing listens on
    out = run_python(
        f"""
        import workbench
        for kwargs in (dict(database="postgresql://u:secret@127.0.0.1:{port}/db"),):
            try:
                workbench.setup(**kwargs)
            except workbench.WorkbenchError as exc:
                print(exc)
        """
    ).stdout
    assert f"Cannot reach the database server at 127.0.0.1:{port}" in out
    assert "secret" not in out


def test_an_unreachable_channel_layer_is_named(run_python):
    out = run_python(
        """
        import workbench
        try:
            workbench.setup(channel_layer="redis://127.0.0.1:1/0")
        except workbench.WorkbenchError as exc:
            print(exc)
        """
    ).stdout
    assert "Cannot reach the channel layer server at 127.0.0.1:1" in out


def test_django_configured_elsewhere_by_settings_configure_is_named(run_python):
    out = run_python(
        """
        import django, workbench
        from django.conf import settings
        settings.configure(INSTALLED_APPS=[])
        django.setup()
        try:
            workbench.setup()
        except workbench.WorkbenchError as exc:
            print(exc)
        """
    ).stdout
    assert "already configured in this process by settings.configure()" in out
    assert "Restart the kernel" in out and "AttributeError" not in out


def test_a_sqlite_file_in_a_missing_folder_is_named_and_the_process_stays_usable(run_python):
    out = run_python(
        """
        import workbench
        from django.conf import settings
        try:
            workbench.setup(database="sqlite:////nonexistent-dir/x.sqlite3")
        except workbench.WorkbenchError as exc:
            print(exc)
        print("configured:", settings.configured)
        print(workbench.setup())
        """
    ).stdout
    assert "the folder '/nonexistent-dir' does not exist" in out and "'x.sqlite3'" in out
    assert "configured: False" in out
    assert out.strip().endswith("<Workbench database=sqlite (temporary file) channel_layer=in-memory>")


def test_a_database_that_fails_to_migrate_is_named_and_a_later_setup_starts_afresh(run_python, tmp_path):
    broken = tmp_path / "not-a-database.sqlite3"
    broken.write_bytes(b"this is not a SQLite file" * 100)
    out = run_python(
        f"""
        import workbench
        try:
            workbench.setup(database="sqlite:///{broken}")
        except workbench.WorkbenchError as exc:
            print(exc)
        print(workbench.setup())
        from sample_project.library.models import Book
        print("books:", Book.objects.count())
        """
    ).stdout
    assert f"Migrating the database 'sqlite:///{broken}' failed: DatabaseError: file is not a database" in out
    assert "<Workbench database=sqlite (temporary file) channel_layer=in-memory>" in out
    assert out.strip().endswith("books: 0")


def test_an_unreadable_url_is_named_without_its_password_and_the_process_stays_usable(run_python):
    result = run_python(
        """
        import workbench
        from django.core.exceptions import ImproperlyConfigured
        try:
            workbench.setup(database="postgresql://u:secret pw@[::1/db")
        except ImproperlyConfigured as exc:
            print(exc)
        print(workbench.setup())
        """
    )
    assert "Database URL 'postgresql://u:***@[::1/db' cannot be read (Invalid IPv6 URL)" in result.stdout
    assert "percent-encoded" in result.stdout
    assert "secret" not in result.stdout + result.stderr
    assert result.stdout.strip().endswith("channel_layer=in-memory>")


def test_an_unreachable_server_leaves_the_process_usable(run_python):
    out = run_python(
        """
        import workbench
        try:
            workbench.setup(channel_layer="redis://127.0.0.1:1/0")
        except workbench.WorkbenchError:
            pass
        print(workbench.setup())
        """
    ).stdout
    assert out.strip() == "<Workbench database=sqlite (temporary file) channel_layer=in-memory>"


def test_setup_allows_the_test_clients_host_as_djangos_test_set_up_does(run_python):
    out = run_python("""
        import workbench
        workbench.setup()
        from django.conf import settings
        from sample_project.config import settings as project
        print("testserver" in settings.ALLOWED_HOSTS, "testserver" in project.ALLOWED_HOSTS)
    """).stdout.split()
    assert out == ["True", "False"]
