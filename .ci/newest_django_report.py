"""What differs on the newest Django: read ``.ci/newest-django``'s JUnit report and explain it.

For every lesson with a failing cell, the lesson is run once more (on the
newest Django, in this environment) and each cell whose output differs from
the stored Django 5.2 output is printed as a diff, in lesson order. Other
failing tests are listed with the first lines of their failure.
Usage: ``python .ci/newest_django_report.py path/to/junit.xml``.
"""

from __future__ import annotations

import difflib
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import django
import nbformat
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_lessons import comparable  # noqa: E402 - the suite's own output comparison
from workbench.tooling.execution import execute_notebook  # noqa: E402

ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")
LESSON_CELL = re.compile(r"^notebooks[./](?P<lesson>.+)\.ipynb::Cell \d+$")
FAILURE_LINES = 20


def failed_tests(report: Path) -> list[tuple[str, str]]:
    """``(test id, failure text)`` for every failed or erroring test case."""
    found = []
    for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314 - our own pytest run's report
        for problem in (*case.iter("failure"), *case.iter("error")):
            name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
            found.append((name, ANSI.sub("", (problem.text or problem.get("message") or "")).strip()))
    return found


def lesson_differences(lesson: Path) -> list[str]:
    """Each code cell of ``lesson`` whose output differs on this Django, as a diff."""
    stored = nbformat.read(lesson, as_version=4)
    try:
        executed = execute_notebook(lesson)
    except CellExecutionError as error:
        cell, _, rest = str(error).partition("------------------\n")[2].partition("------------------")
        last = ANSI.sub("", rest).strip().splitlines()[-1:]
        return [f"  stops with an error in the cell that starts {cell.splitlines()[0]!r}:", *(f"    {x}" for x in last)]
    code_cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    lines = []
    for index, (before, after, cell) in enumerate(zip(comparable(stored), comparable(executed), code_cells, strict=True)):
        if before == after:
            continue
        first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        lines.append(f"  cell {index}: {first_line}")
        diff = difflib.unified_diff(
            "".join(before).splitlines(),
            "".join(after).splitlines(),
            fromfile="Django 5.2 (stored)",
            tofile=f"Django {django.get_version()}",
            lineterm="",
        )
        lines.extend(f"    {line}" for line in diff)
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_file():
        print("usage: python .ci/newest_django_report.py path/to/junit.xml", file=sys.stderr)
        return 2
    failures = failed_tests(Path(argv[1]))
    lessons = sorted({m["lesson"] for name, _ in failures if (m := LESSON_CELL.match(name))})
    others = [
        (name, text)
        for name, text in failures
        if not LESSON_CELL.match(name) and not any(lesson in name for lesson in lessons)
    ]
    print(f"\nOn Django {django.get_version()}: {len(failures)} failing test(s).")
    for lesson in lessons:
        path = ROOT / "notebooks" / f"{lesson}.ipynb"
        print(f"\n{path.relative_to(ROOT)} prints something else in these cells:")
        print("\n".join(lesson_differences(path)) or "  (no difference on a second run: flaky?)")
    for name, text in others:
        print(f"\n{name} failed:")
        lines = text.splitlines()
        print("\n".join(f"  {line}" for line in lines[:FAILURE_LINES]))
        if len(lines) > FAILURE_LINES:
            print(f"  ... ({len(lines) - FAILURE_LINES} more lines in pytest.log)")
    if not failures:
        print("Nothing differs.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
