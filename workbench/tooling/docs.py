"""The site: Sphinx + MyST-NB over the pages of docs/ and the executed lessons, one page each.

``build_docs`` copies the pages of ``docs/`` (``index.md``, ``guides/``,
``reference/``: every ``.md`` file outside ``_build``), the repository files
they include and the lessons (with the folders they use, such as
``scripts/``) into ``<output>/source``, then runs ``sphinx-build -W`` with
``docs/conf.py``. The index's toctree globs the lessons, so they appear in
lesson order and a new lesson needs no edit; a new page goes into one of the
index's toctrees (Sphinx warns, and so fails the build, about a page in none).

A page includes a repository file (``README.md``, ``benchmarks/README.md``)
with MyST's include directive on the path ``/_repository/<path in the
checkout>``: the staging copies each file so named to that place, so the
figures and tables live once, in the file the repository shows.

A site must not show a wrong output, so the build fails when a lesson has a
cell that was never run or an error output (stored outputs), when a cell
raises (``execute=True`` runs each staged lesson in a fresh kernel, as
``workbench execute`` does, before Sphinx renders it), or on any Sphinx warning.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbenchError
from ..paths import DOCS, PROJECT_ROOT, lesson_paths
from . import extras
from .checkout import require_checkout, shown

if TYPE_CHECKING:
    from nbformat import NotebookNode

DOCS_BUILD = DOCS / "_build"
# Where the staged source keeps the repository files that pages include.
REPOSITORY_FOLDER = "_repository"
INCLUDE = re.compile(r"^```\{include\}\s+/" + REPOSITORY_FOLDER + r"/(\S+)\s*$", re.M)


class DocsBuildError(WorkbenchError):
    """The site was not built; the message says which lesson and cell, or Sphinx's complaint."""


def stored_output_problems(notebook: NotebookNode) -> list[str]:
    """Cells whose stored outputs cannot be published: never run, or ending in an error."""
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None:
            problems.append(f"cell {number} was never run")
        problems += [f"cell {number} has an error output: {error}" for error in _errors(cell)]
    return problems


def _errors(cell: NotebookNode) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def build_docs(
    lessons: Sequence[Path],
    *,
    output: Path = DOCS / "_build",
    execute: bool = False,
) -> Path:
    """Build the site into ``output/html`` and return the path of its ``index.html``."""
    import nbformat

    if not lessons:
        raise DocsBuildError("no lessons to publish: the site needs at least one notebooks/NN-topic.ipynb")
    # A failed build must not leave an older site behind to be taken for this one.
    shutil.rmtree(output / "html", ignore_errors=True)
    source = _stage(lessons, output / "source")
    staged = [source / "lessons" / lesson.name for lesson in lessons]
    problems = _run(staged) if execute else [
        f"{lesson.name}: {problem}"
        for lesson in staged
        for problem in stored_output_problems(nbformat.read(lesson, as_version=4))
    ]
    if problems:
        advice = "Fix the cell" if execute else "Run `workbench execute <lesson>` after fixing the cell"
        what = "a lesson fails when it runs" if execute else "the stored outputs cannot be published"
        raise DocsBuildError(f"{what}:\n  " + "\n  ".join(problems) + f"\n{advice}; no site was built.")
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
        "-c", str(DOCS), "-d", str(output / "doctrees"), str(source), str(output / "html"),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(output / "html", ignore_errors=True)
        complaint = (result.stderr.strip() or result.stdout.strip())[-4000:]
        raise DocsBuildError(f"sphinx-build failed (exit {result.returncode}):\n{complaint}")
    return output / "html" / "index.html"


def _run(staged: Sequence[Path]) -> list[str]:
    """Execute each staged lesson in place, in its folder; the errors, per lesson and cell."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    from .execution import execute

    problems = []
    for lesson in staged:
        notebook = nbformat.read(lesson, as_version=4)
        try:
            execute(notebook, cwd=lesson.parent)
        except CellExecutionError as exc:
            # nbclient stores the error output in the failing cell before raising.
            failed = [
                f"{lesson.name}: cell {number} raised {error}"
                for number, cell in enumerate(notebook.cells, start=1)
                for error in _errors(cell)
            ]
            problems += failed or [f"{lesson.name}: a cell raised {exc.ename}: {exc.evalue}"]
            continue
        nbformat.write(notebook, lesson)
    return problems


def pages() -> list[Path]:
    """The site's own pages: every ``.md`` file of ``docs/`` outside its build folder."""
    return sorted(path for path in DOCS.rglob("*.md") if "_build" not in path.relative_to(DOCS).parts)


def included_files(page: Path) -> list[str]:
    """The repository files ``page`` includes (``/_repository/<path>``), as paths in the checkout."""
    return INCLUDE.findall(page.read_text())


def _stage(lessons: Sequence[Path], source: Path) -> Path:
    """A Sphinx source folder: the pages and what they include, and lessons/ with the lessons and their folders."""
    shutil.rmtree(source, ignore_errors=True)
    (source / "lessons").mkdir(parents=True)
    for page in pages():
        target = source / page.relative_to(DOCS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(page, target)
        for included in included_files(page):
            original = PROJECT_ROOT / included
            if not original.is_file():
                raise DocsBuildError(
                    f"{shown(page)} includes /{REPOSITORY_FOLDER}/{included}, but the "
                    f"checkout has no {included}: name a file of the repository, e.g. benchmarks/README.md."
                )
            copy = source / REPOSITORY_FOLDER / included
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(original, copy)
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


def run_docs_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Build the lessons site with Sphinx + MyST-NB."""
    require_checkout()
    extras.require("docs", command="docs")
    how = "running every lesson" if args.execute else "from the stored outputs"
    print(f"workbench: building the site {how}", flush=True)
    index = build_docs(lesson_paths(), output=Path(args.output).resolve(), execute=args.execute)
    print(f"workbench: site written; open {shown(index)}")
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:
    docs = commands.add_parser(
        "docs",
        help="build the docs site (Sphinx + MyST-NB): the lessons and the reference",
        description="Build an HTML site with a page per lesson, in lesson order, from the lessons' "
        "stored outputs (nbval checks them against a real run), and the reference pages. Fails "
        "on a cell that was never run, an error output, or any Sphinx warning.",
    )
    docs.add_argument(
        "--execute", action="store_true",
        help="run every lesson afresh while building; any cell error fails the build",
    )
    docs.add_argument("-o", "--output", default=str(DOCS_BUILD), help="build folder (default: docs/_build; the site is in html/)")
    docs.set_defaults(handler=run_docs_command)
