"""Exercises: every check passes on the solutions and says "not yet" on the stubs.

nbval (in the same test command) proves each exercise's stored outputs come
back from a fresh run; these tests prove what those outputs say, and run the
student version (and the stubs with the hidden checks kept) in fresh kernels.
"""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.tooling.conftest import workbench
from workbench.paths import PROJECT_ROOT, exercise_paths, lesson_paths
from workbench.tooling.exercises import (
    check_calls,
    nbgrader_problems,
    not_yet_problems,
    reports,
    run_stubs,
    solution_problems,
)
from workbench.tooling.student import student_version

EXERCISES = exercise_paths()


def ids(path):
    return path.stem


# The areas the workshop issue asks an exercise for, by lesson number
# (see the lesson map in the design). An area gets its exercise when its lesson lands.
def test_each_exercise_is_named_after_its_lesson():
    lessons = {path.name for path in lesson_paths()}
    assert EXERCISES and {path.name for path in EXERCISES} <= lessons, "name it notebooks/exercises/<its lesson's file name>"


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_every_check_passes_on_the_stored_solutions(exercise):
    notebook = nbformat.read(exercise, as_version=4)
    assert solution_problems(notebook) == []


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_every_exercise_carries_nbgrader_metadata_nbgrader_accepts(exercise):
    notebook = nbformat.read(exercise, as_version=4)
    assert nbgrader_problems(notebook) == []
    assert all("nbgrader" in cell.metadata for cell in notebook.cells)


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_the_student_version_says_not_yet_to_every_check_and_never_crashes(exercise):
    notebook, crashed = run_stubs(exercise)
    assert crashed == []
    assert not_yet_problems(notebook) == []
    assert sum(len(reports(cell)) for cell in notebook.cells) > 0


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_the_hidden_checks_say_not_yet_on_the_stubs_too(exercise):
    notebook, crashed = run_stubs(exercise, keep_hidden_checks=True)
    assert crashed == []
    assert not_yet_problems(notebook) == []


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_the_student_version_shows_no_answer(exercise):
    solved = nbformat.read(exercise, as_version=4)
    student = student_version(solved)
    text = "\n".join(cell.source for cell in student.cells)
    assert "### BEGIN" not in text and "### END" not in text
    assert all(not cell.get("outputs") for cell in student.cells)
    for cell in solved.cells:  # no line of any solution survives
        inside = False
        for line in cell.source.splitlines():
            if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = line.strip() == "### BEGIN SOLUTION"
            elif inside and line.strip():
                assert line not in text.splitlines(), line
    hidden = sum(check_calls(c.source) for c in solved.cells) - sum(check_calls(c.source) for c in student.cells)
    assert hidden > 0, "each exercise keeps some checks for the instructor"


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_an_exercise_starts_like_a_lesson(exercise):
    cells = nbformat.read(exercise, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# Exercise ")
    first_code = next(cell for cell in cells if cell.cell_type == "code")
    assert "import workbench" in first_code.source and "workbench.setup()" in first_code.source


# The verification itself, on small notebooks made here.


def check_cell(source, *printed):
    cell = new_code_cell(source, execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text="".join(printed))] if printed else []
    return cell


CALL = 'await workbench.check("x", f, expected=1, hint="h")'
PASS = "✔ Correct: x\n"
NOT_YET = "✘ Not yet: x\n    expected: 1\n    found:    2\n    hint: h\n"


def test_check_calls_counts_calls_but_not_comments():
    assert check_calls(f"{CALL}\n# {CALL}\n{CALL}") == 2


def test_reports_groups_each_not_yet_block():
    assert reports(check_cell(CALL, "noise\n", PASS, NOT_YET)) == [PASS.strip(), NOT_YET.strip()]


def test_a_failing_or_missing_check_on_the_solutions_is_a_problem():
    assert solution_problems(new_notebook(cells=[check_cell(CALL, PASS)])) == []
    failing = solution_problems(new_notebook(cells=[check_cell(CALL, NOT_YET)]))
    assert len(failing) == 1 and "a check fails on the solution" in failing[0]
    missing = solution_problems(new_notebook(cells=[check_cell(f"{CALL}\n{CALL}", PASS)]))
    assert missing == ["cell 1: 2 checks, but 1 reports stored (run `workbench execute`)"]
    assert "no cell calls workbench.check" in solution_problems(new_notebook(cells=[check_cell("x = 1")]))[0]


