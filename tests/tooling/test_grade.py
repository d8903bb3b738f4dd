"""``workbench grade``: submissions graded by the instructor's checks, in fresh kernels, feedback without hidden text."""

import copy
import csv
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.tooling.conftest import nbgrader, nbgrader_course, workbench
from workbench.paths import EXERCISES
from workbench.tooling import grade
from workbench.tooling.checkout import UsageError
from workbench.tooling.student import check_calls, student_version

# A small exercise of our own: no Django, so its kernels start and finish fast.
ANSWER = """\
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION"""
CHECKS = """\
await workbench.check("double(2) is 4", lambda: double(2), expected=4, hint="multiply by two")
### BEGIN HIDDEN TESTS
await workbench.check(
    "SECRET double(-3) is -6",
    lambda: double(-3),
    expected=-6,
    hint="SECRET HINT negative numbers too",
)
### END HIDDEN TESTS"""


def marked(grade_id, *, solution=False, points=None):
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def small_exercise():
    return new_notebook(cells=[
        new_markdown_cell("# Exercise: double"),
        new_code_cell("import workbench", metadata=marked("setup")),
        new_code_cell(ANSWER, metadata=marked("double-answer", solution=True)),
        new_code_cell(CHECKS, metadata=marked("double-checks", points=2)),
    ])


