"""The ``workbench`` command: ``lab``, ``test`` and ``execute``.

Each sub-command is a thin, documented door to a kept tool: JupyterLab,
pytest (with nbval for the lessons) and nbclient.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"


def _require_checkout() -> None:
    if not NOTEBOOKS.is_dir():
        sys.exit(
            f"workbench: no lessons at {NOTEBOOKS}. The commands lab, test and execute "
            "work in a clone of the repository installed with `pip install -e .`."
        )


def lesson_paths() -> list[Path]:
    """Every lesson, in order (``notebooks/NN-topic.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def cmd_lab(args: argparse.Namespace, extra: list[str]) -> int:
    _require_checkout()
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={NOTEBOOKS}", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # Containers and CI machines often run as root; JupyterLab refuses
        # to start there unless told that this is intended.
        command.append("--allow-root")
    print("workbench: starting JupyterLab on", NOTEBOOKS, flush=True)
    warm_up_setup()  # meanwhile, so the first lesson's setup() copies instead of migrating
    return subprocess.call(command, cwd=NOTEBOOKS)


def warm_up_setup() -> subprocess.Popen:
    """Run ``workbench.setup()`` once, in the background, on a throw-away SQLite file.

    The first ``setup()`` on a machine runs Django's migrations (about 0.1 s)
    and leaves a migrated template that later kernels copy. Doing it here,
    while JupyterLab or the servers start, spares the first lesson that wait.
    The child ignores the backend URLs, so it never touches a real database.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        [sys.executable, "-c", "import workbench; workbench.setup()"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _workers() -> list[str]:
    """pytest-xdist options: one worker per core (at most 4), each taking whole files."""
    return ["-n", str(min(os.cpu_count() or 1, 4)), "--dist", "loadfile"]


def pytest_command(extra: Sequence[str] = ()) -> list[str]:
    """The whole suite: unit tests, sample-project tests and every lesson under strict nbval."""
    return [
        sys.executable, "-m", "pytest", *_workers(),
        "--nbval", f"--nbval-sanitize-with={SANITIZE}",
        *extra,
    ]


# The one output that must differ between the two passes: which backends the
# kernel uses. Everything else a lesson prints must be the same on both.
BACKENDS_SANITIZER = """
[workbench backends]
regex: <Workbench database=[^>]*>
replace: <Workbench (backends differ between test passes)>
"""


def lessons_on_servers_command(sanitize: Path, extra: Sequence[str] = ()) -> list[str]:
    """Every lesson under strict nbval again, in parallel like pass 1.

    The workers share the servers but not their data: ``notebooks/conftest.py``
    gives each one a database and a channel-layer prefix of its own.
    """
    return [
        sys.executable, "-m", "pytest", *_workers(), "--nbval",
        f"--nbval-sanitize-with={sanitize}", str(NOTEBOOKS), *extra,
    ]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def cmd_test(args: argparse.Namespace, extra: list[str]) -> int:
    """Pass 1: the whole suite on the embedded defaults (SQLite file, in-memory layer).
    Pass 2: every lesson again on PostgreSQL + Redis, started here on loopback."""
    _require_checkout()
    import tempfile

    from .services import ServiceUnavailable, start_postgres, start_redis

    warming = warm_up_setup()
    servers = []
    if not args.defaults_only:
        try:
            print("workbench: starting PostgreSQL and Redis on loopback (installing them if missing)", flush=True)
            servers = [start_postgres(), start_redis()]
        except ServiceUnavailable as exc:
            if _in_ci():
                print(f"workbench: {exc}", file=sys.stderr)
                return 1
            print(f"workbench: skipping the PostgreSQL + Redis pass: {exc}", file=sys.stderr)
    try:
        env = dict(os.environ)
        if servers:
            env["WORKBENCH_TEST_POSTGRES_URL"], env["WORKBENCH_TEST_REDIS_URL"] = (s.url for s in servers)
        warming.wait()
        print("workbench: pass 1, the whole suite on the embedded defaults", flush=True)
        status = subprocess.call(pytest_command(extra), cwd=PROJECT_ROOT, env=env)
        if status != 0 or not servers:
            return status
        print("workbench: pass 2, every lesson on PostgreSQL + Redis", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            sanitize = Path(tmp) / "sanitize.cfg"
            sanitize.write_text(SANITIZE.read_text() + BACKENDS_SANITIZER)
            env["WORKBENCH_DATABASE_URL"], env["WORKBENCH_CHANNEL_LAYER_URL"] = (s.url for s in servers)
            return subprocess.call(lessons_on_servers_command(sanitize, extra), cwd=PROJECT_ROOT, env=env)
    finally:
        for server in servers:
            server.close()


def cmd_execute(args: argparse.Namespace, extra: list[str]) -> int:
    """Re-execute lessons in place so their stored outputs come from a real run."""
    _require_checkout()
    from .execution import execute_notebook

    paths = [Path(p).resolve() for p in args.notebooks] or lesson_paths()
    for path in paths:
        print(f"workbench: executing {path.relative_to(PROJECT_ROOT)}", flush=True)
        execute_notebook(path, write=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Async Django Workbench: lessons that run real Django + Channels code.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on the lessons (SQLite and the in-memory channel layer)",
        description="Start JupyterLab on notebooks/. Further arguments go to JupyterLab.",
    )
    lab.set_defaults(handler=cmd_lab)
    test = commands.add_parser(
        "test",
        help="run the whole test suite, every lesson included, on both backend sets",
        description="Pass 1: pytest over tests/, sample_project/ and notebooks/ (nbval, strict) "
        "on the embedded defaults. Pass 2: every lesson again on PostgreSQL + Redis, which this "
        "command installs (apt-get, as root) when missing, starts on loopback with throw-away "
        "data, and stops at the end. Further arguments go to pytest.",
    )
    test.add_argument(
        "--defaults-only", action="store_true",
        help="skip the PostgreSQL + Redis pass (server tests then skip, unless CI is set)",
    )
    test.set_defaults(handler=cmd_test)
    execute = commands.add_parser(
        "execute",
        help="re-execute lessons in place, refreshing their stored outputs",
        description="Run each lesson top to bottom in a fresh kernel and store the outputs. "
        "Never edit outputs by hand: change the cells and run this.",
    )
    execute.add_argument("notebooks", nargs="*", help="lessons to run (default: all)")
    execute.set_defaults(handler=cmd_execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "execute":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.handler(args, extra)
