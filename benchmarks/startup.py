"""What a learner waits for: ``import workbench``, ``setup()``, and each lesson under nbval.

    python benchmarks/startup.py [--rounds 7] [--lesson-rounds 3] [--quick]

Each figure is measured in fresh processes, repeated, and shown as the median
with the min-max range. ``setup()`` is timed after ``import workbench`` (which
imports no Django models), in two machine states: "first kernel" runs the
real migrations in an empty temporary folder; "later kernels" copy the
migrated template the first one left. A lesson's time is nbval's own run time
for that notebook (kernel start-up included), in a fresh pytest process.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from common import ROOT, Table, machine_note, parser, progress_bar, ratios

from workbench.paths import lesson_paths
from workbench.tooling.testing import nbval_command

SETUP_SNIPPET = """
import json, time
start = time.perf_counter()
import workbench
imported = time.perf_counter()
workbench.setup()
print(json.dumps({"import": imported - start, "setup": time.perf_counter() - imported}))
"""


def time_setup(tmpdir: str) -> dict[str, float]:
    env = {"TMPDIR": tmpdir, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", SETUP_SNIPPET], capture_output=True, text=True, env=env, check=True, cwd=tmpdir
    ).stdout
    return json.loads(out)


def time_lesson(lesson: Path) -> float:
    """nbval's own time for ``lesson``, run as ``workbench check`` runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run(
            nbval_command([lesson], ["-q", f"--junitxml={report}"]), cwd=ROOT, capture_output=True, check=True
        )
        suite = ET.parse(report).getroot()  # noqa: S314 - our own pytest run's report
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        return float(suite.get("time"))


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--lesson-rounds", type=int, default=None, help="nbval runs per lesson (default 3)")
    args = options.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    lesson_rounds = args.lesson_rounds or (1 if args.quick else 3)
    lessons = lesson_paths()
    if args.quick:
        lessons = lessons[:1]

    imports, cold, warm = [], [], []
    lesson_times: dict[str, list[float]] = {lesson.stem: [] for lesson in lessons}
    with progress_bar(rounds + len(lessons) * lesson_rounds, "start-up and lessons") as bar:
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                first = time_setup(tmp)  # empty folder: real migrations
                later = time_setup(tmp)  # template from the run before
            imports.append(later["import"])
            cold.append(first["setup"])
            warm.append(later["setup"])
            bar.update(1)
        for _ in range(lesson_rounds):
            for lesson in lessons:
                bar.set_postfix_str(lesson.stem, refresh=False)
                lesson_times[lesson.stem].append(time_lesson(lesson))
                bar.update(1)

    table = Table("Start-up: import and setup()", f"{machine_note()}; {rounds} runs, each in a fresh process")
    table.add("import workbench", imports, "ms", 1000)
    table.add("setup(), first kernel on a machine (migrates)", cold, "ms", 1000)
    table.add("setup(), later kernels (copy the migrated file)", warm, "ms", 1000)
    table.add_ratio("first / later", ratios(cold, warm))
    table.print()

    table = Table("Each lesson under strict nbval (kernel start included)", f"{lesson_rounds} runs per lesson")
    for name, values in lesson_times.items():
        table.add(name, values, "s")
    table.add("all lessons, one after another (sum of medians)", [sum(statistics.median(v) for v in lesson_times.values())], "s")
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
