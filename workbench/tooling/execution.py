"""Running notebooks with nbclient: ``workbench execute``, student versions, the re-run test."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..paths import exercise_paths, lesson_paths
from . import extras
from .checkout import notebook_arguments, require_checkout, shown

if TYPE_CHECKING:
    from nbclient import NotebookClient
    from nbformat import NotebookNode

# The kernel's own log (ipykernel 7 warns on every start that its local TCP
# channels are unencrypted) is not the notebook's output: keep it off the
# terminal. Cell errors still arrive as error outputs.
_QUIET_KERNEL = {"stderr": subprocess.DEVNULL}

# Stored in every executed notebook: without it JupyterLab asks the learner
# to pick a kernel ("Select Kernel") before the first cell can run.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def execute_notebook(path: Path, *, write: bool = False, timeout: int = 120) -> NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel (cwd = its folder); optionally store it."""
    import nbformat

    notebook = execute(nbformat.read(path, as_version=4), cwd=path.parent, timeout=timeout)
    if write:
        nbformat.write(notebook, path)
    return notebook


def execute(notebook: NotebookNode, *, cwd: Path, timeout: int = 120) -> NotebookNode:
    """Run ``notebook`` (in place) top to bottom in a fresh kernel started in ``cwd``.

    A cell error stops the run with nbclient's ``CellExecutionError``.
    """
    _client(notebook, cwd, timeout).execute(**_QUIET_KERNEL)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    return notebook


def _client(notebook: NotebookNode, cwd: Path, timeout: int) -> NotebookClient:
    from nbclient import NotebookClient

    return NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
    )


def execute_twice(path: Path, *, timeout: int = 120) -> tuple[NotebookNode, NotebookNode]:
    """Run every cell of ``path`` twice in *one* kernel; return both executed copies.

    A lesson must be re-runnable: a learner re-runs cells, and an instructor
    runs the whole notebook again, without restarting the kernel.
    """
    import nbformat

    first = nbformat.read(path, as_version=4)
    second = nbformat.read(path, as_version=4)
    client = _client(first, path.parent, timeout)
    with client.setup_kernel(**_QUIET_KERNEL):
        for notebook in (first, second):
            client.nb = notebook
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
    return first, second


def run_execute_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Re-execute lessons and exercises in place so their stored outputs come from a real run."""
    require_checkout()
    extras.require("lab", command="execute", needs=["ipykernel", "jupyter_client", "nbclient", "nbformat"])
    for path in notebook_arguments(args.notebooks, lesson_paths() + exercise_paths()):
        if args.mark_nbgrader:
            import nbformat

            from .student import is_exercise, mark_for_nbgrader

            if is_exercise(path):
                nbformat.write(mark_for_nbgrader(nbformat.read(path, as_version=4)), path)
                print(f"workbench: nbgrader metadata set in {shown(path)}", flush=True)
        print(f"workbench: executing {shown(path)}", flush=True)
        execute_notebook(path, write=True)
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:
    execute_parser = commands.add_parser(
        "execute",
        help="re-execute lessons and exercises in place, refreshing their stored outputs",
        description="Run each notebook top to bottom in a fresh kernel and store the outputs. "
        "Never edit outputs by hand: change the cells and run this.",
    )
    execute_parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: every lesson and exercise)")
    execute_parser.add_argument(
        "--mark-nbgrader", action="store_true",
        help="first set each exercise's nbgrader cell metadata from its markers (solution cells, "
        "autograder tests worth a point per check, read-only cells), as nbgrader's sidebar would",
    )
    execute_parser.set_defaults(handler=run_execute_command)
