"""``workbench test`` and the nbval commands every tool builds."""

from workbench.paths import SANITIZE, exercise_paths
from workbench.tooling import testing


def test_test_command_runs_every_lesson_under_strict_nbval():
    command = testing.pytest_command(["-k", "x"])
    assert "--nbval" in command and "--nbval-lax" not in command
    assert any(part.endswith("sanitize.cfg") for part in command)
    assert command[-2:] == ["-k", "x"]


def test_check_command_is_strict_nbval_on_the_given_notebooks():
    paths = exercise_paths()[:2]
    command = testing.nbval_command(paths, ["-x"])
    assert "--nbval" in command and "--nbval-lax" not in command
    assert command[-3:] == [*map(str, paths), "-x"]
    assert "no:xdist" in testing.nbval_command(paths[:1])


def test_lessons_checked_on_servers_may_differ_only_in_the_backends_they_name(tmp_path):
    with testing.sanitize_file({}) as sanitize:
        assert sanitize == SANITIZE
    with testing.sanitize_file({"WORKBENCH_DATABASE_URL": "postgresql://db.example/x"}) as sanitize:
        text = sanitize.read_text()
    assert text.startswith(SANITIZE.read_text()) and text.endswith(testing.BACKENDS_SANITIZER)
    assert not sanitize.exists()  # a temporary file, gone afterwards


def test_lessons_run_in_parallel_on_the_servers_too(tmp_path):
    command = testing.lessons_on_servers_command(tmp_path / "sanitize.cfg", ["-k", "09"])
    pass_1 = testing.pytest_command()
    assert command[command.index("-n") + 1] == pass_1[pass_1.index("-n") + 1]
    assert "--dist" in command and "--nbval" in command
    assert f"--nbval-sanitize-with={tmp_path / 'sanitize.cfg'}" in command
    assert command[-2:] == ["-k", "09"]
