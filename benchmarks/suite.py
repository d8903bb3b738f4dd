"""The whole test command: ``workbench test``, what CI and a contributor wait for.

    python benchmarks/suite.py [--rounds 3] [--quick]

Runs the real command (both passes: the whole suite on the embedded
defaults, then every lesson on PostgreSQL + Redis) in a fresh process each
round and reports its wall time, and the time pytest reports for each pass.
``--quick`` runs ``workbench test --defaults-only -k test_init`` instead: it
checks that this script works, nothing more.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Table, machine_note, parser, progress_bar

SUMMARY = re.compile(r"=+ .*?(\d+) passed.* in ([\d.]+)s")


def workbench_command() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    return [str(script)] if script.exists() else [sys.executable, "-m", "workbench"]


def one_run(extra: list[str]) -> tuple[float, list[float], str]:
    """Wall seconds, pytest's seconds per pass, and the output (to report a failure)."""
    started = time.perf_counter()
    result = subprocess.run([*workbench_command(), "test", *extra], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    output = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"workbench test failed (exit {result.returncode}); its output ends with:\n{output[-3000:]}")
    passes = [float(match.group(2)) for match in SUMMARY.finditer(output)]
    return wall, passes, output


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    extra = ["--defaults-only", "-k", "test_init"] if args.quick else []

    walls: list[float] = []
    passes: list[list[float]] = []
    with progress_bar(rounds, "workbench test") as bar:
        for _ in range(rounds):
            wall, per_pass, _ = one_run(extra)
            walls.append(wall)
            passes.append(per_pass)
            bar.update(1)

    command = "workbench test" + (" " + " ".join(extra) if extra else "")
    table = Table(f"The whole test command: `{command}`", f"{machine_note()}; {rounds} runs")
    table.add("wall time, start to end (servers started and stopped included)", walls, "s")
    names = [
        "pass 1: whole suite, embedded defaults (pytest's time)",
        "pass 2: every lesson on PostgreSQL + Redis (pytest's time)",
    ]
    for index, name in enumerate(names):
        values = [p[index] for p in passes if len(p) > index]
        if values:
            table.add(name, values, "s")
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
