"""Verifying exercises: solutions pass every check, stubs pass none, nbgrader can read them.

A *check cell* is a code cell that calls ``workbench.check(`` (one call per
check, no loops), so the number of reports a cell must print is the number
of calls in its source. ``verify_exercise`` proves both halves of an
exercise: the stored solution outputs show ✔ for every check (nbval, run
separately, proves they are reproducible), and the student version, run in
a fresh kernel, crashes nowhere and answers "Not yet" with a hint to every
check; the hidden checks, run against the same stubs, too. ``nbgrader_problems`` keeps
the exercises' nbgrader metadata such that nbgrader hands out what
``workbench student`` does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks import NOT_YET, PASSED
from ..paths import PROJECT_ROOT, exercise_paths, lesson_paths
from . import extras
from .checkout import notebook_arguments, require_checkout
from .student import check_calls, is_exercise

if TYPE_CHECKING:
    from nbformat import NotebookNode



@dataclass
class ExerciseReport:
    """What ``verify_exercise`` found; ``problems`` is empty when all is well."""

    path: Path
    checks: int = 0
    visible_checks: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def hidden_checks(self) -> int:
        return self.checks - self.visible_checks

    def summary(self) -> str:
        if self.problems:
            return f"{self.path.name}: " + "\n  ".join(["problems:", *self.problems])
        return (
            f"{self.path.name}: all {self.checks} checks pass on the solutions; on the stubs "
            f"all {self.visible_checks} visible and {self.hidden_checks} hidden checks say "
            "\"not yet\" with a hint"
        )


def reports(cell: NotebookNode) -> list[str]:
    """The check reports a code cell printed, one string each (✔ line or ✘ block)."""
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")
    found: list[str] = []
    for line in text.splitlines():
        if line.startswith((PASSED, NOT_YET)):
            found.append(line)
        elif found and line.startswith("    "):
            found[-1] += "\n" + line
    return found


def _errors(notebook: NotebookNode) -> list[str]:
    return [
        f"cell {number}: {output.ename}: {output.evalue}"
        for number, cell in enumerate(notebook.cells, start=1)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def _reports_by_cell(notebook: NotebookNode, shown: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Error outputs and report-count mismatches, and every (cell number, report)."""
    problems = _errors(notebook)
    found: list[tuple[int, str]] = []
    for number, cell in _check_cells(notebook):
        printed, expected = reports(cell), check_calls(cell.source)
        if len(printed) != expected:
            problems.append(f"cell {number}: {expected} checks, but {len(printed)} reports {shown}")
        found += [(number, report) for report in printed]
    return problems, found


def solution_problems(notebook: NotebookNode) -> list[str]:
    """Why the stored solution outputs are not "every check passes" (empty if they are)."""
    problems, found = _reports_by_cell(notebook, "stored (run `workbench execute`)")
    problems += [f"cell {n}: a check fails on the solution:\n{r}" for n, r in found if not r.startswith(PASSED)]
    if not any(True for _ in _check_cells(notebook)):
        problems.append("no cell calls workbench.check(...): an exercise needs checks")
    return problems


def not_yet_problems(notebook: NotebookNode) -> list[str]:
    """Why an executed stub version is not "every check says not yet, with a hint"."""
    problems, found = _reports_by_cell(notebook, "printed")
    for number, report in found:
        if not report.startswith(NOT_YET):
            problems.append(f"cell {number}: a check passes without a solution:\n{report}")
        elif "\n    hint: " not in report:
            problems.append(f"cell {number}: a check says not yet without a hint:\n{report}")
    return problems


