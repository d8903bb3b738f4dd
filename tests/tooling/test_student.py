"""Student versions: solutions become stubs, hidden checks and outputs go; nbgrader agrees."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.tooling.conftest import nbgrader, nbgrader_course, workbench
from workbench.paths import exercise_paths, lesson_paths
from workbench.tooling.grade import load_exercise
from workbench.tooling.student import StudentVersionError, student_version, write_student_versions

SOLVED = """\
async def titles_by(name):
    ### BEGIN SOLUTION
    books = Book.objects.filter(author__name=name)
    return [b.title async for b in books]
    ### END SOLUTION"""

CHECKS = """\
await workbench.check("visible", titles_by, expected=[], hint="h")
### BEGIN HIDDEN TESTS
await workbench.check("hidden", titles_by, expected=[], hint="h")
### END HIDDEN TESTS"""


def exercise(*cells):
    return new_notebook(cells=list(cells))


def executed(source):
    cell = new_code_cell(source, execution_count=3)
    cell.outputs = [new_output("stream", name="stdout", text="✔ Correct: visible\n")]
    cell.metadata["execution"] = {"iopub.status.idle": "2024-01-01"}
    return cell


def test_a_solution_becomes_a_stub_at_its_indentation():
    student = student_version(exercise(new_code_cell(SOLVED)))
    assert student.cells[0].source == (
        "async def titles_by(name):\n"
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()"
    )


def test_a_markdown_answer_becomes_a_placeholder():
    answer = "Why?\n\n### BEGIN SOLUTION\nBecause the loop runs here.\n### END SOLUTION"
    student = student_version(exercise(new_markdown_cell(answer), new_code_cell(SOLVED)))
    assert student.cells[0].source == "Why?\n\nYOUR ANSWER HERE"


def test_hidden_checks_are_removed_and_outputs_cleared():
    student = student_version(exercise(executed(SOLVED), executed(CHECKS)))
    checks = student.cells[1]
    assert checks.source == 'await workbench.check("visible", titles_by, expected=[], hint="h")'
    for cell in student.cells:
        assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata


def test_a_cell_of_hidden_checks_only_disappears_but_empty_cells_stay():
    hidden_only = "### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS\n"
    student = student_version(exercise(new_code_cell(SOLVED), new_code_cell(hidden_only), new_code_cell("")))
    assert [cell.source for cell in student.cells][1:] == [""]


def test_hidden_checks_can_be_kept_for_proving_they_fail_on_stubs():
    student = student_version(exercise(new_code_cell(SOLVED), new_code_cell(CHECKS)), keep_hidden_checks=True)
    assert student.cells[1].source == (
        'await workbench.check("visible", titles_by, expected=[], hint="h")\n'
        'await workbench.check("hidden", titles_by, expected=[], hint="h")'
    )
    assert "NotImplementedError" in student.cells[0].source


def test_the_workbenchs_old_hidden_checks_markers_still_work():
    cell = new_code_cell("x = 1\n### BEGIN HIDDEN CHECKS\nassert x\n### END HIDDEN CHECKS")
    student = student_version(exercise(new_code_cell(SOLVED), cell))
    assert student.cells[1].source == "x = 1"


def test_a_solution_cell_without_markers_becomes_the_stub_as_in_nbgrader():
    marked = {"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": "a", "schema_version": 3}}
    code = new_code_cell("answer = 42", metadata=marked)
    text = new_markdown_cell("Because.", metadata=marked)
    student = student_version(exercise(code, text))
    assert [cell.source for cell in student.cells] == ["# YOUR CODE HERE\nraise NotImplementedError()", "YOUR ANSWER HERE"]


@pytest.mark.parametrize("line", ["x = 1  ### END SOLUTION", "# BEGIN HIDDEN TESTS", "print('### BEGIN SOLUTION')"])
def test_a_line_nbgrader_would_take_for_a_marker_is_refused(line):
    with pytest.raises(StudentVersionError, match=r"cell 2, line 2: .* is not a marker line\. nbgrader"):
        student_version(exercise(new_code_cell(SOLVED), new_code_cell(f"x = 0\n{line}")))


