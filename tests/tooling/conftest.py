"""Shared helpers for the tooling's tests."""

import os
import shutil
import subprocess
import sys
from pathlib import Path


def workbench(*args, **kwargs):
    """Run the ``workbench`` command (``python -m workbench``) in a child process."""
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, **kwargs)


def nbgrader_course(folder, assignment, notebooks):
    """nbgrader's course layout in ``folder``: source/<assignment>/<notebook> for each of ``notebooks``."""
    source = folder / "source" / assignment
    source.mkdir(parents=True)
    for path in notebooks:
        shutil.copy(path, source / path.name)
    return folder


def nbgrader(course, *args):
    """Run nbgrader itself in ``course`` with its default settings (no user or machine config)."""
    env = {
        **os.environ,
        # nbgrader runs the `alembic` command for its gradebook: the one installed beside this Python.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(course / ".no-user-config"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result
