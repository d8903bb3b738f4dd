"""What a learner and an instructor wait for: imports, setup(), the tools' start, each lesson alone.

    python benchmarks/startup.py [--rounds 7] [--lesson-rounds 3] [--quick]

Each figure is measured in fresh processes, repeated, and shown as the median
with the min-max range; variants that are compared are measured side by side
in the same rounds.

* ``import workbench`` and ``setup()``: ``setup()`` is timed after the import
  (which imports no Django models), in two machine states: "first kernel"
  runs the real migrations in an empty temporary folder; "later kernels" copy
  the migrated template the first one left.
* The tools' start: pytest on a one-test file with pytest's defaults (every
  installed plugin autoloaded) against this project's configuration
  (``workbench/tooling/fast_start.py``, hypothesis' plugin off); and
  JupyterLab from launch until its API answers, plain against ``workbench
  lab``'s launch.
* Each lesson checked alone as an instructor would (``workbench verify
  NOTEBOOK``: its own pytest process, strict nbval, kernel start included),
  wall time, against the same command on a one-cell notebook in the same round
  (the floor): the lesson's own cost is the difference.
* The whole lesson suite in one command, as an instructor checks a course
  before a workshop: ``workbench verify`` on every lesson, one after another
  (``-n 0``: one pytest process, each lesson in a fresh kernel), and with the
  command's default workers (one per core, at most four).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from common import ROOT, Table, machine_note, parser, progress_bar, ratios, run_rounds

from workbench.paths import lesson_paths
from workbench.services import free_port
from workbench.tooling.fast_start import JUPYTERLAB_MAIN
from workbench.tooling.testing import nbval_command

SETUP_SNIPPET = """
import json, time
start = time.perf_counter()
import workbench
imported = time.perf_counter()
workbench.setup()
print(json.dumps({"import": imported - start, "setup": time.perf_counter() - imported}))
"""

ONE_TEST = "def test_one():\n    assert 1 + 1 == 2\n"
ONE_CELL = {
    "cells": [{"cell_type": "code", "execution_count": 1, "id": "floor", "metadata": {}, "outputs": [
        {"name": "stdout", "output_type": "stream", "text": ["2\n"]}], "source": ["print(1 + 1)"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def time_setup(tmpdir: str) -> dict[str, float]:
    env = {"TMPDIR": tmpdir, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", SETUP_SNIPPET], capture_output=True, text=True, env=env, check=True, cwd=tmpdir
    ).stdout
    return json.loads(out)


def timed(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if finished.returncode != 0:  # a figure for a failing run would mean nothing: say what failed
        output = finished.stdout[-4000:] + finished.stderr[-2000:]
        raise RuntimeError(f"{command[:4]}… exited with {finished.returncode}:\n{output}")
    return time.perf_counter() - started


def pytest_start(folder: Path, *, project_configuration: bool) -> Callable[[], float]:
    """Wall time of pytest on a one-test file: pytest's defaults, or this project's configuration."""
    test = folder / "test_one.py"
    test.write_text(ONE_TEST)
    config = ["-c", str(ROOT / "pyproject.toml"), f"--rootdir={ROOT}"] if project_configuration else [
        "-c", str(folder / "empty.ini"), f"--rootdir={folder}"]
    (folder / "empty.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return lambda: timed([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", *config, str(test)], env=env)


def lab_start(folder: Path, *, fast: bool) -> Callable[[], float]:
    """Wall time from launching JupyterLab until its API answers (then it is stopped)."""
    def measure() -> float:
        port = free_port()
        launcher = ["-c", JUPYTERLAB_MAIN] if fast else ["-m", "jupyterlab"]
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTER_RUNTIME_DIR": str(folder / "run")}
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *launcher, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             "--IdentityProvider.token=t", "--ServerApp.port_retries=0", "--allow-root", f"--ServerApp.root_dir={folder}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=1):
                        return time.perf_counter() - started
                except OSError:
                    if process.poll() is not None:
                        raise RuntimeError("JupyterLab exited before it answered") from None
                    time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(30)

    return measure


def verify_alone(notebook: Path) -> Callable[[], float]:
    """Wall time of `workbench verify NOTEBOOK`'s nbval run for one notebook."""
    return lambda: timed(nbval_command([notebook], ["-q"]), cwd=ROOT)


