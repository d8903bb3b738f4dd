"""Every lesson and exercise, run twice in one kernel, prints what is stored, both times.

nbval (in the same test command) checks a first run in a fresh kernel against
the stored outputs; this test adds the second run in the *same* kernel, the
way a learner re-runs a notebook.
"""

import configparser
import re

import pytest

from workbench.paths import SANITIZE, exercise_paths, lesson_paths
from workbench.tooling.execution import execute_twice


def _sanitizers():
    parser = configparser.ConfigParser()
    parser.read(SANITIZE)
    return [(re.compile(section["regex"]), section["replace"]) for section in parser.values() if "regex" in section]


SANITIZERS = _sanitizers()


def comparable(notebook):
    """The outputs nbval compares, sanitized the same way, per code cell."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                text = f"{output.name}: {output.text}"
            elif output.output_type == "error":
                text = f"error: {output.ename}: {output.evalue}"
            else:
                text = output.get("data", {}).get("text/plain", "")
            for pattern, replacement in SANITIZERS:
                text = pattern.sub(replacement, text)
            outputs.append(text)
        cells.append(outputs)
    return cells


@pytest.mark.parametrize(
    "lesson", lesson_paths() + exercise_paths(), ids=lambda p: f"{p.parent.name}/{p.stem}" if p in exercise_paths() else p.stem
)
def test_lesson_repeats_its_outputs_in_one_kernel(lesson):
    import nbformat

    stored = comparable(nbformat.read(lesson, as_version=4))
    first, second = execute_twice(lesson)
    assert comparable(first) == stored
    assert comparable(second) == stored


@pytest.mark.parametrize("notebook", lesson_paths() + exercise_paths(), ids=lambda p: p.stem)
def test_jupyterlab_can_start_the_kernel_without_asking(notebook):
    """Without a kernelspec JupyterLab shows "Select Kernel" first; `workbench execute` stores it."""
    import nbformat

    from workbench.tooling.execution import KERNELSPEC

    assert nbformat.read(notebook, as_version=4).metadata.get("kernelspec") == KERNELSPEC


def test_async_safety_is_switched_off_in_one_cell_of_lesson_00_and_nowhere_else():
    import nbformat

    from workbench.paths import NOTEBOOKS

    variable = "DJANGO_ALLOW_" + "ASYNC_UNSAFE"  # spelled in two halves: this file must not count
    root = NOTEBOOKS.parent
    found = [name for name in _project_files(root) if variable in (root / name).read_text(errors="replace")]
    assert found == ["notebooks/00-getting-started.ipynb"], found

    lesson = nbformat.read(NOTEBOOKS / "00-getting-started.ipynb", as_version=4)
    cells = [cell for cell in lesson.cells if variable in cell.source]
    assert len(cells) == 1 and cells[0].cell_type == "code"
    # The cell puts back what it found, whatever happens.
    assert "finally:" in cells[0].source and "os.environ" in cells[0].source


def _project_files(root):
    """The repository's tracked files (``git ls-files``); outside a git checkout, every file
    but caches, builds and environments."""
    import subprocess

    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
        names = [name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skipped = {".git", ".venv", "node_modules", "__pycache__", "build", "_build", "test-artifacts"}
        names = [
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file()
            and not skipped & set(path.relative_to(root).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)
        ]
    return [name for name in names if (root / name).is_file()]
