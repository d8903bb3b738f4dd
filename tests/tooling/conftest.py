"""Shared helpers for the tooling's tests."""

import subprocess
import sys


def workbench(*args, **kwargs):
    """Run the ``workbench`` command (``python -m workbench``) in a child process."""
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, **kwargs)