def test_the_original_notebook_is_left_alone():
    original = exercise(executed(SOLVED), executed(CHECKS))
    before = nbformat.writes(original)
    student_version(original)
    assert nbformat.writes(original) == before


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n### BEGIN SOLUTION\nx = 2", r"cell 1, line 2: `### BEGIN SOLUTION` is never closed"),
        ("### END SOLUTION", r"cell 1, line 1: `### END SOLUTION` closes a region that was never opened"),
        (
            "### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION",
            r"cell 1, line 2: .* inside the SOLUTION region opened at line 1",
        ),
        ("### BEGIN HIDDEN TESTS\n### END SOLUTION", r"closes a region that was never opened"),
    ],
)
def test_malformed_markers_name_the_cell_and_line(source, message):
    with pytest.raises(StudentVersionError, match=message):
        student_version(exercise(new_code_cell(source)))


def test_hidden_checks_in_markdown_are_refused():
    text = "### BEGIN HIDDEN TESTS\nsecret\n### END HIDDEN TESTS"
    with pytest.raises(StudentVersionError, match="cell 1, line 1: hidden checks must be in a code cell"):
        student_version(exercise(new_markdown_cell(text), new_code_cell(SOLVED)))


def test_a_notebook_without_solutions_is_refused_rather_than_handed_out():
    with pytest.raises(StudentVersionError, match="no `### BEGIN SOLUTION`"):
        student_version(exercise(new_code_cell("answer = 42")))


def test_write_student_versions_keeps_names_and_names_a_bad_file(tmp_path):
    good, bad = tmp_path / "01-good.ipynb", tmp_path / "02-bad.ipynb"
    nbformat.write(exercise(executed(SOLVED)), good)
    nbformat.write(exercise(new_code_cell("### BEGIN SOLUTION")), bad)
    written = write_student_versions([good], tmp_path / "out")
    assert written == [tmp_path / "out" / "01-good.ipynb"]
    assert "raise NotImplementedError()" in nbformat.read(written[0], as_version=4).cells[0].source
    with pytest.raises(StudentVersionError, match=r"^02-bad.ipynb: cell 1, line 1"):
        write_student_versions([bad], tmp_path / "out")


def test_student_writes_stubbed_versions(tmp_path):
    result = workbench("student", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.glob("*.ipynb"))
    assert written == [path.name for path in exercise_paths()]
    source = "\n".join(cell.source for cell in nbformat.read(tmp_path / written[0], as_version=4).cells)
    assert "raise NotImplementedError()" in source and "BEGIN SOLUTION" not in source
    assert f"workbench lab {tmp_path}" in result.stdout


def test_student_refuses_a_notebook_without_solutions_and_says_why(tmp_path):
    result = workbench("student", str(lesson_paths()[0]), "-o", str(tmp_path))
    assert result.returncode == 1
    assert "00-getting-started.ipynb: this notebook has no `### BEGIN SOLUTION`" in result.stderr
    assert not list(tmp_path.iterdir())


def solution_lines(notebook):
    lines, inside = [], False
    for cell in notebook.cells:
        for line in cell.source.splitlines():
            if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = line.strip() == "### BEGIN SOLUTION"
            elif inside and line.strip():
                lines.append(line)
    return lines


def test_nbgraders_generate_assignment_hands_out_no_answer_and_no_hidden_check_and_agrees(tmp_path):
    course = nbgrader_course(tmp_path / "course", "exercises", exercise_paths())
    nbgrader(course, "generate_assignment", "exercises")
    release = course / "release" / "exercises"
    for path in exercise_paths():
        solved = nbformat.read(path, as_version=4)
        theirs = nbformat.read(release / path.name, as_version=4)
        handed_out = "\n".join(cell.source for cell in theirs.cells)
        assert "SOLUTION" not in handed_out and "HIDDEN" not in handed_out, path.name
        assert not set(solution_lines(solved)) & set(handed_out.splitlines()), path.name
        hidden = [check for check in load_exercise(path).checks if check.hidden]
        assert hidden and all(check.what not in handed_out and check.hint not in handed_out for check in hidden)
        assert all(not cell.get("outputs") for cell in theirs.cells)
        assert [c.source for c in theirs.cells] == [c.source for c in student_version(solved).cells], path.name
