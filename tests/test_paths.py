"""``workbench.paths``: the lessons in course order, and a lesson's support files."""

import pytest

import workbench
from workbench.paths import NOTEBOOKS, exercise_paths, lesson_paths


def test_lessons_and_exercises_are_listed_in_order():
    names = [path.name for path in lesson_paths()]
    assert names and names == sorted(names)
    assert names[0] == "00-getting-started.ipynb"
    exercises = [path.name for path in exercise_paths()]
    assert exercises and exercises == sorted(exercises)


def test_lesson_file_finds_a_support_file_wherever_the_kernel_started(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert workbench.lesson_file("scripts/layer_sender.py") == NOTEBOOKS / "scripts" / "layer_sender.py"


def test_lesson_file_names_a_missing_file_and_where_it_looked():
    with pytest.raises(workbench.WorkbenchError, match=r"no 'scripts/nothing.py' in .*notebooks"):
        workbench.lesson_file("scripts/nothing.py")
