"""``workbench grade``: a room's submissions, graded by the instructor's own checks.

``SUBMISSIONS/<learner>/<exercise>.ipynb`` is what each learner handed in,
under the file name it was handed out with. Each submission is graded in a
fresh kernel by the instructor's notebook from ``notebooks/exercises/``
(``--exercises``), hidden checks included: only the learner's *answer cells*
(nbgrader's solution cells: those with a ``### BEGIN SOLUTION`` region) are
taken from the submission, found by their nbgrader ``grade_id`` or, in a
notebook without that metadata, by the names they define. Every other cell
is the instructor's, so whatever a learner did to the check cells (edited,
deleted, or faked a ``✔ Correct`` line) changes nothing.

A submission that crashes, hangs (``--timeout`` seconds for the whole
notebook) or lost its answer cells is graded like any other: the checks that
did not run count as not passed, and its feedback says why. Submissions are
graded ``--jobs`` at a time (default: one per core), each kernel with its own
temporary database.

What it writes into ``OUT``:

* ``gradebook.csv``: one row per learner and exercise;
* ``checks.csv``: one row per learner, exercise and check (hidden ones named:
  this file is the instructor's);
* ``feedback/<learner>/<exercise>.html``: for the learner, each visible
  check's verdict and hint; hidden checks only as counts, never their text;
* ``graded/<learner>/<exercise>.ipynb``: the notebooks as they ran (the
  instructor's, hidden checks included: not for learners).

Grading runs learners' code on this machine, as nbgrader's ``autograde`` does:
run it in an account or container meant for that.
"""

from __future__ import annotations

import argparse
import ast
import copy
import csv
import html
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks import NOT_YET, PASSED
from ..environment import CHANNEL_LAYER_ENV, DATABASE_ENV, NBGRADER_EXECUTION_ENV
from ..errors import WorkbenchError
from ..paths import EXERCISES
from . import extras
from .checkout import UsageError, shown

if TYPE_CHECKING:
    from nbformat import NotebookNode

DEFAULT_TIMEOUT = 120

# What became of a submission (the gradebook's ``status`` column).
GRADED = "graded"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
FAILED = "not run"  # the kernel could not start, or the grader itself failed
UNREADABLE = "unreadable"
NOT_SUBMITTED = "not submitted"

# What became of one check.
VERDICT_PASSED = "passed"
VERDICT_NOT_YET = "not yet"
VERDICT_DID_NOT_RUN = "did not run"

GRADEBOOK_COLUMNS = (
    "learner", "exercise", "passed", "total", "visible_passed", "visible_total",
    "hidden_passed", "hidden_total", "status", "lost_answers", "notes",
)
CHECK_COLUMNS = ("learner", "exercise", "number", "check", "hidden", "verdict", "detail")


class GradingError(WorkbenchError):
    """The exercises or the submissions folder cannot be graded as given."""


# -- the instructor's side: answer cells and checks ---------------------------


@dataclass(frozen=True)
class Check:
    """One ``workbench.check(...)`` call of an exercise."""

    number: int  # 1, 2, ... in notebook order
    cell: int  # index of its cell in the instructor's notebook
    what: str | None  # its first argument, when it is a plain string
    hint: str | None
    hidden: bool


@dataclass(frozen=True)
class AnswerCell:
    """A cell whose source the learner writes (an nbgrader solution cell)."""

    cell: int  # index in the instructor's notebook
    grade_id: str | None
    cell_type: str
    names: frozenset[str]  # the top-level names it defines
    stub: str  # its source as handed out

    @property
    def shown(self) -> str:
        """How the feedback names the cell: its first line as handed out."""
        first = next((line for line in self.stub.splitlines() if line.strip()), "")
        return f"`{first.strip()}`" if first else f"the answer cell {self.grade_id or self.cell + 1}"


@dataclass
class Exercise:
    """An instructor's exercise notebook, read once for every submission of it."""

    name: str  # the file name, e.g. 00-getting-started.ipynb
    notebook: NotebookNode
    answers: list[AnswerCell]
    checks: list[Check]
    handed_out: frozenset[str] = frozenset()  # every cell's source as handed out, stripped

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    @property
    def visible_total(self) -> int:
        return sum(not check.hidden for check in self.checks)