def handed_out(notebook=None, answer=None):
    """The student version of the small exercise, with ``answer`` written into its answer cell."""
    student = student_version(notebook or small_exercise())
    if answer is not None:
        next(c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")).source = answer
    return student


@pytest.fixture
def exercises(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    nbformat.write(small_exercise(), folder / "double.ipynb")
    return folder


def room(folder, notebooks):
    for learner, notebook in notebooks.items():
        (folder / learner).mkdir(parents=True)
        target = folder / learner / "double.ipynb"
        if isinstance(notebook, str):
            target.write_text(notebook)
        else:
            nbformat.write(notebook, target)
    return folder


def graded_by_learner(exercises, submissions, *, timeout=grade.DEFAULT_TIMEOUT, parallel=2):
    jobs, strangers = grade.find_submissions(submissions, grade.load_exercises(exercises))
    return {g.learner: g for g in grade.grade_room(jobs, parallel=parallel, timeout=timeout)}, strangers


# -- reading the instructor's notebook ------------------------------------------


def test_check_call_sites_find_each_check_with_its_text_and_hint():
    assert grade.check_call_sites(CHECKS) == [
        (1, "double(2) is 4", "multiply by two"),
        (3, "SECRET double(-3) is -6", "SECRET HINT negative numbers too"),
    ]
    # A cell that does not parse (a cell magic) still counts its calls, texts unknown.
    assert grade.check_call_sites("%%time\nawait workbench.check(x, f, hint=h)") == [(2, None, None)]


def test_an_exercise_knows_its_answers_and_which_checks_are_hidden(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    assert [(a.cell, a.grade_id, a.names) for a in exercise.answers] == [(2, "double-answer", frozenset({"double"}))]
    assert exercise.answers[0].stub == "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert [(c.number, c.hidden) for c in exercise.checks] == [(1, False), (2, True)]


def test_the_projects_exercises_all_load_with_hidden_and_visible_checks():
    for path in sorted(EXERCISES.glob("*.ipynb")):
        exercise = grade.load_exercise(path)
        source = nbformat.read(path, as_version=4)
        assert len(exercise.checks) == sum(check_calls(c.source) for c in source.cells if c.cell_type == "code")
        assert 0 < exercise.visible_total < len(exercise.checks), path.name
        assert all(a.grade_id for a in exercise.answers), path.name


def test_a_notebook_without_answers_or_checks_is_refused(tmp_path):
    path = tmp_path / "lesson.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    with pytest.raises(grade.GradingError, match=r"lesson\.ipynb has no answer cell"):
        grade.load_exercise(path)


# -- putting the learner's answers into the instructor's notebook -----------------


def test_answers_are_found_by_grade_id_then_by_the_names_they_define(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    by_id = handed_out(answer="def double(x):\n    return x + x")
    copied = new_code_cell("def double(x):\n    return 0", metadata=marked("double-answer", solution=True))
    by_id.cells.append(copied)  # a learner's copy of the cell, further down: the last one counts
    assert grade.match_answers(exercise.answers, by_id.cells) == [copied]
    no_metadata = [new_code_cell("import math"), new_code_cell("def double(x):\n    return x * 2")]
    assert grade.match_answers(exercise.answers, no_metadata) == [no_metadata[1]]
    assert grade.match_answers(exercise.answers, [new_code_cell("print('hello')")]) == [None]


def test_the_graded_notebook_is_the_instructors_with_only_the_answer_cells_changed(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    cheat = handed_out(answer="def double(x):\n    return 0")
    cheat.cells[-1].source = 'print("✔ Correct: double(2) is 4")'  # its check cell, rewritten
    graded, lost = grade.compose(exercise, cheat)
    assert lost == []
    assert [c.source for c in graded.cells] == [
        "# Exercise: double", "import workbench", "def double(x):\n    return 0", CHECKS,
    ]
    graded, lost = grade.compose(exercise, new_notebook(cells=[new_code_cell("print('no answer')")]))
    assert lost == exercise.answers
    assert graded.cells[2].source == exercise.answers[0].stub


# -- reading the verdicts ----------------------------------------------------------


def ran(exercise, *printed, error=None):
    """The composed notebook as if it ran: the check cell printed ``printed``."""
    graded, _ = grade.compose(exercise, handed_out())
    outputs = [new_output("stream", name="stdout", text="".join(printed))]
    if error:
        outputs.append(new_output("error", ename=error[0], evalue=error[1], traceback=[]))
    graded.cells[3].outputs = outputs
    return graded


def test_a_fake_report_printed_by_the_learners_code_does_not_count(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    graded = ran(
        exercise,
        "✔ Correct: double(2) is 4\n",  # printed by the learner's double()
        "✘ Not yet: double(2) is 4\n    expected: 4\n    found:    0\n    hint: multiply by two\n",
        "✔ Correct: SECRET double(-3) is -6\n",
    )
    first, second = grade.verdicts_of(exercise, graded, grade.GRADED, None, 10)
    assert (first.verdict, first.detail, first.hint) == (grade.VERDICT_NOT_YET, "expected: 4\nfound:    0", "multiply by two")
    assert second.verdict == grade.VERDICT_PASSED


def test_checks_that_never_printed_say_why(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    graded = ran(exercise, "✔ Correct: double(2) is 4\n", error=("ZeroDivisionError", "division by zero"))
    verdicts = grade.verdicts_of(exercise, graded, grade.GRADED, None, 10)
    assert [v.verdict for v in verdicts] == [grade.VERDICT_PASSED, grade.VERDICT_DID_NOT_RUN]
    assert verdicts[1].detail == "This check did not run: its cell raised ZeroDivisionError: division by zero."
    timed_out = grade.verdicts_of(exercise, ran(exercise), grade.TIMED_OUT, 3, 7)
    assert all("ran out of time (7 s)" in v.detail for v in timed_out)


def test_all_pass_is_said_only_when_the_hidden_checks_pass_too(exercises):
    exercise = grade.load_exercise(exercises / "double.ipynb")
    visible, hidden = exercise.checks
    only_visible = grade.Grade("ada", exercise, grade.GRADED, [
        grade.Verdict(visible, grade.VERDICT_PASSED), grade.Verdict(hidden, grade.VERDICT_NOT_YET, "found: 6", "h"),
    ])
    assert only_visible.headline() == "1 of 2 checks pass: 1 of 1 you can see in the exercise, 0 of 1 hidden."
    page = grade.feedback_page(only_visible)
    assert "All" not in page and "0 of 1 hidden checks pass" in page
    everything = grade.Grade("ada", exercise, grade.GRADED, [grade.Verdict(c, grade.VERDICT_PASSED) for c in exercise.checks])
    assert everything.headline() == "All 2 checks pass, hidden ones included."


# -- whole rooms, in real kernels --------------------------------------------------


def test_a_room_of_every_kind_of_submission_is_graded_and_nothing_hidden_is_shown(exercises, tmp_path):
    without_metadata = handed_out(answer="def double(x):\n    return x * 2")
    for cell in without_metadata.cells:
        cell.metadata.pop("nbgrader", None)
    submissions = room(tmp_path / "submissions", {
        "ada": handed_out(answer="def double(x):\n    return x * 2"),
        "bo": handed_out(answer="def double(x):\n    return 4"),  # the visible check only
        "cy": without_metadata,  # from an older hand-out: found by the name it defines
        "di": handed_out(answer="def double(x):\n    return 2 * x\nimport os\nos._exit(1)"),  # kills its kernel
        "ed": new_notebook(cells=[new_code_cell("print('where did my cell go?')")]),  # answer cell deleted
        "fay": "{not a notebook",
        "gus": handed_out(answer="def double(x):\n    return x +* 2"),  # a syntax error
    })
    (submissions / "fay" / "notes.ipynb").write_text("{}")
    (submissions / "hal").mkdir()
    nbformat.write(handed_out(), submissions / "hal" / "something-else.ipynb")
    grades, strangers = graded_by_learner(exercises, submissions)
    assert strangers == ["fay/notes.ipynb", "hal/something-else.ipynb"]
    found = {name: (g.passed, g.total, g.count(hidden=True), g.status, len(g.lost_answers)) for name, g in grades.items()}
    assert found == {
        "ada": (2, 2, (1, 1), grade.GRADED, 0),
        "bo": (1, 2, (0, 1), grade.GRADED, 0),
        "cy": (2, 2, (1, 1), grade.GRADED, 0),
        "di": (0, 2, (0, 1), grade.KERNEL_DIED, 0),
        "ed": (0, 2, (0, 1), grade.GRADED, 1),
        "fay": (0, 2, (0, 1), grade.UNREADABLE, 0),
        "gus": (0, 2, (0, 1), grade.GRADED, 0),
    }
    assert any("raised SyntaxError" in note for note in grades["gus"].notes)
    assert any("no answer cell like `def double(x):`" in note for note in grades["ed"].notes)
    assert any("1 code cell(s) of your own" in note for note in grades["ed"].notes)
    assert not any("of your own" in note for g in (grades["ada"], grades["cy"]) for note in g.notes)

    out = tmp_path / "out"
    grade.write_results(grades.values(), out)
    with (out / "gradebook.csv").open() as file:
        rows = {row["learner"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(found)
    assert {k: rows["bo"][k] for k in ("exercise", "passed", "total", "hidden_passed", "status")} == {
        "exercise": "double", "passed": "1", "total": "2", "hidden_passed": "0", "status": "graded",
    }
    with (out / "checks.csv").open() as file:
        checks = [row for row in csv.DictReader(file) if row["learner"] == "bo"]
    assert [(c["check"], c["hidden"], c["verdict"]) for c in checks] == [
        ("double(2) is 4", "False", "passed"), ("SECRET double(-3) is -6", "True", "not yet"),
    ]
    for learner in found:
        page = (out / "feedback" / learner / "double.html").read_text()
        assert "double(2) is 4" in page
        assert "SECRET" not in page, learner  # neither a hidden check's text, nor its hint, nor what it found
    assert "✘ Not yet" not in (out / "feedback" / "ada" / "double.html").read_text()
    assert "Hint:</strong> multiply by two" in (out / "feedback" / "ed" / "double.html").read_text()
    assert (out / "graded" / "ada" / "double.ipynb").is_file() and not (out / "graded" / "fay").exists()


def test_a_notebook_that_hangs_is_stopped_at_the_timeout_and_graded(exercises, tmp_path):
    submissions = room(tmp_path / "submissions", {
        "hangs": handed_out(answer="def double(x):\n    while True:\n        pass"),
        "fine": handed_out(answer="def double(x):\n    return x * 2"),
    })
    grades, _ = graded_by_learner(exercises, submissions, timeout=6)
    hangs = grades["hangs"]
    assert (hangs.status, hangs.passed) == (grade.TIMED_OUT, 0)
    assert 6 <= hangs.seconds < 30
    assert any("stopped after 6 s" in note for note in hangs.notes)
    assert "ran out of time" in hangs.verdicts[0].detail
    assert (grades["fine"].status, grades["fine"].passed) == (grade.GRADED, 2)


def test_grade_on_the_projects_exercise_full_solution_untouched_and_checks_deleted(tmp_path):
    exercise = EXERCISES / "00-getting-started.ipynb"
    submissions = tmp_path / "submissions"
    for learner in ("solved", "untouched", "no-checks"):
        (submissions / learner).mkdir(parents=True)
    shutil.copy(exercise, submissions / "solved" / exercise.name)
    student = student_version(nbformat.read(exercise, as_version=4))
    nbformat.write(student, submissions / "untouched" / exercise.name)
    student.cells = [cell for cell in student.cells if not check_calls(cell.source)]
    nbformat.write(student, submissions / "no-checks" / exercise.name)

    out = tmp_path / "out"
    result = workbench("grade", str(submissions), "-o", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    with (out / "gradebook.csv").open() as file:
        rows = {row["learner"]: (row["passed"], row["total"], row["status"]) for row in csv.DictReader(file)}
    assert rows == {"solved": ("4", "4", "graded"), "untouched": ("0", "4", "graded"), "no-checks": ("0", "4", "graded")}
    assert "00-getting-started" in result.stdout and "per minute" in result.stdout  # the summary
    assert "grading" in result.stderr  # the progress bar
    hidden = [c for c in grade.load_exercise(exercise).checks if c.hidden]
    for learner in rows:
        page = (out / "feedback" / learner / "00-getting-started.html").read_text()
        assert "count_books_by(&#x27;Ursula K. Le Guin&#x27;) counts her three books" in page
        for check in hidden:
            assert check.what not in page and check.hint not in page
    solved = (out / "feedback" / "solved" / "00-getting-started.html").read_text()
    assert "All 4 checks pass, hidden ones included." in solved
    untouched = (out / "feedback" / "no-checks" / "00-getting-started.html").read_text()
    assert "0 of 4 checks pass" in untouched and "0 of 2 hidden checks pass" in untouched
    assert "Hint:</strong> filter on the related field" in untouched


def test_grade_says_what_it_needs_when_there_is_nothing_to_grade(tmp_path):
    result = workbench("grade", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"no submissions in {tmp_path}" in result.stderr and "00-getting-started.ipynb" in result.stderr
    with pytest.raises(UsageError, match=r"nowhere is not a folder\. Give the folder of submissions"):
        grade.find_submissions(tmp_path / "nowhere", {})


def test_a_learner_who_handed_in_only_some_exercises_gets_a_not_submitted_row(exercises, tmp_path):
    shutil.copy(exercises / "double.ipynb", exercises / "double-again.ipynb")
    submissions = room(tmp_path / "submissions", {"ada": handed_out(), "bo": handed_out()})
    nbformat.write(handed_out(), submissions / "ada" / "double-again.ipynb")
    jobs, _ = grade.find_submissions(submissions, grade.load_exercises(exercises))
    assert [(learner, exercise.name, path is not None) for learner, exercise, path in jobs] == [
        ("ada", "double-again.ipynb", True), ("ada", "double.ipynb", True),
        ("bo", "double-again.ipynb", False), ("bo", "double.ipynb", True),
    ]
    missing = grade.grade_submission("bo", jobs[2][1], None, timeout=10, work=tmp_path)
    assert (missing.status, missing.passed, missing.total) == (grade.NOT_SUBMITTED, 0, 2)
    assert "No notebook double-again.ipynb was handed in." in grade.feedback_page(missing)


def test_nbgrader_autograde_scores_the_same_room_as_workbench_grade(tmp_path):
    exercise = EXERCISES / "00-getting-started.ipynb"
    course = nbgrader_course(tmp_path / "course", "exercises", [exercise])
    nbgrader(course, "generate_assignment", "exercises")
    released = nbformat.read(course / "release" / "exercises" / exercise.name, as_version=4)
    solved = nbformat.read(exercise, as_version=4)
    task1 = next(a for a in grade.load_exercise(exercise).answers if a.grade_id == "task1-answer")
    partial = copy.deepcopy(released)
    answer = next(c for c in partial.cells if c.metadata["nbgrader"]["grade_id"] == "task1-answer")
    answer.source = solved.cells[task1.cell].source
    for learner, notebook in {"solved": solved, "untouched": released, "partial": partial}.items():
        for folder in (course / "submitted" / learner / "exercises", tmp_path / "submissions" / learner):
            folder.mkdir(parents=True)
            nbformat.write(notebook, folder / exercise.name)
    nbgrader(course, "autograde", "exercises")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        theirs = {name: gradebook.find_submission("exercises", name).score for name in ("solved", "untouched", "partial")}
    ours, _ = graded_by_learner(EXERCISES, tmp_path / "submissions")
    # nbgrader scores a check cell all or nothing (one point per check); its hidden checks count too.
    assert theirs == {"solved": 4, "untouched": 0, "partial": 2}
    assert {learner: g.passed for learner, g in ours.items()} == theirs
