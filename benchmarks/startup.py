"""What a learner waits for: ``setup()`` after imports, and each lesson under nbval.

    python benchmarks/startup.py [--repeat N] [--lesson-repeat N]

Each figure is measured in fresh processes, repeated, and shown as the median
with the min-max range. ``setup()`` is timed after ``import workbench`` (which
imports no Django models), twice per machine state: "first kernel" runs the
real migrations in an empty temporary folder; "later kernels" copy the
migrated template the first one left. A lesson's time is nbval's own run time
for that notebook (kernel start-up included), in a fresh pytest process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP_SNIPPET = """
import time, workbench
start = time.perf_counter()
workbench.setup()
print(time.perf_counter() - start)
"""


def time_setup(tmpdir: str) -> float:
    env = {"TMPDIR": tmpdir, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", SETUP_SNIPPET], capture_output=True, text=True, env=env, check=True
    ).stdout
    return float(out.strip())


def time_lesson(lesson: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run(
            [
                sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                f"--nbval-sanitize-with={ROOT / 'notebooks' / 'sanitize.cfg'}",
                f"--junitxml={report}", str(lesson),
            ],
            cwd=ROOT, capture_output=True, check=True,
        )
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        return float(suite.get("time"))


def summary(values: list[float], unit: float = 1.0) -> str:
    scaled = [v * unit for v in values]
    return f"{statistics.median(scaled):8.3f}   {min(scaled):7.3f} – {max(scaled):7.3f}"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="setup() runs per row (default 7)")
    parser.add_argument("--lesson-repeat", type=int, default=3, help="nbval runs per lesson (default 3)")
    args = parser.parse_args()

    cold, warm = [], []
    for i in range(args.repeat):
        progress(f"setup() run {i + 1}/{args.repeat}")
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(time_setup(tmp))  # empty folder: real migrations
            warm.append(time_setup(tmp))  # template from the run before

    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    lesson_times = {}
    for lesson in lessons:
        lesson_times[lesson.stem] = []
        for i in range(args.lesson_repeat):
            progress(f"{lesson.stem} under nbval, run {i + 1}/{args.lesson_repeat}")
            lesson_times[lesson.stem].append(time_lesson(lesson))

    print(f"\nPython {sys.version.split()[0]}; {args.repeat} setup() runs, {args.lesson_repeat} runs per lesson\n")
    print(f"{'what':40} {'median':>8}   {'min – max':>17}")
    print(f"{'setup(), first kernel (migrates) [ms]':40} {summary(cold, 1000)}")
    print(f"{'setup(), later kernels (copy) [ms]':40} {summary(warm, 1000)}")
    print(f"{'  ratio first / later':40} {statistics.median(cold) / statistics.median(warm):8.2f}")
    for name, values in lesson_times.items():
        print(f"{name + ' under nbval [s]':40} {summary(values)}")


if __name__ == "__main__":
    main()
