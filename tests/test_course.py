"""The lessons read as a course: each opens with its time, prerequisites and objectives, ends with
key points, stays one digestible idea (at most 40 code cells and 2,200 words of prose), and has
an exercise of its own."""

import re

import pytest

from workbench.paths import EXERCISES, lesson_paths

MAX_CODE_CELLS = 40
MAX_PROSE_WORDS = 2_200


def _cells(path):
    import nbformat

    return nbformat.read(path, as_version=4).cells


def _number(path) -> str:
    return path.stem.split("-", 1)[0]


@pytest.mark.parametrize("lesson", lesson_paths(), ids=lambda p: p.stem)
def test_a_lesson_opens_with_its_time_prerequisites_and_objectives(lesson):
    first = _cells(lesson)[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {_number(lesson)} · "), "the title names the lesson's place in the course"
    assert re.search(r"^\*\*Time:\*\* about \d+ minutes", first.source, re.M)
    assert re.search(r"^\*\*Prerequisites:\*\* ", first.source, re.M)
    assert "**By the end you can:**" in first.source and re.search(r"^1\. ", first.source, re.M)


@pytest.mark.parametrize("lesson", lesson_paths(), ids=lambda p: p.stem)
def test_a_lesson_ends_with_its_key_points(lesson):
    last = _cells(lesson)[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Key points")


@pytest.mark.parametrize("lesson", lesson_paths(), ids=lambda p: p.stem)
def test_a_lesson_is_one_digestible_idea(lesson):
    cells = _cells(lesson)
    code = sum(cell.cell_type == "code" for cell in cells)
    words = sum(len(re.findall(r"\w+", cell.source)) for cell in cells if cell.cell_type == "markdown")
    assert code <= MAX_CODE_CELLS, f"{code} code cells"
    assert words <= MAX_PROSE_WORDS, f"{words} words of prose"


@pytest.mark.parametrize("lesson", lesson_paths(), ids=lambda p: p.stem)
def test_every_lesson_has_an_exercise(lesson):
    assert (EXERCISES / lesson.name).is_file(), f"no notebooks/exercises/{lesson.name}"


def test_the_lessons_are_numbered_in_order_without_gaps():
    numbers = [int(_number(path)) for path in lesson_paths()]
    assert numbers == list(range(len(numbers)))


@pytest.mark.parametrize("lesson", lesson_paths()[:-1], ids=lambda p: p.stem)
def test_a_lesson_names_the_next_one(lesson):
    following = lesson_paths()[lesson_paths().index(lesson) + 1]
    assert f"Next: **{_number(following)} · " in _cells(lesson)[-1].source
