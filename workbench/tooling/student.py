"""Student versions of exercises: solutions become stubs, hidden checks go.

An exercise is written once, with its answers, using nbgrader's markers and
cell metadata, so that nbgrader's own ``generate_assignment`` (default
settings) and ``workbench student`` hand out the same cells:

* ``### BEGIN SOLUTION`` / ``### END SOLUTION`` around the answer, in a cell
  whose metadata says ``nbgrader.solution: true``. In a code cell the region
  becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()`` at the
  marker's indentation; in a Markdown cell, ``YOUR ANSWER HERE``. A solution
  cell without markers becomes the stub as a whole, as in nbgrader.
* ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` around instructor-only
  checks, in an "autograder tests" cell (``nbgrader.grade: true``): removed,
  and a cell left empty is removed with them. The workbench's older
  ``HIDDEN CHECKS`` markers are still read (nbgrader ignores them: rename them).

nbgrader takes any line that *contains* a marker's words for a marker; a line
that does but is not a marker line of its own is refused here, so the two
never disagree. Outputs and execution counts are cleared, so the learner sees
no answer.
"""

from __future__ import annotations

import argparse
import copy
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError
from ..paths import BUILD, exercise_paths
from . import extras
from .checkout import notebook_arguments, require_checkout, shown

if TYPE_CHECKING:
    from nbformat import NotebookNode

STUDENT_BUILD = BUILD / "student"

SOLUTION = "SOLUTION"
HIDDEN = "HIDDEN TESTS"  # nbgrader's name
OLD_HIDDEN = "HIDDEN CHECKS"  # the workbench's first name for them, still read
_MARKER = re.compile(r"^(?P<indent>[ \t]*)### (?P<edge>BEGIN|END) (?P<kind>SOLUTION|HIDDEN TESTS|HIDDEN CHECKS)[ \t]*$")
# What nbgrader looks for anywhere in a line (its default delimiters).
_NBGRADER_WORDS = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
_CHECK_CALL = re.compile(r"\bworkbench\.check\(")
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"


class StudentVersionError(WorkbenchError, ValueError):
    """An exercise's markers are malformed; the message names the cell and line."""


def student_version(
    notebook: NotebookNode, *, keep_hidden_checks: bool = False
) -> NotebookNode:
    """A copy of ``notebook`` as handed to learners (see the module docstring).

    ``keep_hidden_checks=True`` keeps the hidden checks (stubs and cleared
    outputs as usual): the tests use it to prove those checks fail on stubs too.
    """
    result = copy.deepcopy(notebook)
    cells = []
    solutions = 0
    for number, cell in enumerate(result.cells, start=1):
        source, regions = student_source(cell, number, keep_hidden_checks=keep_hidden_checks)
        solutions += regions
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        if source.strip() or not cell.source.strip():
            cell.source = source
            cells.append(cell)
    if solutions == 0:
        raise StudentVersionError(
            "this notebook has no `### BEGIN SOLUTION` / `### END SOLUTION` region, so a "
            "student version would hand out everything as it is. Mark each answer with "
            "those two lines."
        )
    result.cells = cells
    return result


def student_source(cell: NotebookNode, number: int = 1, *, keep_hidden_checks: bool = False) -> tuple[str, int]:
    """The source of ``cell`` as handed to learners, and how many answers it stubbed.

    ``number`` (the cell's position, from 1) is for the error messages.
    """
    source, regions = _rewrite(cell, number, keep_hidden_checks)
    if regions == 0 and is_solution_cell(cell):
        return (MARKDOWN_STUB if cell.cell_type == "markdown" else "\n".join(CODE_STUB)), 1
    return source, regions


def hidden_line_numbers(source: str) -> set[int]:
    """The numbers (from 1) of the lines of ``source`` inside hidden-check regions, markers excluded."""
    inside, found = False, set()
    for line_number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match is not None and match["kind"] != SOLUTION:
            inside = match["edge"] == "BEGIN"
        elif inside:
            found.add(line_number)
    return found


def nbgrader_metadata(cell: NotebookNode) -> dict[str, Any]:
    """The cell's ``nbgrader`` metadata (empty if it has none)."""
    found = cell.get("metadata", {}).get("nbgrader", {})
    return found if isinstance(found, dict) else {}


def is_solution_cell(cell: NotebookNode) -> bool:
    """Whether nbgrader's metadata marks the cell as an answer ("solution") cell."""
    return bool(nbgrader_metadata(cell).get("solution"))


def has_solution_region(cell: NotebookNode) -> bool:
    """Whether the cell's source has a ``### BEGIN SOLUTION`` marker line."""
    return any((m := _MARKER.match(line)) and m["kind"] == SOLUTION for line in cell.source.splitlines())


def check_calls(source: str) -> int:
    """How many ``workbench.check(`` calls a cell's source makes (comments ignored)."""
    return sum(len(_CHECK_CALL.findall(line)) for line in source.splitlines() if not line.lstrip().startswith("#"))


def is_exercise(path: Path) -> bool:
    """Whether the notebook at ``path`` has solution regions (an exercise, not a lesson)."""
    import nbformat

    return any("### BEGIN SOLUTION" in cell.source for cell in nbformat.read(path, as_version=4).cells)


