"""The ``workbench`` command line."""

import subprocess
import sys

import pytest

from workbench import cli


@pytest.mark.parametrize("command", [[], ["lab"], ["test"], ["execute"]])
def test_every_command_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "workbench", *command, "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "usage: workbench" in result.stdout


def test_no_command_is_an_error_that_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "workbench"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "lab" in result.stderr and "execute" in result.stderr


def test_test_command_runs_every_lesson_under_strict_nbval():
    command = cli.pytest_command(["-k", "x"])
    assert "--nbval" in command and "--nbval-lax" not in command
    assert any(part.endswith("sanitize.cfg") for part in command)
    assert command[-2:] == ["-k", "x"]


def test_lessons_run_in_parallel_on_the_servers_too(tmp_path):
    command = cli.lessons_on_servers_command(tmp_path / "sanitize.cfg", ["-k", "09"])
    assert command[command.index("-n") + 1] == command[cli.pytest_command().index("-n") + 1]
    assert "--dist" in command and "--nbval" in command
    assert f"--nbval-sanitize-with={tmp_path / 'sanitize.cfg'}" in command
    assert command[-2:] == ["-k", "09"]


def test_lessons_are_listed_in_order():
    names = [path.name for path in cli.lesson_paths()]
    assert names and names == sorted(names)
    assert names[0] == "00-getting-started.ipynb"


def test_warm_up_leaves_the_migrated_template_and_ignores_backend_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql://nowhere.invalid/db")
    assert cli.warm_up_setup().wait(timeout=120) == 0
    templates = list((tmp_path / "django-async-workbench-templates").glob("*.sqlite3"))
    assert len(templates) == 1 and templates[0].stat().st_size > 0