def load_exercise(path: Path) -> Exercise:
    """Read an exercise: which cells are answers, and every check with its hint and visibility."""
    import nbformat

    from .student import StudentVersionError, has_solution_region, hidden_line_numbers, is_solution_cell, student_source

    notebook = nbformat.read(path, as_version=4)
    answers: list[AnswerCell] = []
    checks: list[Check] = []
    handed_out: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        try:
            handed_out.add(student_source(cell, index + 1)[0].strip())
        except StudentVersionError as exc:
            raise GradingError(f"{path.name}: {exc}") from None
        if has_solution_region(cell) or is_solution_cell(cell):
            try:
                stub, _ = student_source(cell, index + 1)
            except StudentVersionError as exc:
                raise GradingError(f"{path.name}: {exc}") from None
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            names = defined_names(cell.source) if cell.cell_type == "code" else frozenset()
            answers.append(AnswerCell(index, grade_id, cell.cell_type, names, stub))
        elif cell.cell_type == "code":
            hidden = hidden_line_numbers(cell.source)
            for line, what, hint in check_call_sites(cell.source):
                checks.append(Check(len(checks) + 1, index, what, hint, line in hidden))
    if not answers or not checks:
        raise GradingError(
            f"{shown(path)} has no {'answer cell' if not answers else 'workbench.check(...) call'}, so it "
            "cannot grade anything. Name a folder of exercises (notebooks with ### BEGIN SOLUTION "
            "regions and check cells) with --exercises."
        )
    return Exercise(path.name, notebook, answers, checks, frozenset(handed_out))


_CHECK_LINE = re.compile(r"\bworkbench\.check\(")


def check_call_sites(source: str) -> list[tuple[int, str | None, str | None]]:
    """Each ``workbench.check(...)`` call in a cell: (line, what, hint), in source order.

    ``what`` and ``hint`` are None when they are not plain strings. A cell
    that does not parse as Python (a cell magic) falls back to one call per
    line that has ``workbench.check(``, texts unknown.
    """
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        tree = compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError:
        return [
            (number, None, None)
            for number, line in enumerate(source.splitlines(), start=1)
            if not line.lstrip().startswith("#")
            for _ in _CHECK_LINE.findall(line)
        ]
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "workbench"
        ):
            what = _text(node.args[0]) if node.args else _text(_keyword(node, "what"))
            found.append((node.lineno, node.col_offset, what, _text(_keyword(node, "hint"))))
    return [(line, what, hint) for line, _, what, hint in sorted(found, key=lambda item: item[:2])]


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in node.keywords if keyword.arg == name), None)


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def defined_names(source: str) -> frozenset[str]:
    """The functions, classes and variables a cell defines at its top level."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        tree = compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError:
        return frozenset(re.findall(r"^(?:async\s+def|def|class)\s+(\w+)", source, re.M))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


# -- one submission -----------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What one check said about one submission."""

    check: Check
    verdict: str  # VERDICT_PASSED, VERDICT_NOT_YET or VERDICT_DID_NOT_RUN
    detail: str = ""  # expected/found, or why it did not run (without the hint)
    hint: str = ""