def mark_for_nbgrader(notebook: NotebookNode) -> NotebookNode:
    """Set every cell's nbgrader metadata from the markers in it (in place), as nbgrader's sidebar would.

    A cell with a solution region becomes a solution cell; a cell with checks
    an "autograder tests" cell worth one point per check; every other cell is
    read-only. The workbench's old ``### BEGIN HIDDEN CHECKS`` markers become
    nbgrader's ``HIDDEN TESTS``. Existing ``grade_id``s are kept; new ones
    name the cell's position and role.
    """
    taken = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in notebook.cells}
    for number, cell in enumerate(notebook.cells, start=1):
        cell.source = cell.source.replace(f"### BEGIN {OLD_HIDDEN}", "### BEGIN HIDDEN TESTS").replace(
            f"### END {OLD_HIDDEN}", "### END HIDDEN TESTS")
        checks = check_calls(cell.source) if cell.cell_type == "code" else 0
        solution = has_solution_region(cell)
        role = "answer" if solution else "checks" if checks else "text" if cell.cell_type == "markdown" else "code"
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id") or f"cell{number:02d}-{role}"
        while grade_id in taken and meta.get("grade_id") != grade_id:
            grade_id += "-"
        taken.add(grade_id)
        new = {"grade": bool(checks), "grade_id": grade_id, "locked": not solution, "schema_version": 3,
               "solution": solution, "task": False}
        if checks:
            new["points"] = checks
        cell.metadata["nbgrader"] = new
    return notebook


def _rewrite(cell: NotebookNode, number: int, keep_hidden: bool) -> tuple[str, int]:
    """The cell's student source, and how many solution regions it had."""
    out: list[str] = []
    open_kind: str | None = None
    opened_at, indent = 0, ""
    regions = 0
    for line_number, line in enumerate(cell.source.splitlines(), start=1):
        match = _MARKER.match(line)
        where = f"cell {number}, line {line_number}"
        if match is None:
            words = _NBGRADER_WORDS.search(line)
            if words is not None:
                raise StudentVersionError(
                    f"{where}: {line.strip()!r} contains {words[0]!r} but is not a marker line. nbgrader "
                    f"takes any line with those words for a marker; write the marker on a line of its own, "
                    f"`### {words[0]}`, or reword the line."
                )
            if open_kind is None or (open_kind == HIDDEN and keep_hidden):
                out.append(line)
            continue
        kind = SOLUTION if match["kind"] == SOLUTION else HIDDEN
        if match["edge"] == "BEGIN":
            if open_kind is not None:
                raise StudentVersionError(
                    f"{where}: `{line.strip()}` opens a region inside the {open_kind} region "
                    f"opened at line {opened_at}. Close that one first with `### END {open_kind}`."
                )
            if kind == HIDDEN and cell.cell_type != "code":
                raise StudentVersionError(
                    f"{where}: hidden checks must be in a code cell, not a {cell.cell_type} cell."
                )
            open_kind, opened_at, indent = kind, line_number, match["indent"]
            continue
        if open_kind != kind:
            raise StudentVersionError(
                f"{where}: `{line.strip()}` closes a region that was never opened. "
                f"Add `### BEGIN {kind}` before it."
            )
        if kind == SOLUTION:
            regions += 1
            if cell.cell_type == "code":
                out.extend(indent + stub for stub in CODE_STUB)
            else:
                out.append(MARKDOWN_STUB)
        open_kind = None
    if open_kind is not None:
        raise StudentVersionError(
            f"cell {number}, line {opened_at}: `### BEGIN {open_kind}` is never closed. "
            f"Add `### END {open_kind}` after the region."
        )
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out), regions


def write_student_versions(paths: Iterable[Path], output: Path) -> list[Path]:
    """Write the student version of each exercise into ``output`` (same file names)."""
    import nbformat

    output.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        try:
            student = student_version(notebook)
        except StudentVersionError as exc:
            raise StudentVersionError(f"{path.name}: {exc}") from None
        target = output / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


def run_student_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Write the student version of each exercise to the build folder."""
    require_checkout()
    extras.require("lab", command="student", needs=["nbformat"])
    paths = notebook_arguments(args.exercises, exercise_paths())
    output = Path(args.output).resolve()
    for path in write_student_versions(paths, output):
        print(f"workbench: wrote {shown(path)}")
    print(f"Hand out {shown(output)}/. Learners open it with `workbench lab {shown(output)}`.")
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:
    student = commands.add_parser(
        "student",
        help="write student versions of the exercises (solutions stubbed, hidden checks removed)",
        description="For each exercise, replace every ### BEGIN SOLUTION / ### END SOLUTION region "
        "with a stub, remove ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS regions and clear "
        "all outputs, and write the result to the output folder under the same name: the same "
        "cells as nbgrader's generate_assignment hands out.",
    )
    student.add_argument("exercises", nargs="*", help="exercises (default: notebooks/exercises/*.ipynb)")
    student.add_argument("-o", "--output", default=str(STUDENT_BUILD), help="output folder (default: build/student)")
    student.set_defaults(handler=run_student_command)
