"""What an instructor and a docs maintainer wait for: exercises, student versions, the site.

    python benchmarks/workshop.py [--repeat N]

Measured side by side in one run, each figure repeated and shown as the
median with the min-max range:

* each exercise under nbval (nbval's own time, kernel start-up included);
* running its student version in a fresh kernel (what ``workbench check``
  and the tests do to prove every check says "not yet");
* building the docs site from the stored outputs (the default) and with
  ``--execute`` (every lesson run afresh first), interleaved, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from startup import ROOT, progress, summary, time_lesson

sys.path.insert(0, str(ROOT))

from workbench.cli import exercise_paths, lesson_paths  # noqa: E402
from workbench.docs import build_docs  # noqa: E402
from workbench.exercises import run_stubs  # noqa: E402


def time_student_version(exercise: Path) -> float:
    start = time.perf_counter()
    _, crashed = run_stubs(exercise)
    assert not crashed, crashed
    return time.perf_counter() - start


def time_docs(execute: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build_docs(lesson_paths(), output=Path(tmp), execute=execute)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()

    nbval_times: dict[str, list[float]] = {e.stem: [] for e in exercise_paths()}
    student_times: dict[str, list[float]] = {e.stem: [] for e in exercise_paths()}
    for exercise in exercise_paths():
        for i in range(args.repeat):
            progress(f"exercise {exercise.stem}, run {i + 1}/{args.repeat}")
            nbval_times[exercise.stem].append(time_lesson(exercise))
            student_times[exercise.stem].append(time_student_version(exercise))
    stored, executed = [], []
    for i in range(args.repeat):
        progress(f"docs build, run {i + 1}/{args.repeat}")
        stored.append(time_docs(execute=False))
        executed.append(time_docs(execute=True))

    print(f"\nPython {sys.version.split()[0]}; {args.repeat} runs per figure, {len(lesson_paths())} lessons\n")
    print(f"{'what':50} {'median':>8}   {'min – max':>17}")
    for stem, values in nbval_times.items():
        print(f"{'exercises/' + stem + ' under nbval [s]':50} {summary(values)}")
    for stem, values in student_times.items():
        print(f"{'student version of ' + stem + ', run [s]':50} {summary(values)}")
    print(f"{'docs from stored outputs [s]':50} {summary(stored)}")
    print(f"{'docs with --execute [s]':50} {summary(executed)}")
    print(f"{'  ratio --execute / stored':50} {statistics.median(executed) / statistics.median(stored):8.2f}")


if __name__ == "__main__":
    main()