def nbgrader_problems(notebook: NotebookNode) -> list[str]:
    """Why nbgrader's ``generate_assignment`` (default settings) would refuse the exercise or leak from it.

    Every cell with a solution region must be a solution cell, every cell
    with checks an "autograder tests" cell (hidden tests only go there) worth
    one point per check, and every marked cell needs its own ``grade_id``.
    """
    from .student import OLD_HIDDEN, has_solution_region, hidden_line_numbers, nbgrader_metadata

    problems: list[str] = []
    seen: dict[str, int] = {}
    fix = (
        "set the cell's metadata.nbgrader (nbgrader's Create Assignment sidebar in JupyterLab does it), "
        "as the exercises in notebooks/exercises/ do"
    )
    for number, cell in enumerate(notebook.cells, start=1):
        meta = nbgrader_metadata(cell)
        checks = check_calls(cell.source) if cell.cell_type == "code" else 0
        if f"### BEGIN {OLD_HIDDEN}" in cell.source:
            problems.append(
                f"cell {number}: nbgrader does not know `### BEGIN {OLD_HIDDEN}`, so it would hand those checks out: "
                "rename the markers to `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS`"
            )
        if has_solution_region(cell) and not meta.get("solution"):
            problems.append(f"cell {number}: a solution region in a cell nbgrader does not know as a solution cell: {fix}")
        if (checks or hidden_line_numbers(cell.source)) and not meta.get("grade"):
            problems.append(f"cell {number}: checks in a cell that is not an nbgrader \"autograder tests\" cell: {fix}")
        elif checks and meta.get("points") != checks:
            problems.append(f"cell {number}: {checks} checks but nbgrader points {meta.get('points')!r}: one point per check")
        if meta and meta.get("schema_version") != 3:
            problems.append(f"cell {number}: nbgrader metadata of schema_version {meta.get('schema_version')!r}, not 3")
        grade_id = meta.get("grade_id")
        if meta.get("grade") or meta.get("solution") or meta.get("locked"):
            if not grade_id:
                problems.append(f"cell {number}: nbgrader metadata without a grade_id: {fix}")
            elif grade_id in seen:
                problems.append(f"cell {number}: grade_id {grade_id!r} is cell {seen[grade_id]}'s too: give each its own")
            else:
                seen[grade_id] = number
    return problems


def _check_cells(notebook: NotebookNode) -> Iterator[tuple[int, NotebookNode]]:
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code" and check_calls(cell.source):
            yield number, cell


def run_stubs(path: Path, *, keep_hidden_checks: bool = False) -> tuple[NotebookNode, list[str]]:
    """Run the student version of ``path`` in a fresh kernel; return it and any crash."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    from .execution import execute
    from .student import student_version

    notebook = student_version(nbformat.read(path, as_version=4), keep_hidden_checks=keep_hidden_checks)
    try:
        execute(notebook, cwd=path.parent)
    except CellExecutionError as exc:
        return notebook, [f"the student version crashed: {exc.ename}: {exc.evalue}"]
    return notebook, []


def verify_exercise(path: Path) -> ExerciseReport:
    """Check an exercise's stored solutions, its student version and its hidden checks."""
    import nbformat

    from .student import StudentVersionError

    stored = nbformat.read(path, as_version=4)
    report = ExerciseReport(path, checks=sum(check_calls(c.source) for _, c in _check_cells(stored)))
    report.problems += [f"solutions: {p}" for p in solution_problems(stored)]
    report.problems += [f"nbgrader metadata: {p}" for p in nbgrader_problems(stored)]
    try:
        student, crashed = run_stubs(path)
        with_hidden, crashed_hidden = run_stubs(path, keep_hidden_checks=True)
    except StudentVersionError as exc:
        report.problems.append(f"student version: {exc}")
        return report
    report.visible_checks = sum(check_calls(c.source) for _, c in _check_cells(student))
    report.problems += [f"student version: {p}" for p in crashed + not_yet_problems(student)]
    report.problems += [f"hidden checks on stubs: {p}" for p in crashed_hidden + not_yet_problems(with_hidden)]
    return report


def run_verify_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Lessons and exercises under strict nbval; exercises also through their student version."""
    from .testing import nbval_command, sanitize_file

    require_checkout()
    extras.require("test", command="verify")
    paths = notebook_arguments(args.notebooks, lesson_paths() + exercise_paths())
    print(f"workbench: {len(paths)} notebook(s) under strict nbval", flush=True)
    with sanitize_file(os.environ) as sanitize:
        status = subprocess.call(nbval_command(paths, extra, sanitize=sanitize), cwd=PROJECT_ROOT)
    exercises = [path for path in paths if is_exercise(path)]
    if exercises:
        print(f"workbench: {len(exercises)} exercise(s): solutions, student version, hidden checks", flush=True)
    for path in exercises:
        report = verify_exercise(path)
        print(("  ✔ " if not report.problems else "  ✘ ") + report.summary(), flush=True)
        status = status or (1 if report.problems else 0)
    return status


def add_command(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser(
        "verify",
        aliases=["check"],
        help="run lessons and exercises under strict nbval; prove exercises' student versions",
        description="Run each notebook in a fresh kernel under strict nbval (its stored outputs "
        "must come back exactly). For an exercise, also verify that every check passes on the "
        "stored solutions and that its student version, run in a fresh kernel, answers "
        "\"Not yet\" with a hint to every check, hidden checks included. Further arguments go to "
        "pytest. (`workbench check` is the old name of this command.)",
    )
    verify.add_argument("notebooks", nargs="*", help="notebooks to verify (default: every lesson and exercise)")
    verify.set_defaults(handler=run_verify_command, passes_extra=True)
