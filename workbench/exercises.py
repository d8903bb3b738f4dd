"""Verifying exercises: solutions pass every check, stubs pass none.

A *check cell* is a code cell that calls ``workbench.check(`` (one call per
check, no loops), so the number of reports a cell must print is the number
of calls in its source. ``verify_exercise`` proves both halves of an
exercise: the stored solution outputs show ✔ for every check (nbval, run
separately, proves they are reproducible), and the student version, run in
a fresh kernel, crashes nowhere and answers "Not yet" with a hint to every
check; the hidden checks, run against the same stubs, too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .checks import NOT_YET, PASSED

_CHECK_CALL = re.compile(r"\bworkbench\.check\(")


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


def check_calls(source: str) -> int:
    """How many ``workbench.check(`` calls a cell's source makes (comments ignored)."""
    return sum(len(_CHECK_CALL.findall(line)) for line in source.splitlines() if not line.lstrip().startswith("#"))


def reports(cell: nbformat.NotebookNode) -> list[str]:
    """The check reports a code cell printed, one string each (✔ line or ✘ block)."""
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")
    found: list[str] = []
    for line in text.splitlines():
        if line.startswith((PASSED, NOT_YET)):
            found.append(line)
        elif found and line.startswith("    "):
            found[-1] += "\n" + line
    return found


def _errors(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        f"cell {number}: {output.ename}: {output.evalue}"
        for number, cell in enumerate(notebook.cells, start=1)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def _reports_by_cell(notebook: nbformat.NotebookNode, shown: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Error outputs and report-count mismatches, and every (cell number, report)."""
    problems = _errors(notebook)
    found: list[tuple[int, str]] = []
    for number, cell in _check_cells(notebook):
        printed, expected = reports(cell), check_calls(cell.source)
        if len(printed) != expected:
            problems.append(f"cell {number}: {expected} checks, but {len(printed)} reports {shown}")
        found += [(number, report) for report in printed]
    return problems, found


def solution_problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Why the stored solution outputs are not "every check passes" (empty if they are)."""
    problems, found = _reports_by_cell(notebook, "stored (run `workbench execute`)")
    problems += [f"cell {n}: a check fails on the solution:\n{r}" for n, r in found if not r.startswith(PASSED)]
    if not any(True for _ in _check_cells(notebook)):
        problems.append("no cell calls workbench.check(...): an exercise needs checks")
    return problems


def not_yet_problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Why an executed stub version is not "every check says not yet, with a hint"."""
    problems, found = _reports_by_cell(notebook, "printed")
    for number, report in found:
        if not report.startswith(NOT_YET):
            problems.append(f"cell {number}: a check passes without a solution:\n{report}")
        elif "\n    hint: " not in report:
            problems.append(f"cell {number}: a check says not yet without a hint:\n{report}")
    return problems


def _check_cells(notebook: nbformat.NotebookNode):
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code" and check_calls(cell.source):
            yield number, cell


def run_stubs(path: Path, *, keep_hidden_checks: bool = False) -> tuple[nbformat.NotebookNode, list[str]]:
    """Run the student version of ``path`` in a fresh kernel; return it and any crash."""
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
    from .student import StudentVersionError

    stored = nbformat.read(path, as_version=4)
    report = ExerciseReport(path, checks=sum(check_calls(c.source) for _, c in _check_cells(stored)))
    report.problems += [f"solutions: {p}" for p in solution_problems(stored)]
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
