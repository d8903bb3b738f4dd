"""Running notebooks with nbclient: ``workbench execute``, student versions, the re-run test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# The kernel's own log (ipykernel 7 warns on every start that its local TCP
# channels are unencrypted) is not the notebook's output: keep it off the
# terminal. Cell errors still arrive as error outputs.
_QUIET_KERNEL = {"stderr": subprocess.DEVNULL}

# Stored in every executed notebook: without it JupyterLab asks the learner
# to pick a kernel ("Select Kernel") before the first cell can run.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def execute_notebook(path: Path, *, write: bool = False, timeout: int = 120) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel (cwd = its folder); optionally store it."""
    notebook = execute(nbformat.read(path, as_version=4), cwd=path.parent, timeout=timeout)
    if write:
        nbformat.write(notebook, path)
    return notebook


def execute(notebook: nbformat.NotebookNode, *, cwd: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Run ``notebook`` (in place) top to bottom in a fresh kernel started in ``cwd``.

    A cell error stops the run with nbclient's ``CellExecutionError``.
    """
    _client(notebook, cwd, timeout).execute(**_QUIET_KERNEL)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    return notebook


def _client(notebook: nbformat.NotebookNode, cwd: Path, timeout: int) -> NotebookClient:
    return NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
    )


def execute_twice(path: Path, *, timeout: int = 120) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """Run every cell of ``path`` twice in *one* kernel; return both executed copies.

    A lesson must be re-runnable: a learner re-runs cells, and an instructor
    runs the whole notebook again, without restarting the kernel.
    """
    first = nbformat.read(path, as_version=4)
    second = nbformat.read(path, as_version=4)
    client = _client(first, path.parent, timeout)
    with client.setup_kernel(**_QUIET_KERNEL):
        for notebook in (first, second):
            client.nb = notebook
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
    return first, second
