"""The ``workbench`` command line."""

import os
import re
import shlex
import subprocess
import sys

import nbformat
import pytest

from workbench import cli

COMMANDS = ["lab", "check", "student", "docs", "doctor", "test", "execute", "types", "serve"]


def workbench(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, **kwargs)


@pytest.mark.parametrize("command", [[]] + [[name] for name in COMMANDS])
def test_every_command_has_help(command):
    result = workbench(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: workbench" in result.stdout


def test_no_command_is_an_error_that_lists_the_commands():
    result = workbench()
    assert result.returncode == 2
    assert all(name in result.stderr for name in COMMANDS)


def test_types_refuses_arguments_it_does_not_know():
    result = workbench("types", "--chek")
    assert result.returncode == 2
    assert "unrecognized arguments: --chek" in result.stderr


def test_test_command_runs_every_lesson_under_strict_nbval():
    command = cli.pytest_command(["-k", "x"])
    assert "--nbval" in command and "--nbval-lax" not in command
    assert any(part.endswith("sanitize.cfg") for part in command)
    assert command[-2:] == ["-k", "x"]


def test_check_command_is_strict_nbval_on_the_given_notebooks():
    paths = cli.exercise_paths()[:2]
    command = cli.nbval_command(paths, ["-x"])
    assert "--nbval" in command and "--nbval-lax" not in command
    assert command[-3:] == [*map(str, paths), "-x"]
    assert "no:xdist" in cli.nbval_command(paths[:1])


def test_lessons_and_exercises_are_listed_in_order():
    names = [path.name for path in cli.lesson_paths()]
    assert names and names == sorted(names)
    assert names[0] == "00-getting-started.ipynb"
    exercises = [path.name for path in cli.exercise_paths()]
    assert exercises and exercises == sorted(exercises)


def test_student_writes_stubbed_versions(tmp_path):
    result = workbench("student", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.glob("*.ipynb"))
    assert written == [path.name for path in cli.exercise_paths()]
    source = "\n".join(cell.source for cell in nbformat.read(tmp_path / written[0], as_version=4).cells)
    assert "raise NotImplementedError()" in source and "BEGIN SOLUTION" not in source
    assert f"workbench lab {tmp_path}" in result.stdout


def test_student_refuses_a_notebook_without_solutions_and_says_why(tmp_path):
    result = workbench("student", str(cli.lesson_paths()[0]), "-o", str(tmp_path))
    assert result.returncode == 1
    assert "00-getting-started.ipynb: this notebook has no `### BEGIN SOLUTION`" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_missing_notebook_is_named():
    result = workbench("check", "notebooks/99-nothing.ipynb")
    assert result.returncode == 1 and "not a notebook file" in result.stderr and "99-nothing" in result.stderr


def test_lab_refuses_a_folder_that_does_not_exist():
    result = workbench("lab", "--port", "8890")
    assert result.returncode == 1
    assert "no folder '8890'" in result.stderr and "--port=8890" in result.stderr


def test_lab_stops_jupyterlab_and_its_kernels_when_terminated(tmp_path):
    import json
    import time
    import urllib.request

    from workbench.services import free_port, is_listening

    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "c"), "JUPYTER_DATA_DIR": str(tmp_path / "d"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "r")}
    lab = subprocess.Popen(
        [sys.executable, "-m", "workbench", "lab", str(tmp_path), "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=t", "--ServerApp.port_retries=0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not is_listening("127.0.0.1", port) and time.monotonic() < deadline:
            assert lab.poll() is None, "workbench lab exited early"
            time.sleep(0.2)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels?token=t", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel = json.load(response)
        kernel_file = tmp_path / "r" / f"kernel-{kernel['id']}.json"
        assert kernel_file.exists()
    finally:
        lab.terminate()  # SIGTERM to the workbench process only
        assert lab.wait(timeout=60) is not None
    assert not is_listening("127.0.0.1", port), "JupyterLab outlived `workbench lab`"
    assert not kernel_file.exists(), "the kernel was not shut down"


def test_check_runs_an_exercise_and_its_student_version():
    exercise = cli.exercise_paths()[0]
    result = workbench("check", str(exercise), cwd=cli.PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ passed", result.stdout)
    assert f"✔ {exercise.name}: all " in result.stdout
    assert "say \"not yet\" with a hint" in result.stdout


def readme_commands(section):
    readme = (cli.PROJECT_ROOT / "README.md").read_text()
    text = readme.split(section, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("section", ["### The instructor's workflow", "### The learner's workflow"])
def test_the_readme_workflows_use_commands_that_exist(section):
    commands = readme_commands(section)
    assert commands
    for line in commands:
        for part in line.split("&&"):
            words = shlex.split(part)
            if words[0] != ".venv/bin/workbench":
                continue
            args, extra = cli.build_parser().parse_known_args(words[1:])
            assert extra == [], line
            for name in getattr(args, "notebooks", []) + getattr(args, "exercises", []):
                assert (cli.PROJECT_ROOT / name).is_file(), line


def test_lessons_checked_on_servers_may_differ_only_in_the_backends_they_name(tmp_path):
    with cli.sanitize_file({}) as sanitize:
        assert sanitize == cli.SANITIZE
    with cli.sanitize_file({"WORKBENCH_DATABASE_URL": "postgresql://db.example/x"}) as sanitize:
        text = sanitize.read_text()
    assert text.startswith(cli.SANITIZE.read_text()) and text.endswith(cli.BACKENDS_SANITIZER)
    assert not sanitize.exists()  # a temporary file, gone afterwards


def test_lessons_run_in_parallel_on_the_servers_too(tmp_path):
    command = cli.lessons_on_servers_command(tmp_path / "sanitize.cfg", ["-k", "09"])
    pass_1 = cli.pytest_command()
    assert command[command.index("-n") + 1] == pass_1[pass_1.index("-n") + 1]
    assert "--dist" in command and "--nbval" in command
    assert f"--nbval-sanitize-with={tmp_path / 'sanitize.cfg'}" in command
    assert command[-2:] == ["-k", "09"]


def test_warm_up_leaves_the_migrated_template_and_ignores_backend_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql://nowhere.invalid/db")
    assert cli.warm_up_setup().wait(timeout=120) == 0
    templates = list((tmp_path / "django-async-workbench-templates").glob("*.sqlite3"))
    assert len(templates) == 1 and templates[0].stat().st_size > 0
