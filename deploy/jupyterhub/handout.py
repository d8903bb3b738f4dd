"""A learner's copy of the course: the lessons with their support files, and the exercises' student versions.

    python deploy/jupyterhub/handout.py DEST       # writes DEST/ unless it exists

Used by ``jupyterhub_config.py`` (each learner's first start) and by the
``Dockerfile`` (the image's ``/opt/workbench/handout``, copied into a
learner's home by Zero to JupyterHub's ``postStart`` hook). An existing
``DEST`` is the learner's own work and is never touched.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from workbench.paths import EXERCISES, NOTEBOOKS
from workbench.tooling.student import write_student_versions

LEFT_OUT = shutil.ignore_patterns("exercises", "conftest.py", "sanitize.cfg", "__pycache__", ".*")


def hand_out(destination: Path) -> bool:
    """Write the course to ``destination``; False (and nothing written) if it already exists."""
    destination = Path(destination)
    if destination.exists():
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it, then renamed: a learner never sees half a course.
    staging = destination.with_name(f".{destination.name}-incoming")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(NOTEBOOKS, staging, ignore=LEFT_OUT)
    write_student_versions(sorted(EXERCISES.glob("*.ipynb")), staging / "exercises")
    staging.rename(destination)
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python deploy/jupyterhub/handout.py DEST")
    target = Path(sys.argv[1])
    print(f"wrote {target}" if hand_out(target) else f"{target} exists: left as it is")
