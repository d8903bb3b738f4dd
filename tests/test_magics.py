"""The IPython extension: ``%%sync`` and ``%context``, in a real IPython shell."""

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "workbench")
    yield ip
    InteractiveShell.clear_instance()


def run(shell, source):
    result = shell.run_cell(source, store_history=False)
    result.raise_error()
    return result.result


def test_sync_cell_runs_on_the_orm_worker_and_assigns_names(shell):
    run(shell, "%%sync\nimport workbench\nreport = workbench.describe_context()\nx = 41 + 1")
    assert shell.user_ns["x"] == 42
    assert shell.user_ns["report"].thread == "asgiref sync worker"
    assert shell.user_ns["report"].sync_orm_allowed is True


def test_sync_cell_shows_its_last_expression_rendered_on_the_worker(shell):
    rendered = run(shell, "%%sync\nimport threading\nthreading.current_thread().name")
    assert repr(rendered).startswith("'ThreadPoolExecutor")
    assert run(shell, "%%sync\nvalue = 3\nvalue;") is None


def test_sync_cell_raises_the_cells_own_error(shell):
    result = shell.run_cell("%%sync\n1 / 0", store_history=False)
    assert isinstance(result.error_in_exec, ZeroDivisionError)


async def test_sync_cell_works_while_the_shells_loop_is_running(shell):
    # A kernel runs cells inside a running loop; so does this test.
    cell = "%%sync\nimport workbench\nok = workbench.is_async_context()"
    result = await shell.run_cell_async(cell, transformed_cell=shell.transform_cell(cell))
    result.raise_error()
    assert shell.user_ns["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_sync_cell_uses_the_orm(shell):
    run(shell, "%%sync\nfrom sample_project.library.models import Tag\nTag.objects.create(name='sync')\nn = Tag.objects.count()")
    assert shell.user_ns["n"] == 1


def test_context_magic_prints_the_report(shell, capsys):
    run(shell, "%context")
    out = capsys.readouterr().out
    assert "thread:" in out and "async-unsafe guard:     on" in out
