"""Running notebooks with nbclient: for ``workbench execute`` and the re-run test."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute_notebook(path: Path, *, write: bool = False, timeout: int = 120) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel (cwd = its folder); optionally store it."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    if write:
        nbformat.write(notebook, path)
    return notebook


def execute_twice(path: Path, *, timeout: int = 120) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """Run every cell of ``path`` twice in *one* kernel; return both executed copies.

    A lesson must be re-runnable: a learner re-runs cells, and an instructor
    runs the whole notebook again, without restarting the kernel.
    """
    first = nbformat.read(path, as_version=4)
    second = nbformat.read(path, as_version=4)
    client = NotebookClient(
        first,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    with client.setup_kernel():
        for notebook in (first, second):
            client.nb = notebook
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
    return first, second