def verify_suite(lessons: list[Path], workers: list[str]) -> Callable[[], float]:
    """Wall time of `workbench verify` on every lesson in one pytest run with ``workers``."""
    return lambda: timed(nbval_command(lessons, ["-q", *workers]), cwd=ROOT)


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--lesson-rounds", type=int, default=None, help="runs per lesson (default 3)")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    lesson_rounds = args.lesson_rounds or (1 if args.quick else 3)
    lessons = lesson_paths()[:1] if args.quick else lesson_paths()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor = folder / "one-cell.ipynb"
        floor.write_text(json.dumps(ONE_CELL))
        tools = {
            "pytest, one test: pytest's defaults (all plugins)": pytest_start(folder, project_configuration=False),
            "pytest, one test: this project's configuration": pytest_start(folder, project_configuration=True),
            "JupyterLab until its API answers: python -m jupyterlab": lab_start(folder, fast=False),
            "JupyterLab until its API answers: workbench lab's launch": lab_start(folder, fast=True),
        }
        per_lesson = {"one-cell notebook (the floor)": verify_alone(floor)}
        per_lesson.update({lesson.stem: verify_alone(lesson) for lesson in lessons})
        suites = {
            "all lessons in one run, one after another (-n 0)": verify_suite(lessons, ["-n", "0"]),
            "all lessons in one run, the default workers": verify_suite(lessons, []),
        }
        imports, cold, warm = [], [], []
        total = rounds + rounds * len(tools) + lesson_rounds * (len(per_lesson) + len(suites))
        with progress_bar(total, "start-up, tools, lessons") as bar:
            for _ in range(rounds):
                with tempfile.TemporaryDirectory() as setup_tmp:
                    first = time_setup(setup_tmp)  # empty folder: real migrations
                    later = time_setup(setup_tmp)  # template from the run before
                imports.append(later["import"])
                cold.append(first["setup"])
                warm.append(later["setup"])
                bar.update(1)
            tool_times = run_rounds(tools, rounds, bar)
            lesson_times = run_rounds(per_lesson, lesson_rounds, bar)
            suite_times = run_rounds(suites, lesson_rounds, bar)

    table = Table("Start-up: import and setup()", f"{machine_note()}; {rounds} runs, each in a fresh process")
    table.add("import workbench", imports, "ms", 1000)
    table.add("setup(), first kernel on a machine (migrates)", cold, "ms", 1000)
    table.add("setup(), later kernels (copy the migrated file)", warm, "ms", 1000)
    table.add_ratio("first / later", ratios(cold, warm))
    table.print()

    names = list(tools)
    table = Table("The tools' start", f"{rounds} rounds, the variants side by side")
    for name in names:
        table.add(name, tool_times[name], "s")
    table.add_ratio("pytest: defaults / this project", ratios(tool_times[names[0]], tool_times[names[1]]))
    table.add_ratio("JupyterLab: plain / workbench lab", ratios(tool_times[names[2]], tool_times[names[3]]))
    table.print()

    floor_times = lesson_times.pop("one-cell notebook (the floor)")
    table = Table(
        "Each lesson checked alone (`workbench verify NOTEBOOK`, wall time)",
        f"{lesson_rounds} rounds; 'over the floor' is the lesson minus a one-cell notebook in the same round",
    )
    table.add("one-cell notebook (the floor)", floor_times, "s")
    for name, values in lesson_times.items():
        table.add(f"{name}: over the floor", [v - f for v, f in zip(values, floor_times, strict=True)], "s")
    table.add("all lessons, each in its own pytest process (sum of medians)",
              [sum(statistics.median(v) for v in lesson_times.values())], "s")
    table.print()

    table = Table("The lesson suite in one run (`workbench verify` on every lesson, wall time)",
                  f"{lesson_rounds} rounds; {len(lessons)} lessons; each lesson in a fresh kernel")
    for name, values in suite_times.items():
        table.add(name, values, "s")
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