@dataclass
class Grade:
    """One learner's grade on one exercise."""

    learner: str
    exercise: Exercise
    status: str
    verdicts: list[Verdict]
    lost_answers: list[AnswerCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the learner too: never hidden checks' text
    seconds: float = 0.0
    graded: NotebookNode | None = None

    def count(self, *, hidden: bool | None = None) -> tuple[int, int]:
        """(passed, total) over every check, or only the hidden (True) or visible (False) ones."""
        chosen = [v for v in self.verdicts if hidden is None or v.check.hidden == hidden]
        return sum(v.verdict == VERDICT_PASSED for v in chosen), len(chosen)

    @property
    def passed(self) -> int:
        return self.count()[0]

    @property
    def total(self) -> int:
        return self.count()[1]

    def headline(self) -> str:
        """The score in one sentence; "All ... pass" only when the hidden checks pass too."""
        passed, total = self.count()
        visible, visible_total = self.count(hidden=False)
        hidden, hidden_total = self.count(hidden=True)
        if passed == total:
            return f"All {total} checks pass" + (", hidden ones included." if hidden_total else ".")
        return (
            f"{passed} of {total} checks pass: {visible} of {visible_total} you can see in the exercise, "
            f"{hidden} of {hidden_total} hidden."
        )


def grade_submission(
    learner: str, exercise: Exercise, submission: Path | None, *, timeout: float, work: Path
) -> Grade:
    """Grade one submission (``None``: not handed in). Never raises: every failure is a grade."""
    started = time.monotonic()
    try:
        grade = _grade(learner, exercise, submission, timeout=timeout, work=work)
    except Exception as exc:  # the grader's own failure must not stop the room
        grade = _ungraded(learner, exercise, FAILED, f"grading failed: {type(exc).__name__}: {exc}")
    grade.seconds = time.monotonic() - started
    return grade


def _ungraded(learner: str, exercise: Exercise, status: str, note: str) -> Grade:
    verdicts = [Verdict(check, VERDICT_DID_NOT_RUN, note, check.hint or "") for check in exercise.checks]
    return Grade(learner, exercise, status, verdicts, notes=[note])


def _grade(learner: str, exercise: Exercise, submission: Path | None, *, timeout: float, work: Path) -> Grade:
    import nbformat

    if submission is None:
        return _ungraded(learner, exercise, NOT_SUBMITTED, f"No notebook {exercise.name} was handed in.")
    try:
        handed_in = nbformat.read(submission, as_version=4)
    except Exception as exc:
        note = f"{exercise.name} could not be read as a notebook ({type(exc).__name__}): open it in JupyterLab and save it again."
        return _ungraded(learner, exercise, UNREADABLE, note)
    graded, lost = compose(exercise, handed_in)
    cwd = Path(tempfile.mkdtemp(prefix="submission-", dir=work))
    try:
        status, stopped_at = run_notebook(graded, cwd=cwd, env=kernel_environment(work), timeout=timeout)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    grade = Grade(learner, exercise, status, verdicts_of(exercise, graded, status, stopped_at, timeout), lost, graded=graded)
    grade.notes = _notes(grade, timeout, own_code_cells(exercise, handed_in))
    return grade


def own_code_cells(exercise: Exercise, handed_in: NotebookNode) -> int:
    """How many code cells the learner added (neither an answer cell nor one handed out): they do not run."""
    answers = {id(cell) for cell in match_answers(exercise.answers, handed_in.cells) if cell is not None}
    known = {answer.grade_id for answer in exercise.answers} | {
        cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in exercise.notebook.cells
    }
    return sum(
        1
        for cell in handed_in.cells
        if cell.cell_type == "code" and cell.source.strip() and id(cell) not in answers
        and cell.source.strip() not in exercise.handed_out
        and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in known - {None}
    )


def compose(exercise: Exercise, handed_in: NotebookNode) -> tuple[NotebookNode, list[AnswerCell]]:
    """The instructor's notebook with the learner's answer cells in it, and the answers not found.

    A missing answer gets its stub (so its checks say "not written yet").
    """
    graded = copy.deepcopy(exercise.notebook)
    for cell in graded.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lost = []
    for answer, found in zip(exercise.answers, match_answers(exercise.answers, handed_in.cells), strict=True):
        if found is None:
            lost.append(answer)
            graded.cells[answer.cell].source = answer.stub
        else:
            graded.cells[answer.cell].source = found.source
    return graded, lost


def match_answers(answers: Sequence[AnswerCell], cells: Sequence[NotebookNode]) -> list[NotebookNode | None]:
    """The learner's cell for each answer: by nbgrader ``grade_id``, else by the names it defines.

    Where several cells qualify (a learner copied one), the last wins, as when
    the notebook runs top to bottom.
    """
    used: set[int] = set()
    found: list[NotebookNode | None] = [None] * len(answers)

    def grade_id(cell: NotebookNode) -> Any:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        return meta.get("grade_id") if isinstance(meta, dict) else None

    for position, answer in enumerate(answers):
        same = [
            i for i, c in enumerate(cells)
            if answer.grade_id and grade_id(c) == answer.grade_id and c.cell_type == answer.cell_type
        ]
        if same:
            found[position] = cells[same[-1]]
            used.update(same)
    known_ids = {answer.grade_id for answer in answers if answer.grade_id}
    for position, answer in enumerate(answers):
        if found[position] is not None or not answer.names:
            continue
        candidates = [
            i for i, c in enumerate(cells)
            if i not in used and c.cell_type == "code" and grade_id(c) not in known_ids
            and answer.names <= defined_names(c.source)
        ]
        if candidates:
            found[position] = cells[candidates[-1]]
            used.add(candidates[-1])
    return found


def kernel_environment(work: Path) -> dict[str, str]:
    """The grading kernels' environment: each its own temporary database and in-memory layer."""
    ignored = (DATABASE_ENV, CHANNEL_LAYER_ENV, NBGRADER_EXECUTION_ENV)  # reports on stdout, where they are read
    env = {name: value for name, value in os.environ.items() if name not in ignored}
    env["TMPDIR"] = str(work)  # what a killed kernel leaves goes when the run ends
    return env


def run_notebook(notebook: NotebookNode, *, cwd: Path, env: dict[str, str], timeout: float) -> tuple[str, int | None]:
    """Run every cell of ``notebook`` in place in a fresh kernel, errors and all, within ``timeout`` s.

    Returns the status and the index of the cell where the run stopped early
    (None when every cell ran).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(
        notebook,
        timeout=int(timeout),
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    deadline = time.monotonic() + timeout
    index: int | None = None
    try:
        with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    client.shutdown_kernel = "immediate"
                    return TIMED_OUT, index
                client.timeout = max(1, math.ceil(remaining))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    client.shutdown_kernel = "immediate"
                    return TIMED_OUT, index
    except DeadKernelError:
        return KERNEL_DIED, index
    return GRADED, None


def verdicts_of(
    exercise: Exercise, graded: NotebookNode, status: str, stopped_at: int | None, timeout: float
) -> list[Verdict]:
    """Every check's verdict, read from the reports its cell printed."""
    from .exercises import reports

    why_not = {
        TIMED_OUT: f"the notebook ran out of time ({timeout:g} s) before this check finished",
        KERNEL_DIED: "the kernel stopped (the code exited Python, or ran out of memory) before this check",
        FAILED: "the notebook could not be run",
    }
    verdicts = []
    by_cell: dict[int, list[Check]] = {}
    for check in exercise.checks:
        by_cell.setdefault(check.cell, []).append(check)
    for index, checks in by_cell.items():
        cell = graded.cells[index]
        printed = reports(cell)
        error = next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)
        for position, check in enumerate(checks):
            report = _report_for(check, position, printed)
            if report is not None:
                verdicts.append(_verdict_from(check, report))
                continue
            if status != GRADED and (stopped_at is None or index >= stopped_at):
                reason = why_not.get(status, "the notebook stopped before this check")
            elif error is not None:
                reason = f"its cell raised {error.ename}: {_one_line(error.evalue)}"
            else:
                reason = "it printed no verdict"
            verdicts.append(Verdict(check, VERDICT_DID_NOT_RUN, f"This check did not run: {reason}.", check.hint or ""))
    return sorted(verdicts, key=lambda v: v.check.number)


