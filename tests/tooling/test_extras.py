"""A bare `pip install -e .` (no extras): every command answers with a sentence, never a traceback.

The optional packages are hidden from a child process (``sys.modules[name] =
None`` makes both ``import`` and ``importlib.util.find_spec`` see them as absent),
which is what a bare install looks like to the workbench.
"""

import subprocess
import sys

import pytest

from workbench.tooling.extras import EXTRAS

HIDDEN = sorted({name for packages in EXTRAS.values() for name in packages} | {"IPython"})
BARE = (
    "import sys\n"
    f"for name in {HIDDEN!r}:\n"
    "    sys.modules[name] = None\n"
    "from workbench.tooling.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def bare_workbench(*args):
    return subprocess.run([sys.executable, "-c", BARE, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (["verify", "notebooks/00-getting-started.ipynb"], "test"),
        (["execute", "notebooks/00-getting-started.ipynb"], "lab"),
        (["docs"], "docs"),
        (["student"], "lab"),
        (["lab"], "lab"),
        (["test"], "test"),
    ],
)
def test_a_command_whose_extra_is_missing_says_which_to_install(command, extra):
    result = bare_workbench(*command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"from the {extra!r} extra" in result.stderr and f"-m pip install -e '.[{extra}]'" in result.stderr


def test_the_doctor_on_a_bare_install_reports_the_lab_extra_as_the_one_fix():
    result = bare_workbench("doctor")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "✘ a cell         cannot start a kernel: jupyter_client (from the lab extra) is not installed" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("One command fixes it: `") and "'.[lab]'" in result.stdout