def test_a_check_that_passes_on_stubs_or_lacks_a_hint_is_a_problem():
    assert not_yet_problems(new_notebook(cells=[check_cell(CALL, NOT_YET)])) == []
    passing = not_yet_problems(new_notebook(cells=[check_cell(CALL, PASS)]))
    assert "a check passes without a solution" in passing[0]
    no_hint = not_yet_problems(new_notebook(cells=[check_cell(CALL, "✘ Not yet: x\n    found: 2\n")]))
    assert "without a hint" in no_hint[0]
    silent = not_yet_problems(new_notebook(cells=[check_cell(CALL)]))
    assert silent == ["cell 1: 1 checks, but 0 reports printed"]


def test_a_student_version_that_crashes_is_reported(tmp_path):
    exercise = tmp_path / "crash.ipynb"
    cells = [
        new_code_cell("### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION"),  # a top-level stub raises
        new_code_cell(CALL),
    ]
    nbformat.write(new_notebook(cells=cells), exercise)
    _, crashed = run_stubs(exercise)
    assert len(crashed) == 1 and crashed[0].startswith("the student version crashed: ")
    assert "NotImplementedError" in crashed[0]
    assert "\x1b" not in crashed[0]  # the exception's name and value, not a coloured traceback line


def test_verify_runs_an_exercise_and_its_student_version():
    exercise = exercise_paths()[0]
    result = workbench("verify", str(exercise), cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ passed", result.stdout)
    assert f"✔ {exercise.name}: all " in result.stdout
    assert "say \"not yet\" with a hint" in result.stdout


def marked(grade_id, *, solution=False, points=None):
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    return {"nbgrader": {**meta, "points": points} if points is not None else meta}


def test_nbgrader_problems_name_what_nbgrader_would_refuse_or_hand_out():
    answer = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    hidden = f"{CALL}\n### BEGIN HIDDEN CHECKS\n{CALL}\n### END HIDDEN CHECKS"
    good = [
        new_code_cell(answer, metadata=marked("a", solution=True)),
        new_code_cell(f"{CALL}\n{CALL}", metadata=marked("b", points=2)),
    ]
    assert nbgrader_problems(new_notebook(cells=good)) == []
    problems = nbgrader_problems(new_notebook(cells=[
        new_code_cell(answer),
        new_code_cell(hidden, metadata=marked("b", points=2)),
        new_code_cell(CALL, metadata=marked("b", points=3)),
        new_code_cell(CALL),
    ]))
    assert problems[0].startswith("cell 1: a solution region in a cell nbgrader does not know as a solution cell")
    assert problems[1].startswith("cell 2: nbgrader does not know `### BEGIN HIDDEN CHECKS`")
    assert problems[2:4] == [
        "cell 3: 1 checks but nbgrader points 3: one point per check",
        "cell 3: grade_id 'b' is cell 2's too: give each its own",
    ]
    assert len(problems) == 5
    assert problems[4].startswith('cell 4: checks in a cell that is not an nbgrader "autograder tests" cell')


def test_mark_for_nbgrader_gives_an_exercise_the_metadata_nbgrader_needs():
    from workbench.tooling.exercises import nbgrader_problems
    from workbench.tooling.student import mark_for_nbgrader

    notebook = new_notebook(cells=[
        new_code_cell("import workbench"),
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        new_code_cell('await workbench.check("f", f, expected=1, hint="h")\n### BEGIN HIDDEN CHECKS\n'
                      'await workbench.check("g", f, expected=1, hint="h")\n### END HIDDEN CHECKS'),
    ])
    assert nbgrader_problems(notebook)
    mark_for_nbgrader(notebook)
    assert nbgrader_problems(notebook) == []
    assert [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells] == ["cell01-code", "cell02-answer", "cell03-checks"]
    assert notebook.cells[2].metadata["nbgrader"]["points"] == 2 and "HIDDEN TESTS" in notebook.cells[2].source