def _report_for(check: Check, position: int, printed: list[str]) -> str | None:
    """The report ``check`` printed: the last one with its text (a learner's fake comes first), or by position."""
    if check.what is None:
        return printed[position] if position < len(printed) else None
    first_line = check.what.splitlines()[0] if check.what else ""
    mine = [r for r in printed if r.splitlines()[0] in (f"{PASSED} {first_line}", f"{NOT_YET} {first_line}")]
    return mine[-1] if mine else None


def _verdict_from(check: Check, report: str) -> Verdict:
    lines = report.splitlines()
    if lines[0].startswith(PASSED):
        return Verdict(check, VERDICT_PASSED, "", check.hint or "")
    hints = [line.strip()[len("hint: ") :] for line in lines[1:] if line.strip().startswith("hint: ")]
    hint = hints[-1] if hints else check.hint or ""
    body = [line for line in lines[1:] if not line.strip().startswith("hint: ")]
    detail = "\n".join(line[4:] if line.startswith("    ") else line for line in body)
    return Verdict(check, VERDICT_NOT_YET, detail, hint)


def _one_line(text: str, limit: int = 200) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", " ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _notes(grade: Grade, timeout: float, own_cells: int = 0) -> list[str]:
    """What the learner should know beyond the checks: lost answers, cells of their own, a crash, a hang."""
    notes = [
        f"Your notebook has no answer cell like {answer.shown} (deleted, or its cell metadata lost): "
        "its checks ran against the empty stub."
        for answer in grade.lost_answers
    ]
    if own_cells:
        notes.append(
            f"Your notebook has {own_cells} code cell(s) of your own. Only the answer cells are graded, so "
            "that code did not run: put whatever an answer needs inside its answer cell."
        )
    if grade.graded is not None:
        answer_cells = {answer.cell: answer for answer in grade.exercise.answers}
        for index, cell in enumerate(grade.graded.cells):
            if index not in answer_cells:
                continue
            for output in cell.get("outputs", []):
                if output.output_type == "error" and output.ename != "NotImplementedError":
                    notes.append(
                        f"Your cell {answer_cells[index].shown} raised {output.ename}: {_one_line(output.evalue)}"
                    )
    if grade.status == TIMED_OUT:
        notes.append(
            f"Your notebook was stopped after {timeout:g} s: something in it never finished. "
            "The checks that had not run by then count as not passed."
        )
    elif grade.status == KERNEL_DIED:
        notes.append(
            "The kernel stopped while your notebook ran (its code exited Python, or ran out of memory): "
            "the checks after that point count as not passed."
        )
    return notes


