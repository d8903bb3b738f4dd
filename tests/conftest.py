"""Shared fixtures for the workbench's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_python(tmp_path: Path):
    """Run a Python snippet in a fresh interpreter and return its stdout.

    ``setup()`` configures Django once per process, so behaviour across calls
    is tested in processes of its own, started with a clean environment (no
    settings module, no backend URLs) and a private temporary directory.
    """

    def run(code: str, *, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        clean = {
            k: v
            for k, v in os.environ.items()
            if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("WORKBENCH_")
        }
        clean["TMPDIR"] = str(tmp_path)
        clean.update(env or {})
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            env=clean,
            cwd=tmp_path,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"snippet failed:\n{result.stdout}\n{result.stderr}")
        return result

    return run


from tests.browser import chromium  # noqa: E402,F401 - the shared browser fixture
