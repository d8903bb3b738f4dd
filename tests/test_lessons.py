"""Every lesson and exercise, run twice in one kernel, prints what is stored, both times.

nbval (in the same test command) checks a first run in a fresh kernel against
the stored outputs; this test adds the second run in the *same* kernel, the
way a learner re-runs a notebook.
"""

import configparser
import re

import pytest

from workbench.cli import SANITIZE, exercise_paths, lesson_paths
from workbench.execution import execute_twice


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

    from workbench.execution import KERNELSPEC

    assert nbformat.read(notebook, as_version=4).metadata.get("kernelspec") == KERNELSPEC
