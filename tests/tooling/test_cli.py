"""The ``workbench`` command line: every command documented, errors as sentences."""

import re
import shlex

import pytest

from tests.tooling.conftest import workbench
from workbench.paths import PROJECT_ROOT
from workbench.tooling import cli

COMMANDS = ["lab", "test", "verify", "execute", "student", "grade", "docs", "doctor", "types", "serve"]


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


def test_a_missing_notebook_is_named():
    result = workbench("verify", "notebooks/99-nothing.ipynb")
    assert result.returncode == 2 and "not a notebook file" in result.stderr and "99-nothing" in result.stderr


INSTRUCTORS_GUIDE = PROJECT_ROOT / "docs" / "guides" / "instructors.md"


def guide_commands(section):
    guide = INSTRUCTORS_GUIDE.read_text()
    text = guide.split(section, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("section", ["## The instructor's workflow", "## The learner's workflow"])
def test_the_instructors_guide_workflows_use_commands_that_exist(section):
    commands = guide_commands(section)
    assert commands
    for line in commands:
        for part in line.split("&&"):
            words = shlex.split(part)
            if words[0] != ".venv/bin/workbench":
                continue
            args, extra = cli.build_parser().parse_known_args(words[1:])
            assert extra == [], line
            for name in getattr(args, "notebooks", []) + getattr(args, "exercises", []):
                assert (PROJECT_ROOT / name).is_file(), line
