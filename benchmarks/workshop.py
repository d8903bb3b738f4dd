"""What an instructor and a docs maintainer wait for: exercises, student versions, the site.

    python benchmarks/workshop.py [--rounds N] [--quick]

Measured side by side in rounds, each figure shown as the median with the
min-max range:

* each exercise under nbval (nbval's own time, kernel start-up included);
* running its student version in a fresh kernel (what ``workbench check``
  and the tests do to prove every check says "not yet");
* building the docs site from the stored outputs (the default) and with
  ``--execute`` (every lesson run afresh first), and their ratio per round.
"""

from __future__ import annotations

import tempfile
import time
from functools import partial
from pathlib import Path

from common import Table, machine_note, parser, progress_bar, ratios, run_rounds
from startup import verify_alone

from workbench.paths import exercise_paths, lesson_paths
from workbench.tooling.docs import build_docs
from workbench.tooling.exercises import run_stubs


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


STORED, EXECUTED = "docs from stored outputs", "docs with --execute"


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    exercises = exercise_paths()[:1] if args.quick else exercise_paths()
    variants = {}
    for exercise in exercises:
        variants[f"exercises/{exercise.stem} under nbval (wall time)"] = verify_alone(exercise)
        variants[f"student version of {exercise.stem}, run"] = partial(time_student_version, exercise)
    variants[STORED] = partial(time_docs, False)
    variants[EXECUTED] = partial(time_docs, True)
    with progress_bar(rounds * len(variants), "exercises, student versions, docs") as bar:
        samples = run_rounds(variants, rounds, bar)

    table = Table(
        "Exercises, student versions and the docs build",
        f"{machine_note()}; {rounds} rounds; {len(lesson_paths())} lessons in the site",
    )
    for name, values in samples.items():
        table.add(name, values, "s")
    table.add_ratio("docs: --execute / stored", ratios(samples[EXECUTED], samples[STORED]))
    table.print()


if __name__ == "__main__":
    main()
