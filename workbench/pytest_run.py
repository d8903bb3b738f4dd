"""``run_pytest()``: run pytest on some test files in a child process, from a notebook cell.

Lessons about testing run real pytest sessions, and a kernel already has
Django set up (once per process), so each run is a child process with a clean
environment: none of the kernel's Django, no pytest options inherited from
the environment, plugin autoloading off (only the plugins asked for are
loaded, so it starts in a second, not several). The report keeps pytest's
result lines and drops progress bars and timings, so a lesson's output is the
same on every run. If pytest cannot run at all, the error says why (its own
stderr) and what to install, rather than an empty report.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkbenchError

# pytest's exit codes when it ran: 0 all passed, 1 some failed, 5 none collected.
RAN = (0, 1, 5)
_PROGRESS_OR_RULE = re.compile(r"^([.FEsxX]+ +\[ *\d+%\]|=+ .* =+)$")
_TIMING = re.compile(r" in \d+(\.\d+)?s$")
_RESULT = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+?)(?: - (.*))?$")


@dataclass(frozen=True)
class PytestRun:
    """A finished pytest run: its exit code and its report (one line per test, no timings)."""

    returncode: int
    report: str

    def outcomes(self) -> dict[str, str]:
        """``{test id: "PASSED" / "FAILED" / ...}`` from the report's short summary (``-rA``)."""
        found = {}
        for line in self.report.splitlines():
            match = _RESULT.match(line)
            if match:
                found[match[2]] = match[1]
        return found

    def __str__(self) -> str:
        return self.report


def _child_environment(pythonpath: Sequence[str | Path]) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # Nothing of this kernel's Django, and no pytest options from the environment.
        # CI and BUILD_NUMBER make pytest print longer failure lines (on a CI machine).
        if name not in ("DJANGO_SETTINGS_MODULE", "CI", "BUILD_NUMBER")
        and not name.startswith(("WORKBENCH_", "PYTEST_"))
    }
    env.update(COLUMNS="1000", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # wide lines; only the plugins named
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    return env


async def run_pytest(
    *arguments: str,
    cwd: str | Path,
    plugins: Sequence[str] = ("pytest_asyncio.plugin",),
    pythonpath: Sequence[str | Path] = (),
    timeout: float = 300,
) -> PytestRun:
    """Run ``python -m pytest ARGUMENTS`` in ``cwd`` in a child process and return its report.

    ``plugins`` are loaded with ``-p`` (autoloading is off); the report is
    ``-q -rA --tb=no``: one ``PASSED``/``FAILED`` line per test. Awaiting it
    leaves the kernel's event loop free while pytest runs, so several runs can
    go side by side (``asyncio.gather``). Raises ``WorkbenchError`` with
    pytest's own error output when pytest could not run the tests at all.
    """
    plugin_options = [part for plugin in plugins for part in ("-p", plugin)]
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", *plugin_options, "-p", "no:cacheprovider",
        "-q", "--no-header", "--color=no", "--tb=no", "-rA", *arguments,
        cwd=str(cwd), env=_child_environment(pythonpath),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=timeout)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise WorkbenchError(
            f"pytest {' '.join(arguments)} did not finish in {timeout:g} s (a test waits for something that "
            "never comes?); it was stopped. Run it from a terminal to see where it waits."
        ) from None
    output, errors = stdout.decode(errors="replace"), stderr.decode(errors="replace").strip()
    if child.returncode not in RAN:
        if "No module named pytest" in errors:
            raise WorkbenchError(
                f"pytest is not installed in this kernel's environment ({sys.executable}). The lab extra "
                "brings it: from the repository folder run `.venv/bin/python -m pip install -e '.[lab]'`, "
                "then restart the kernel."
            )
        raise WorkbenchError(
            f"pytest could not run {' '.join(arguments)} (exit status {child.returncode}). It said:\n"
            + (errors or output).strip()[-3000:]
        )
    report = [
        _TIMING.sub("", line.rstrip())
        for line in output.splitlines()
        if not _PROGRESS_OR_RULE.match(line)
    ]
    return PytestRun(child.returncode or 0, "\n".join(report))
