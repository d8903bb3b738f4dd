"""Grading a room: notebooks per minute, `workbench grade` with 1 and 2 jobs beside nbgrader's `autograde`.

    python benchmarks/grading.py [--rounds N] [--learners N] [--quick]

A synthetic room is made from the exercises: every learner hands in every
exercise, as a full solution, the untouched student version or a partial
answer (the first half of its solution regions written), in rotation; the
default 17 learners hand in 102 notebooks. Each round grades those same
submissions with three whole commands, in a rotating order:
``workbench grade --jobs 1``, ``workbench grade --jobs 2``, and nbgrader's
``autograde`` (its defaults, ``--force`` to grade again) in a course folder
prepared once with its ``generate_assignment``. Figures: notebooks per minute
(the command's wall time, start-up included) and the ratios per round.
"""

from __future__ import annotations

import copy
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from common import Table, machine_note, parser, progress_bar, ratios, run_rounds

from workbench.environment import CHANNEL_LAYER_ENV, DATABASE_ENV
from workbench.paths import exercise_paths
from workbench.tooling.grade import load_exercise
from workbench.tooling.student import student_version

ASSIGNMENT = "exercises"
KINDS = ("solved", "untouched", "partial")
_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*$")


def submission(path: Path, kind: str):  # -> NotebookNode
    """What a learner hands in: the student version with all, none or the first half of its answers written."""
    import nbformat

    solved = nbformat.read(path, as_version=4)
    handed_out = student_version(solved)
    answers = load_exercise(path).answers
    regions = sum(line.strip() == "### BEGIN SOLUTION" for a in answers for line in solved.cells[a.cell].source.splitlines())
    written = {"solved": regions, "untouched": 0, "partial": (regions + 1) // 2}[kind]
    by_id = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in handed_out.cells if "nbgrader" in cell.metadata}
    region = 0
    for answer in answers:
        lines: list[str] = []
        inside = keep = False
        for line in solved.cells[answer.cell].source.splitlines():
            marker = _SOLUTION_MARKER.match(line)
            if marker and marker[1] == "BEGIN":
                inside, keep, region = True, region < written, region + 1
                if not keep:  # the stub, as handed out
                    indent = line[: len(line) - len(line.lstrip())]
                    lines += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
            elif marker:
                inside = False
            elif not inside or keep:
                lines.append(line)
        by_id[answer.grade_id].source = "\n".join(lines)
    return copy.deepcopy(handed_out)


def make_room(folder: Path, exercises: list[Path], learners: int) -> dict[str, str]:
    """SUBMISSIONS/<learner>/<exercise>.ipynb and nbgrader's course folder; the kind each notebook is."""
    import nbformat

    kinds = {}
    course = folder / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for path in exercises:
        shutil.copy(path, source / path.name)
    made = {(path, kind): submission(path, kind) for path in exercises for kind in KINDS}
    for number in range(learners):
        learner = f"learner{number:03d}"
        for index, path in enumerate(exercises):
            kind = KINDS[(number + index) % len(KINDS)]
            for target in (folder / "submissions" / learner, course / "submitted" / learner / ASSIGNMENT):
                target.mkdir(parents=True, exist_ok=True)
                nbformat.write(made[(path, kind)], target / path.name)
            kinds[f"{learner}/{path.stem}"] = kind
    return kinds


def environment(folder: Path) -> dict[str, str]:
    """Both graders alike: a temporary database per kernel, nbgrader's own defaults."""
    env = {name: value for name, value in os.environ.items() if name not in (DATABASE_ENV, CHANNEL_LAYER_ENV)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs `alembic`
    env["JUPYTER_CONFIG_DIR"] = str(folder / "no-user-config")
    return env


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return elapsed


def workbench_grade(folder: Path, env: dict[str, str], kinds: dict[str, str], jobs: int) -> float:
    out = folder / f"out-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "workbench", "grade", str(folder / "submissions"), "-o", str(out), "--jobs", str(jobs)]
    elapsed = run(command, cwd=folder, env=env)
    with (out / "gradebook.csv").open() as file:  # it really graded: all, none, some
        for row in csv.DictReader(file):
            kind, passed, total = kinds[f"{row['learner']}/{row['exercise']}"], int(row["passed"]), int(row["total"])
            assert row["status"] == "graded", row
            assert {"solved": passed == total, "untouched": passed == 0, "partial": 0 <= passed < total}[kind], row
    return len(kinds) / (elapsed / 60)


def nbgrader_autograde(folder: Path, env: dict[str, str], kinds: dict[str, str]) -> float:
    course = folder / "course"
    elapsed = run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"], cwd=course, env=env)
    graded = list((course / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))
    assert len(graded) == len(kinds), f"nbgrader autograded {len(graded)} of {len(kinds)} notebooks"
    return len(kinds) / (elapsed / 60)


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument(
        "--learners", type=int, default=None, help="learners in the room (default: 17, each hands in every exercise)"
    )
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    exercises = [p for p in exercise_paths() if p.name[:2] in ("00", "02")] if args.quick else exercise_paths()
    learners = args.learners or (2 if args.quick else 17)
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        folder = Path(tmp)
        kinds = make_room(folder, exercises, learners)
        env = environment(folder)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT], cwd=folder / "course", env=env)
        names = {
            "workbench grade --jobs 1": partial(workbench_grade, folder, env, kinds, 1),
            "workbench grade --jobs 2": partial(workbench_grade, folder, env, kinds, 2),
            "nbgrader autograde": partial(nbgrader_autograde, folder, env, kinds),
        }
        with progress_bar(rounds * len(names), f"grading {len(kinds)} notebooks") as bar:
            samples = run_rounds(names, rounds, bar)

    one, two, theirs = (samples[name] for name in names)
    table = Table(
        f"Grading a room: {len(kinds)} notebooks ({learners} learners × {len(exercises)} exercises)",
        f"{machine_note()}; {rounds} rounds; whole commands, start-up included; "
        f"{', '.join(KINDS)} in rotation",
    )
    for name, values in samples.items():
        table.add(name, values, "notebooks/min")
    table.add_ratio("--jobs 2 / --jobs 1", ratios(two, one))
    table.add_ratio("--jobs 1 / nbgrader", ratios(one, theirs))
    table.add_ratio("--jobs 2 / nbgrader", ratios(two, theirs))
    table.print()


if __name__ == "__main__":
    main()
