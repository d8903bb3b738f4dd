"""The lessons site: Sphinx + MyST-NB over the executed lessons, one page each.

``build_docs`` copies ``docs/index.md`` and the lessons (with the folders
they use, such as ``scripts/``) into ``<output>/source``, then runs
``sphinx-build -W`` with ``docs/conf.py``. The index's toctree globs the
lessons, so they appear in lesson order and a new lesson needs no edit here.

A site must not show a wrong output, so the build fails when a lesson has a
cell that was never run or an error output (stored outputs), when a cell
raises (``execute=True``), or on any Sphinx warning.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

DOCS = Path(__file__).resolve().parent.parent / "docs"


class DocsBuildError(RuntimeError):
    """The site was not built; the message says which lesson and cell, or Sphinx's complaint."""


def stored_output_problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Cells whose stored outputs cannot be published: never run, or ending in an error."""
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count is None:
            problems.append(f"cell {number} was never run")
        problems += [
            f"cell {number} has an error output: {output.ename}: {output.evalue}"
            for output in cell.get("outputs", [])
            if output.output_type == "error"
        ]
    return problems


def build_docs(
    lessons: Sequence[Path],
    *,
    output: Path = DOCS / "_build",
    execute: bool = False,
) -> Path:
    """Build the site into ``output/html`` and return the path of its ``index.html``."""
    if not lessons:
        raise DocsBuildError("no lessons to publish: the site needs at least one notebooks/NN-topic.ipynb")
    if not execute:
        problems = [
            f"{lesson.name}: {problem}"
            for lesson in lessons
            for problem in stored_output_problems(nbformat.read(lesson, as_version=4))
        ]
        if problems:
            raise DocsBuildError(
                "the stored outputs cannot be published:\n  " + "\n  ".join(problems)
                + "\nRun `workbench execute <lesson>` after fixing the cell, or build with --execute."
            )
    source = _stage(lessons, output / "source")
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
        "-c", str(DOCS), "-d", str(output / "doctrees"), str(source), str(output / "html"),
    ]
    if execute:
        command += ["-D", "nb_execution_mode=force"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        complaint = (result.stderr.strip() or result.stdout.strip())[-4000:]
        raise DocsBuildError(f"sphinx-build failed (exit {result.returncode}):\n{complaint}")
    return output / "html" / "index.html"


def _stage(lessons: Sequence[Path], source: Path) -> Path:
    """A Sphinx source folder: index.md, and lessons/ with the lessons and their folders."""
    shutil.rmtree(source, ignore_errors=True)
    (source / "lessons").mkdir(parents=True)
    shutil.copy2(DOCS / "index.md", source / "index.md")
    folders = {lesson.parent for lesson in lessons}
    for folder in folders:
        # Support folders (scripts/, data…) go along for --execute; other
        # notebooks (exercises/) stay out of the site.
        for child in folder.iterdir():
            if child.is_dir() and not child.name.startswith((".", "_")) and not any(child.rglob("*.ipynb")):
                shutil.copytree(child, source / "lessons" / child.name, dirs_exist_ok=True)
    for lesson in lessons:
        shutil.copy2(lesson, source / "lessons" / lesson.name)
    return source