# -- the room -----------------------------------------------------------------


def find_submissions(folder: Path, exercises: dict[str, Exercise]) -> tuple[list[tuple[str, Exercise, Path | None]], list[str]]:
    """Every (learner, exercise, notebook or None) to grade, and the files that are not an exercise.

    A learner with no notebook for an exercise someone else handed in gets a
    "not submitted" row, so the gradebook has a row per learner and exercise.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder. Give the folder of submissions, SUBMISSIONS/<learner>/<exercise>.ipynb.")
    learners = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    handed_in: dict[str, dict[str, Path]] = {}
    strangers = []
    for learner in learners:
        for notebook in sorted(learner.glob("*.ipynb")):
            if notebook.name in exercises:
                handed_in.setdefault(learner.name, {})[notebook.name] = notebook
            else:
                strangers.append(f"{learner.name}/{notebook.name}")
    names = sorted({name for notebooks in handed_in.values() for name in notebooks})
    if not names:
        raise UsageError(
            f"no submissions in {folder}: expected {folder}/<learner>/<exercise>.ipynb, with the exercises' "
            f"file names ({', '.join(sorted(exercises)) or 'none found'})."
        )
    jobs = [
        (learner.name, exercises[name], handed_in.get(learner.name, {}).get(name))
        for learner in learners
        if learner.name in handed_in
        for name in names
    ]
    return jobs, strangers


def grade_room(
    jobs: Sequence[tuple[str, Exercise, Path | None]],
    *,
    parallel: int,
    timeout: float,
    on_done: Callable[[Grade], None] = lambda grade: None,
) -> list[Grade]:
    """Grade every submission, ``parallel`` at a time; ``on_done`` hears of each as it finishes."""
    with tempfile.TemporaryDirectory(prefix="workbench-grade-") as work, ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [
            pool.submit(grade_submission, learner, exercise, path, timeout=timeout, work=Path(work))
            for learner, exercise, path in jobs
        ]
        for future in as_completed(futures):
            on_done(future.result())
        grades = [future.result() for future in futures]
    return grades


# -- what it writes -----------------------------------------------------------


def write_results(grades: Iterable[Grade], output: Path) -> None:
    """gradebook.csv, checks.csv, feedback/<learner>/<exercise>.html and graded/<learner>/<exercise>.ipynb."""
    import nbformat

    grades = sorted(grades, key=lambda g: (g.learner, g.exercise.name))
    output.mkdir(parents=True, exist_ok=True)
    with (output / "gradebook.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(GRADEBOOK_COLUMNS)
        for grade in grades:
            writer.writerow(
                [grade.learner, grade.exercise.stem, *grade.count(), *grade.count(hidden=False), *grade.count(hidden=True),
                 grade.status, len(grade.lost_answers), " ".join(grade.notes)]
            )
    with (output / "checks.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CHECK_COLUMNS)
        for grade in grades:
            for verdict in grade.verdicts:
                check = verdict.check
                writer.writerow(
                    [grade.learner, grade.exercise.stem, check.number, check.what or "", check.hidden,
                     verdict.verdict, verdict.detail]
                )
    for grade in grades:
        page = output / "feedback" / grade.learner / f"{grade.exercise.stem}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(feedback_page(grade), encoding="utf-8")
        if grade.graded is not None:
            notebook = output / "graded" / grade.learner / grade.exercise.name
            notebook.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(grade.graded, notebook)


_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
.score { font-size: 1.2rem; font-weight: 600; padding: .6rem .9rem; border-radius: .4rem; background: #fff4e5; }
.score.all { background: #e6f4ea; }
.notes li { margin: .3rem 0; }
ol.checks { padding-left: 1.4rem; }
ol.checks li { margin: .8rem 0; }
.verdict { font-weight: 600; margin-right: .4rem; }
.passed .verdict { color: #137333; }
.not-yet .verdict, .did-not-run .verdict { color: #b3261e; }
pre { background: #f5f5f7; padding: .5rem .7rem; border-radius: .3rem; white-space: pre-wrap; margin: .3rem 0; }
.hint { margin: .2rem 0; }
"""


