"""``workbench test``: the whole suite, and the pytest and nbval commands every tool builds.

Pass 1 runs pytest over ``tests/``, ``sample_project/`` and ``notebooks/``
(every lesson and exercise under strict nbval) on the embedded defaults.
Pass 2 runs every lesson and exercise again on PostgreSQL + Redis, started
here on loopback with throw-away data. Pass 3 runs them once more on the
newest Django 6.x, in a virtual environment of its own (``.venv-newest-django``,
Python 3.12 or newer), against the same stored outputs. Every nbval run in
the project, the instructor's ``workbench verify`` included, is built by
``nbval_command``.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..environment import CHANNEL_LAYER_ENV, DATABASE_ENV, TEST_POSTGRES_ENV, TEST_REDIS_ENV
from ..errors import ServiceUnavailable
from ..paths import NOTEBOOKS, PROJECT_ROOT, SANITIZE
from . import extras
from .checkout import require_checkout
from .lab import warm_up_setup

# The one output that must differ between the embedded defaults and servers:
# which backends the kernel uses. Everything else a lesson prints must be the same.
BACKENDS_SANITIZER = """
[workbench backends]
regex: <Workbench database=[^>]*>
replace: <Workbench (backends differ between test passes)>
"""


# nbval's default is 60 s; a kernel on a loaded laptop (load average 8 on 2 cores) can take longer.
KERNEL_STARTUP_TIMEOUT = 300
NEWEST_DJANGO = "Django>=6,<7"
NEWEST_DJANGO_VENV = PROJECT_ROOT / ".venv-newest-django"
NEWEST_DJANGO_PYTHON_ENV = "NEWEST_DJANGO_PYTHON"


def in_ci() -> bool:
    """Whether this runs under CI (``CI`` set to 1/true/yes): servers and browsers are then required, never skipped."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def xdist_options(notebooks: int = 4) -> list[str]:
    """pytest-xdist options: one worker per core (at most 4, and no more than there are
    notebooks), each taking whole files; none for a single worker."""
    count = min(os.cpu_count() or 1, 4, notebooks)
    return ["-n", str(count), "--dist", "loadfile"] if count > 1 else ["-p", "no:xdist"]


def pytest_command(extra: Sequence[str] = ()) -> list[str]:
    """The whole suite: unit tests, sample-project tests and every lesson under strict nbval."""
    return [
        sys.executable, "-m", "pytest", *xdist_options(),
        "--nbval", f"--nbval-sanitize-with={SANITIZE}", f"--nbval-kernel-startup-timeout={KERNEL_STARTUP_TIMEOUT}",
        *extra,
    ]


def nbval_command(
    paths: Sequence[Path], extra: Sequence[str] = (), *, sanitize: Path = SANITIZE, workers: Sequence[str] | None = None,
    python: str | Path = sys.executable,
) -> list[str]:
    """Strict nbval over ``paths`` with the project's pytest configuration and ``sanitize``."""
    return [
        str(python), "-m", "pytest", f"--rootdir={PROJECT_ROOT}", "-c", str(PROJECT_ROOT / "pyproject.toml"),
        *(xdist_options(len(paths)) if workers is None else workers),
        "--nbval", f"--nbval-sanitize-with={sanitize}", f"--nbval-kernel-startup-timeout={KERNEL_STARTUP_TIMEOUT}",
        *map(str, paths), *extra,
    ]


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
    return nbval_command([NOTEBOOKS], extra, sanitize=sanitize, workers=xdist_options())


