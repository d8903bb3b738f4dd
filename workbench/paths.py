"""Where this checkout keeps its lessons: the one place that works the paths out.

The lessons, exercises and their support folders live in the repository, not
in the installed package, so these paths are meaningful in a clone installed
with ``pip install -e .`` (the README's commands). ``lesson_file()`` is the
public door a lesson uses to find a script beside it.
"""

from __future__ import annotations

from pathlib import Path

from .errors import WorkbenchError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXERCISES = NOTEBOOKS / "exercises"
SANITIZE = NOTEBOOKS / "sanitize.cfg"
DOCS = PROJECT_ROOT / "docs"
FRONTEND = PROJECT_ROOT / "frontend"
BUILD = PROJECT_ROOT / "build"


def lesson_paths() -> list[Path]:
    """Every lesson, in course order (``notebooks/NN-topic.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def exercise_paths() -> list[Path]:
    """Every exercise, in order (``notebooks/exercises/*.ipynb``)."""
    return sorted(EXERCISES.glob("*.ipynb"))


def lesson_file(relative: str) -> Path:
    """The file ``relative`` of this checkout's ``notebooks/`` folder, e.g. ``"scripts/layer_sender.py"``.

    A lesson's kernel may start in any folder (JupyterLab, nbval, a docs
    build): this finds the lesson's support files wherever that is.
    """
    path = NOTEBOOKS / relative
    if not path.exists():
        raise WorkbenchError(
            f"there is no {relative!r} in {NOTEBOOKS}. The lessons' support files live in a clone "
            "of the repository: run the lessons from one, installed with `pip install -e '.[lab]'`."
        )
    return path
