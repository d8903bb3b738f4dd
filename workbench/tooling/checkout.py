"""The command line's view of a checkout: notebooks named on it, and paths shown short."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import WorkbenchError
from ..paths import NOTEBOOKS, PROJECT_ROOT


class UsageError(WorkbenchError):
    """The command line asks for something that cannot be done; exit status 2."""

    status = 2


def require_checkout() -> None:
    """Refuse, with the fix, to run a command that needs the repository's lessons outside a clone."""
    if not NOTEBOOKS.is_dir():
        raise WorkbenchError(
            f"no lessons at {NOTEBOOKS}. The commands lab, verify, student, docs, test, execute and "
            "grade work in a clone of the repository installed with `pip install -e .`."
        )


def notebook_arguments(given: Sequence[str], default: list[Path]) -> list[Path]:
    """The notebooks named on the command line (each must exist), or ``default``."""
    paths = [Path(name).resolve() for name in given]
    absent = [str(p) for p in paths if not p.is_file() or p.suffix != ".ipynb"]
    if absent:
        raise UsageError(f"not a notebook file: {', '.join(absent)}. Name .ipynb files, e.g. notebooks/00-getting-started.ipynb.")
    return paths or default


def shown(path: Path) -> str:
    """``path`` relative to the checkout when inside it, for messages."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