def python_for_newest_django() -> str | None:
    """A Python 3.12 or newer for Django 6 (``$NEWEST_DJANGO_PYTHON``, else on PATH, else under pyenv), or None."""
    def recent(candidate: str) -> bool:
        try:
            check = subprocess.run([candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"],
                                   capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return check.returncode == 0

    chosen = os.environ.get(NEWEST_DJANGO_PYTHON_ENV)
    if chosen:
        return chosen if recent(chosen) else None
    on_path = [found for name in ("python3.14", "python3.13", "python3.12") if (found := shutil.which(name))]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    under_pyenv = sorted(glob.glob(str(pyenv_root / "versions" / "3.1[2-9]*" / "bin" / "python3")), reverse=True)
    return next((candidate for candidate in [*on_path, *under_pyenv] if recent(candidate)), None)


def newest_django_environment(python: str) -> Path:
    """``.venv-newest-django``: this project's lab extra and nbval, with the newest Django 6.x; its Python.

    Made once and refreshed when pyproject.toml changes; Django is upgraded to
    the newest 6.x on every run (pip says the 5.2 pin is not met: that is the point).
    """
    venv_python = NEWEST_DJANGO_VENV / "bin" / "python"
    stamp = NEWEST_DJANGO_VENV / ".installed-from"
    wanted = hashlib.sha256((PROJECT_ROOT / "pyproject.toml").read_bytes() + python.encode()).hexdigest()
    if not venv_python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(NEWEST_DJANGO_VENV, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(NEWEST_DJANGO_VENV)], check=True)
        subprocess.run([str(venv_python), "-m", "pip", "install", "--quiet", "-e", f"{PROJECT_ROOT}[lab]",
                        "nbval>=0.11,<0.12", "pytest-xdist>=3.6,<4"], check=True)
        stamp.write_text(wanted)
    subprocess.run([str(venv_python), "-m", "pip", "install", "--quiet", "--upgrade", NEWEST_DJANGO],
                   check=True, stderr=subprocess.DEVNULL)  # the 5.2 pin's complaint is expected
    return venv_python


def run_newest_django_pass(extra: Sequence[str], env: Mapping[str, str]) -> int:
    """Pass 3: every lesson and exercise under strict nbval on the newest Django 6.x."""
    python = python_for_newest_django()
    if python is None:
        message = ("no Python 3.12 or newer found for Django 6 (set NEWEST_DJANGO_PYTHON=/path/to/python3.13, "
                   "or install one, e.g. `pyenv install 3.13`)")
        if in_ci():
            print(f"workbench: {message}", file=sys.stderr)
            return 1
        print(f"workbench: skipping the newest-Django pass: {message}", file=sys.stderr)
        return 0
    venv_python = newest_django_environment(python)
    version = subprocess.run([str(venv_python), "-c", "import django; print(django.get_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"workbench: pass 3, every lesson on Django {version}", flush=True)
    command = nbval_command([NOTEBOOKS], extra, workers=xdist_options(), python=venv_python)
    return subprocess.call(command, cwd=PROJECT_ROOT, env=dict(env))


def run_test_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Pass 1 on the embedded defaults, then pass 2 on PostgreSQL + Redis (see the module doc)."""
    require_checkout()
    extras.require("test", command="test")
    from ..services import start_postgres, start_redis

    warming = warm_up_setup()
    servers = []
    if not args.defaults_only:
        try:
            print("workbench: starting PostgreSQL and Redis on loopback", flush=True)
            servers = [start_postgres(), start_redis()]
        except ServiceUnavailable as exc:
            if in_ci():
                print(f"workbench: {exc}", file=sys.stderr)
                return 1
            print(f"workbench: skipping the PostgreSQL + Redis pass: {exc}", file=sys.stderr)
    try:
        env = dict(os.environ)
        if servers:
            env[TEST_POSTGRES_ENV], env[TEST_REDIS_ENV] = (s.url for s in servers)
        warming.wait()
        print("workbench: pass 1, the whole suite on the embedded defaults", flush=True)
        status = subprocess.call(pytest_command(extra), cwd=PROJECT_ROOT, env=env)
        if status != 0:
            return status
        if servers:
            print("workbench: pass 2, every lesson on PostgreSQL + Redis", flush=True)
            on_servers = {**env, DATABASE_ENV: servers[0].url, CHANNEL_LAYER_ENV: servers[1].url}
            with sanitize_file(on_servers) as sanitize:
                status = subprocess.call(lessons_on_servers_command(sanitize, extra), cwd=PROJECT_ROOT, env=on_servers)
            if status != 0:
                return status
        if args.defaults_only or args.skip_newest_django:
            return status
        return run_newest_django_pass(extra, env)
    finally:
        for server in servers:
            server.close()


def add_command(commands: argparse._SubParsersAction) -> None:
    test = commands.add_parser(
        "test",
        help="run the whole test suite, every lesson included, on both backend sets",
        description="Pass 1: lint, types, and pytest over tests/, sample_project/ and notebooks/ "
        "(nbval, strict) on the embedded defaults. Pass 2: every lesson again on PostgreSQL + "
        "Redis, started on loopback with throw-away data and stopped at the end. Pass 3: every "
        "lesson again on the newest Django 6.x (Python 3.12+, in .venv-newest-django), against the "
        "same stored outputs. Further arguments go to pytest.",
    )
    test.add_argument(
        "--defaults-only", action="store_true",
        help="skip the PostgreSQL + Redis pass and the newest-Django pass (server tests then skip, unless CI is set)",
    )
    test.add_argument(
        "--skip-newest-django", action="store_true",
        help="skip pass 3 (every lesson on the newest Django 6.x in .venv-newest-django)",
    )
    test.set_defaults(handler=run_test_command, passes_extra=True)
