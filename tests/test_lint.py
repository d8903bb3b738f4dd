"""Lint and types, as the next engineer runs them: ruff and mypy with pyproject.toml's settings."""

import subprocess
import sys

from workbench.paths import PROJECT_ROOT


def run(*command):
    return subprocess.run([sys.executable, "-m", *command], cwd=PROJECT_ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_runtime_the_tooling_and_the_sample_project():
    result = run("mypy", "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