def feedback_page(grade: Grade) -> str:
    """The learner's page: visible checks with verdict and hint; hidden checks as counts only."""
    esc = html.escape
    exercise = grade.exercise
    passed, total = grade.count()
    hidden, hidden_total = grade.count(hidden=True)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(exercise.stem)} · feedback for {esc(grade.learner)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{esc(exercise.stem)}</h1>",
        f"<p>Feedback for <strong>{esc(grade.learner)}</strong>.</p>",
        f'<p class="score{" all" if passed == total else ""}">{esc(grade.headline())}</p>',
    ]
    if grade.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(note)}</li>" for note in grade.notes) + "</ul>")
    parts.append("<h2>Checks you can see in the exercise</h2>")
    parts.append('<ol class="checks">')
    shown_verdicts = {VERDICT_PASSED: "✔ Correct", VERDICT_NOT_YET: "✘ Not yet", VERDICT_DID_NOT_RUN: "✘ Did not run"}
    for verdict in grade.verdicts:
        if verdict.check.hidden:
            continue
        css = verdict.verdict.replace(" ", "-")
        item = [f'<li class="{css}"><span class="verdict">{shown_verdicts[verdict.verdict]}</span>']
        item.append(esc(verdict.check.what or f"check {verdict.check.number}"))
        if verdict.verdict != VERDICT_PASSED:
            if verdict.detail:
                item.append(f"<pre>{esc(verdict.detail)}</pre>")
            if verdict.hint:
                item.append(f'<p class="hint"><strong>Hint:</strong> {esc(verdict.hint)}</p>')
        parts.append("".join(item) + "</li>")
    parts.append("</ol>")
    if hidden_total:
        parts.append("<h2>Hidden checks</h2>")
        parts.append(
            f"<p>{hidden} of {hidden_total} hidden checks pass. Your instructor keeps their text, so that "
            "they test what your code does rather than what the visible checks ask.</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def summary_table(grades: Sequence[Grade]) -> str:
    """Per exercise: notebooks, all passed, checks passed, and how many hung, crashed or lost answers."""
    header = ("exercise", "notebooks", "all passed", "checks passed", "median", "timed out", "crashed", "lost answers", "missing")
    rows = [header]
    for name in sorted({grade.exercise.name for grade in grades}):
        mine = [g for g in grades if g.exercise.name == name]
        passed, total = sum(g.passed for g in mine), sum(g.total for g in mine)
        rows.append((
            Path(name).stem,
            str(len(mine)),
            str(sum(g.passed == g.total for g in mine)),
            f"{passed} of {total} ({passed / total:.0%})" if total else "0",
            f"{statistics.median(g.passed / g.total for g in mine):.0%}",
            str(sum(g.status == TIMED_OUT for g in mine)),
            str(sum(g.status in (KERNEL_DIED, FAILED) for g in mine)),
            str(sum(bool(g.lost_answers) for g in mine)),
            str(sum(g.status in (NOT_SUBMITTED, UNREADABLE) for g in mine)),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- the command --------------------------------------------------------------


def load_exercises(folder: Path) -> dict[str, Exercise]:
    """Every exercise in ``folder``, by file name."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of exercises. Name one with --exercises (default: notebooks/exercises).")
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise UsageError(f"{folder} has no exercise notebooks (*.ipynb). Name the instructor's folder with --exercises.")
    return {path.name: load_exercise(path) for path in paths}


def run_grade_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Grade a folder of submissions; write the gradebook and feedback; print a summary."""
    extras.require("lab", command="grade")
    extras.require("bench", command="grade")  # the progress bar (tqdm)
    from tqdm import tqdm

    if args.jobs < 1 or args.timeout <= 0:
        raise UsageError(f"--jobs must be 1 or more and --timeout above 0; got --jobs {args.jobs} --timeout {args.timeout}.")
    exercises = load_exercises(Path(args.exercise_folder).resolve())
    jobs, strangers = find_submissions(Path(args.submissions).resolve(), exercises)
    for name in strangers:
        print(f"workbench grade: skipped {name}: no exercise of that name in {args.exercise_folder}", file=sys.stderr)
    learners = len({learner for learner, _, _ in jobs})
    print(f"workbench: grading {len(jobs)} notebook(s) of {learners} learner(s), {args.jobs} at a time", flush=True)
    started = time.monotonic()
    with tqdm(total=len(jobs), desc="grading", unit="notebook", file=sys.stderr, dynamic_ncols=True) as bar:

        def done(grade: Grade) -> None:
            bar.set_postfix_str(f"{grade.learner}/{grade.exercise.stem}: {grade.passed}/{grade.total}", refresh=False)
            bar.update(1)

        grades = grade_room(jobs, parallel=args.jobs, timeout=args.timeout, on_done=done)
    elapsed = time.monotonic() - started
    output = Path(args.output).resolve()
    write_results(grades, output)
    ran = sum(g.status not in (NOT_SUBMITTED, UNREADABLE) for g in grades)
    print(f"\n{summary_table(grades)}\n")
    print(f"workbench: graded {ran} notebook(s) in {elapsed:.1f} s ({ran / elapsed * 60:.1f} per minute, {args.jobs} at a time)")
    print(f"workbench: wrote {shown(output / 'gradebook.csv')} and {shown(output / 'checks.csv')} (for you),")
    print(f"  {shown(output / 'feedback')}/<learner>/<exercise>.html (hand these out: hidden checks appear only as counts),")
    print(f"  {shown(output / 'graded')}/ (the notebooks as they ran, hidden checks included: keep these)")
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser(
        "grade",
        help="grade a folder of submissions with the exercises' own checks, hidden ones included",
        description="Grade SUBMISSIONS/<learner>/<exercise>.ipynb: each learner's answer cells run in a fresh "
        "kernel inside the instructor's exercise notebook (so edited or deleted check cells change nothing), "
        "hidden checks included. A crash, a hang or a lost answer cell is graded, not fatal. Writes "
        "OUT/gradebook.csv, OUT/checks.csv, OUT/feedback/<learner>/<exercise>.html (visible checks with "
        "their hints, hidden checks as counts only) and OUT/graded/. It runs the learners' code: run it "
        "where that is safe.",
    )
    grade.add_argument("submissions", metavar="SUBMISSIONS", help="folder of <learner>/<exercise>.ipynb")
    grade.add_argument("-o", "--output", required=True, metavar="OUT", help="folder for the gradebook and feedback")
    grade.add_argument(
        "--exercises", dest="exercise_folder", default=str(EXERCISES),
        help="the instructor's exercises (default: notebooks/exercises)",
    )
    grade.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="notebooks graded at once (default: the cores)"
    )
    grade.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds for one notebook (default: {DEFAULT_TIMEOUT})"
    )
    grade.set_defaults(handler=run_grade_command)
