"""The ``workbench`` command: ``lab``, ``check``, ``student``, ``docs``, ``doctor``,
``test``, ``execute``, ``types`` and ``serve``.

Each sub-command is a thin, documented door to a kept tool: JupyterLab,
pytest (with nbval for the lessons), nbclient, Sphinx (with MyST-NB), and
json-schema-to-typescript with tsc (through ``sample_project.typescript``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .bootstrap import CHANNEL_LAYER_ENV, DATABASE_ENV

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXERCISES = NOTEBOOKS / "exercises"
SANITIZE = NOTEBOOKS / "sanitize.cfg"
STUDENT_BUILD = PROJECT_ROOT / "build" / "student"
DOCS_BUILD = PROJECT_ROOT / "docs" / "_build"


def _require_checkout() -> None:
    if not NOTEBOOKS.is_dir():
        sys.exit(
            f"workbench: no lessons at {NOTEBOOKS}. The commands lab, check, student, docs, "
            "test and execute work in a clone of the repository installed with `pip install -e .`."
        )


def lesson_paths() -> list[Path]:
    """Every lesson, in order (``notebooks/NN-topic.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def exercise_paths() -> list[Path]:
    """Every exercise, in order (``notebooks/exercises/*.ipynb``)."""
    return sorted(EXERCISES.glob("*.ipynb"))


def _notebooks(given: Sequence[str], default: list[Path]) -> list[Path]:
    """The notebooks named on the command line (must exist), or ``default``."""
    paths = [Path(name).resolve() for name in given]
    missing = [str(p) for p in paths if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        sys.exit(f"workbench: not a notebook file: {', '.join(missing)}")
    return paths or default


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def cmd_lab(args: argparse.Namespace, extra: list[str]) -> int:
    _require_checkout()
    folder = Path(args.folder).resolve() if args.folder else NOTEBOOKS
    if not folder.is_dir():
        sys.exit(
            f"workbench lab: no folder {args.folder!r}. Name a folder of notebooks, and give "
            "JupyterLab's own options as --name=value (for example --port=8890)."
        )
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # Containers and CI machines often run as root; JupyterLab refuses
        # to start there unless told that this is intended.
        command.append("--allow-root")
    print("workbench: starting JupyterLab on", folder, flush=True)
    warm_up_setup()  # meanwhile, so the first lesson's setup() copies instead of migrating
    return _run_in_foreground(command, cwd=folder)


def _run_in_foreground(command: list[str], *, cwd: Path) -> int:
    """Run a server until it exits, as if it were this process.

    SIGTERM (a test, a container stopping) is passed on, so the server shuts
    its kernels down instead of being orphaned. Ctrl-C reaches the server
    directly (same process group); JupyterLab then asks to confirm, so this
    process keeps waiting rather than killing it.
    """
    import signal

    process = subprocess.Popen(command, cwd=cwd)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)


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


def _workers(notebooks: int = 4) -> list[str]:
    """pytest-xdist options: one worker per core (at most 4, and no more than there are
    notebooks), each taking whole files; none for a single worker."""
    count = min(os.cpu_count() or 1, 4, notebooks)
    return ["-n", str(count), "--dist", "loadfile"] if count > 1 else ["-p", "no:xdist"]


def pytest_command(extra: Sequence[str] = ()) -> list[str]:
    """The whole suite: unit tests, sample-project tests and every lesson under strict nbval."""
    return [
        sys.executable, "-m", "pytest", *_workers(),
        "--nbval", f"--nbval-sanitize-with={SANITIZE}",
        *extra,
    ]


# The one output that must differ between the embedded defaults and servers:
# which backends the kernel uses. Everything else a lesson prints must be the same.
BACKENDS_SANITIZER = """
[workbench backends]
regex: <Workbench database=[^>]*>
replace: <Workbench (backends differ between test passes)>
"""


@contextmanager
def sanitize_file(env: Mapping[str, str]) -> Iterator[Path]:
    """The sanitizers for lessons run with ``env``: the project's file, plus the
    backends line when ``env`` points the kernels at servers (the stored outputs
    come from the embedded defaults)."""
    if not (env.get(DATABASE_ENV) or env.get(CHANNEL_LAYER_ENV)):
        yield SANITIZE
        return
    with tempfile.TemporaryDirectory() as tmp:
        sanitize = Path(tmp) / "sanitize.cfg"
        sanitize.write_text(SANITIZE.read_text() + BACKENDS_SANITIZER)
        yield sanitize


def lessons_on_servers_command(sanitize: Path, extra: Sequence[str] = ()) -> list[str]:
    """Every lesson and exercise under strict nbval again, in parallel like pass 1.

    The workers share the servers but not their data: ``notebooks/conftest.py``
    gives each one a database and a channel-layer prefix of its own.
    """
    return nbval_command([NOTEBOOKS], extra, sanitize=sanitize, workers=_workers())


def in_ci() -> bool:
    """Whether this runs under CI (``CI`` set to 1/true/yes): servers and browsers are then required, never skipped."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def cmd_test(args: argparse.Namespace, extra: list[str]) -> int:
    """Pass 1: the whole suite on the embedded defaults (SQLite file, in-memory layer).
    Pass 2: every lesson again on PostgreSQL + Redis, started here on loopback."""
    _require_checkout()
    from .services import ServiceUnavailable, start_postgres, start_redis

    warming = warm_up_setup()
    servers = []
    if not args.defaults_only:
        try:
            print("workbench: starting PostgreSQL and Redis on loopback (installing them if missing)", flush=True)
            servers = [start_postgres(), start_redis()]
        except ServiceUnavailable as exc:
            if in_ci():
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
        env[DATABASE_ENV], env[CHANNEL_LAYER_ENV] = (s.url for s in servers)
        with sanitize_file(env) as sanitize:
            return subprocess.call(lessons_on_servers_command(sanitize, extra), cwd=PROJECT_ROOT, env=env)
    finally:
        for server in servers:
            server.close()


def cmd_execute(args: argparse.Namespace, extra: list[str]) -> int:
    """Re-execute lessons and exercises in place so their stored outputs come from a real run."""
    _require_checkout()
    from .execution import execute_notebook

    for path in _notebooks(args.notebooks, lesson_paths() + exercise_paths()):
        print(f"workbench: executing {_shown(path)}", flush=True)
        execute_notebook(path, write=True)
    return 0


def cmd_types(args: argparse.Namespace, extra: list[str]) -> int:
    """Regenerate (or ``--check``) sample_project/static/types.ts, then type-check the clients."""
    _require_checkout()
    from sample_project.typescript import run

    return run(check=args.check)


def nbval_command(
    paths: Sequence[Path], extra: Sequence[str] = (), *, sanitize: Path = SANITIZE, workers: Sequence[str] | None = None
) -> list[str]:
    """Strict nbval over ``paths`` with the project's pytest configuration and ``sanitize``."""
    return [
        sys.executable, "-m", "pytest", f"--rootdir={PROJECT_ROOT}", "-c", str(PROJECT_ROOT / "pyproject.toml"),
        *(_workers(len(paths)) if workers is None else workers),
        "--nbval", f"--nbval-sanitize-with={sanitize}", *map(str, paths), *extra,
    ]


def _is_exercise(path: Path) -> bool:
    import nbformat

    return any("### BEGIN SOLUTION" in cell.source for cell in nbformat.read(path, as_version=4).cells)


def cmd_check(args: argparse.Namespace, extra: list[str]) -> int:
    """Lessons and exercises under strict nbval; exercises also through their student version."""
    _require_checkout()
    from .exercises import verify_exercise

    paths = _notebooks(args.notebooks, lesson_paths() + exercise_paths())
    print(f"workbench: {len(paths)} notebook(s) under strict nbval", flush=True)
    with sanitize_file(os.environ) as sanitize:
        status = subprocess.call(nbval_command(paths, extra, sanitize=sanitize), cwd=PROJECT_ROOT)
    exercises = [path for path in paths if _is_exercise(path)]
    if exercises:
        print(f"workbench: {len(exercises)} exercise(s): solutions, student version, hidden checks", flush=True)
    for path in exercises:
        report = verify_exercise(path)
        print(("  ✔ " if not report.problems else "  ✘ ") + report.summary(), flush=True)
        status = status or (1 if report.problems else 0)
    return status


def cmd_student(args: argparse.Namespace, extra: list[str]) -> int:
    """Write the student version of each exercise to the build folder."""
    _require_checkout()
    from .student import StudentVersionError, write_student_versions

    paths = _notebooks(args.exercises, exercise_paths())
    output = Path(args.output).resolve()
    try:
        written = write_student_versions(paths, output)
    except StudentVersionError as exc:
        print(f"workbench student: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"workbench: wrote {_shown(path)}")
    print(f"Hand out {_shown(output)}/. Learners open it with `workbench lab {_shown(output)}`.")
    return 0


def cmd_docs(args: argparse.Namespace, extra: list[str]) -> int:
    """Build the lessons site with Sphinx + MyST-NB."""
    _require_checkout()
    from .docs import DocsBuildError, build_docs

    how = "running every lesson" if args.execute else "from the stored outputs"
    print(f"workbench: building the site {how}", flush=True)
    try:
        index = build_docs(lesson_paths(), output=Path(args.output).resolve(), execute=args.execute)
    except DocsBuildError as exc:
        print(f"workbench docs: {exc}", file=sys.stderr)
        return 1
    print(f"workbench: site written; open {_shown(index)}")
    return 0


def cmd_doctor(args: argparse.Namespace, extra: list[str]) -> int:
    """Diagnose this machine for the lessons; exit 1 if anything needs fixing."""
    from .doctor import diagnose, render

    findings = diagnose()
    print(render(findings))
    return 0 if all(finding.ok for finding in findings) else 1


def cmd_serve(args: argparse.Namespace, extra: list[str]) -> int:
    """The sample project for a room of learners: uvicorn workers sharing the database and layer."""
    from .workshop import WorkshopError, banner, plan, prepare, run

    try:
        chosen = plan(
            host=args.host, port=args.port, workers=args.workers, database=args.database,
            channel_layer=args.channel_layer, allowed_hosts=args.allowed_hosts, room=args.room,
        )
        print("workbench: migrating the database", flush=True)
        prepare(chosen)
    except WorkshopError as exc:
        print(f"workbench serve: {exc}", file=sys.stderr)
        return exc.status
    print(banner(chosen), flush=True)
    run(chosen, log_level=args.log_level)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Async Django Workbench: lessons that run real Django + Channels code.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on the lessons, or on a folder of notebooks",
        description="Start JupyterLab on notebooks/ (or FOLDER, e.g. the student versions in "
        "build/student). Further arguments go to JupyterLab, written --name=value.",
    )
    lab.add_argument("folder", nargs="?", help="folder to open (default: notebooks/)")
    lab.set_defaults(handler=cmd_lab)
    check = commands.add_parser(
        "check",
        help="run lessons and exercises under strict nbval; prove exercises' student versions",
        description="Run each notebook in a fresh kernel under strict nbval (its stored outputs "
        "must come back exactly). For an exercise, also check that every check passes on the "
        "stored solutions and that its student version, run in a fresh kernel, answers "
        "\"Not yet\" with a hint to every check, hidden checks included. Further arguments go to pytest.",
    )
    check.add_argument("notebooks", nargs="*", help="notebooks to check (default: every lesson and exercise)")
    check.set_defaults(handler=cmd_check)
    student = commands.add_parser(
        "student",
        help="write student versions of the exercises (solutions stubbed, hidden checks removed)",
        description="For each exercise, replace every ### BEGIN SOLUTION / ### END SOLUTION region "
        "with a stub, remove ### BEGIN HIDDEN CHECKS / ### END HIDDEN CHECKS regions and clear "
        "all outputs, and write the result to the output folder under the same name.",
    )
    student.add_argument("exercises", nargs="*", help="exercises (default: notebooks/exercises/*.ipynb)")
    student.add_argument(
        "-o", "--output", default=str(STUDENT_BUILD), help="output folder (default: build/student)"
    )
    student.set_defaults(handler=cmd_student)
    docs = commands.add_parser(
        "docs",
        help="build the lessons site (Sphinx + MyST-NB), one page per lesson",
        description="Build an HTML site with a page per lesson, in lesson order, from the lessons' "
        "stored outputs (nbval checks them against a real run). Fails on a cell that was never "
        "run, an error output, or any Sphinx warning.",
    )
    docs.add_argument(
        "--execute", action="store_true",
        help="run every lesson afresh while building; any cell error fails the build",
    )
    docs.add_argument(
        "-o", "--output", default=str(DOCS_BUILD), help="build folder (default: docs/_build; the site is in html/)"
    )
    docs.set_defaults(handler=cmd_docs)
    doctor = commands.add_parser(
        "doctor",
        help="check this machine: versions, a cell's async context, database and channel layer",
        description="Print the versions of Python, Django, Channels and ipykernel; start a kernel "
        "and report whether a cell is an async context; check that the database and channel "
        "layer that workbench.setup() would use (WORKBENCH_DATABASE_URL, "
        "WORKBENCH_CHANNEL_LAYER_URL) are reachable. Each problem comes with a next step; "
        "the exit status is 1 if there is any.",
    )
    doctor.set_defaults(handler=cmd_doctor)
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
        help="re-execute lessons and exercises in place, refreshing their stored outputs",
        description="Run each notebook top to bottom in a fresh kernel and store the outputs. "
        "Never edit outputs by hand: change the cells and run this.",
    )
    execute.add_argument("notebooks", nargs="*", help="notebooks to run (default: every lesson and exercise)")
    execute.set_defaults(handler=cmd_execute)
    types = commands.add_parser(
        "types",
        help="regenerate sample_project/static/types.ts from the Pydantic contracts",
        description="Generate the TypeScript twins of sample_project/contracts.py "
        "(json-schema-to-typescript, from each model's JSON Schema) into "
        "sample_project/static/types.ts, then run tsc --noEmit over every client script "
        "under a static/ folder. Needs Node.js 18+ and npm; installs the pinned npm "
        "packages (npm ci in sample_project/frontend) on first use.",
    )
    types.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail if types.ts is out of date or a script does not type-check",
    )
    types.set_defaults(handler=cmd_types)
    serve = commands.add_parser(
        "serve",
        help="run the sample project for a room of learners (uvicorn, N worker processes)",
        description="Serve sample_project under uvicorn with N worker processes that share the "
        "database and the channel layer, so browsers and notebooks on any worker chat in the "
        "same rooms. Migrates the database first and checks that its servers are reachable. "
        "Backends come from --database / --channel-layer, else WORKBENCH_DATABASE_URL / "
        "WORKBENCH_CHANNEL_LAYER_URL, else a SQLite file beside manage.py and the in-memory "
        "layer (which only --workers 1 can use). Example: workbench serve --host 0.0.0.0 "
        "--workers 2 --database postgresql://app:secret@127.0.0.1:5432/workshop "
        "--channel-layer redis://127.0.0.1:6379/0",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for other machines)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1; more needs Redis)")
    serve.add_argument("--database", metavar="URL", help="sqlite:///path or postgresql://user:password@host:port/name")
    serve.add_argument("--channel-layer", metavar="URL", help="memory://, redis://host:port/db or redis+pubsub://host:port/db")
    serve.add_argument(
        "--allowed-hosts", metavar="NAMES",
        help="comma-separated host names the site answers to and WebSocket Origins it accepts "
        "(default: DJANGO_ALLOWED_HOSTS, else loopback names, plus this machine's name and "
        "address when --host is 0.0.0.0)",
    )
    serve.add_argument("--room", default="lobby", help="the chat room the printed links open (default lobby)")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default info: one line per request and WebSocket)",
    )
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command in {"execute", "student", "docs", "doctor", "types", "serve"}:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.handler(args, extra)
