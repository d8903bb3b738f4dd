"""Which optional extra a command needs, and the one sentence that says how to get it."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import WorkbenchError
from ..paths import PROJECT_ROOT

# The packages each extra of pyproject.toml brings that the commands import.
EXTRAS: dict[str, tuple[str, ...]] = {
    "lab": ("jupyterlab", "ipykernel", "jupyter_client", "nbclient", "nbformat"),
    "docs": ("sphinx", "myst_nb", "nbclient", "nbformat"),
    "test": ("pytest", "pytest_django", "nbval", "xdist", "nbclient", "nbformat"),
    "bench": ("tqdm", "psutil"),
}


class MissingExtra(WorkbenchError):
    """A command needs packages of an extra that this environment does not have."""


def install_command(extra: str) -> str:
    """``.venv/bin/python -m pip install -e '.[lab]'``, written for this environment's Python."""
    python = Path(sys.executable)
    try:
        shown = python.relative_to(PROJECT_ROOT)
    except ValueError:
        shown = python
    return f"{shown} -m pip install -e '.[{extra}]'"


def missing(extra: str, needs: Sequence[str] | None = None) -> list[str]:
    """The packages of ``extra`` (or just those in ``needs``) that cannot be imported here."""
    return [name for name in (EXTRAS[extra] if needs is None else needs) if importlib.util.find_spec(name) is None]


def require(extra: str, *, command: str, needs: Sequence[str] | None = None) -> None:
    """Raise ``MissingExtra`` naming the absent packages and the install command.

    ``needs`` narrows the check to the packages of ``extra`` that ``command`` imports.
    """
    absent = missing(extra, needs)
    if absent:
        raise MissingExtra(
            f"`workbench {command}` needs {', '.join(absent)}, from the {extra!r} extra, which this "
            f"environment does not have. Install it from the repository folder: {install_command(extra)}"
        )
