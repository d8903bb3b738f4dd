"""Student versions: solutions become stubs, hidden checks and outputs go."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.tooling.conftest import workbench
from workbench.paths import exercise_paths, lesson_paths
from workbench.tooling.student import StudentVersionError, student_version, write_student_versions

SOLVED = """\
async def titles_by(name):
    ### BEGIN SOLUTION
    books = Book.objects.filter(author__name=name)
    return [b.title async for b in books]
    ### END SOLUTION"""

CHECKS = """\
await workbench.check("visible", titles_by, expected=[], hint="h")
### BEGIN HIDDEN CHECKS
await workbench.check("hidden", titles_by, expected=[], hint="h")
### END HIDDEN CHECKS"""


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
    hidden_only = "### BEGIN HIDDEN CHECKS\nassert True\n### END HIDDEN CHECKS\n"
    student = student_version(exercise(new_code_cell(SOLVED), new_code_cell(hidden_only), new_code_cell("")))
    assert [cell.source for cell in student.cells][1:] == [""]


def test_hidden_checks_can_be_kept_for_proving_they_fail_on_stubs():
    student = student_version(exercise(new_code_cell(SOLVED), new_code_cell(CHECKS)), keep_hidden_checks=True)
    assert student.cells[1].source == (
        'await workbench.check("visible", titles_by, expected=[], hint="h")\n'
        'await workbench.check("hidden", titles_by, expected=[], hint="h")'
    )
    assert "NotImplementedError" in student.cells[0].source


def test_nbgraders_hidden_tests_markers_work_too():
    cell = new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS")
    student = student_version(exercise(new_code_cell(SOLVED), cell))
    assert student.cells[1].source == "x = 1"


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
            "### BEGIN SOLUTION\n### BEGIN HIDDEN CHECKS\n### END HIDDEN CHECKS\n### END SOLUTION",
            r"cell 1, line 2: .* inside the SOLUTION region opened at line 1",
        ),
        ("### BEGIN HIDDEN CHECKS\n### END SOLUTION", r"closes a region that was never opened"),
    ],
)
def test_malformed_markers_name_the_cell_and_line(source, message):
    with pytest.raises(StudentVersionError, match=message):
        student_version(exercise(new_code_cell(source)))


def test_hidden_checks_in_markdown_are_refused():
    text = "### BEGIN HIDDEN CHECKS\nsecret\n### END HIDDEN CHECKS"
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
