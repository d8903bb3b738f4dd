"""``workbench test``: the whole suite, and the pytest and nbval commands every tool builds.

Pass 1 runs pytest over ``tests/``, ``sample_project/`` and ``notebooks/``
(every lesson and exercise under strict nbval) on the embedded defaults.
Pass 2 runs every lesson and exercise again on PostgreSQL + Redis, started
here on loopback with throw-away data. Every nbval run in the project, the
instructor's ``workbench verify`` included, is built by ``nbval_command``.
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
        "--nbval", f"--nbval-sanitize-with={SANITIZE}",
        *extra,
    ]


def nbval_command(
    paths: Sequence[Path], extra: Sequence[str] = (), *, sanitize: Path = SANITIZE, workers: Sequence[str] | None = None
) -> list[str]:
    """Strict nbval over ``paths`` with the project's pytest configuration and ``sanitize``."""
    return [
        sys.executable, "-m", "pytest", f"--rootdir={PROJECT_ROOT}", "-c", str(PROJECT_ROOT / "pyproject.toml"),
        *(xdist_options(len(paths)) if workers is None else workers),
        "--nbval", f"--nbval-sanitize-with={sanitize}", *map(str, paths), *extra,
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
        if status != 0 or not servers:
            return status
        print("workbench: pass 2, every lesson on PostgreSQL + Redis", flush=True)
        env[DATABASE_ENV], env[CHANNEL_LAYER_ENV] = (s.url for s in servers)
        with sanitize_file(env) as sanitize:
            return subprocess.call(lessons_on_servers_command(sanitize, extra), cwd=PROJECT_ROOT, env=env)
    finally:
        for server in servers:
            server.close()


def add_command(commands: argparse._SubParsersAction) -> None:
    test = commands.add_parser(
        "test",
        help="run the whole test suite, every lesson included, on both backend sets",
        description="Pass 1: lint, types, and pytest over tests/, sample_project/ and notebooks/ "
        "(nbval, strict) on the embedded defaults. Pass 2: every lesson again on PostgreSQL + "
        "Redis, started on loopback with throw-away data and stopped at the end. Further "
        "arguments go to pytest.",
    )
    test.add_argument(
        "--defaults-only", action="store_true",
        help="skip the PostgreSQL + Redis pass (server tests then skip, unless CI is set)",
    )
    test.set_defaults(handler=run_test_command, passes_extra=True)
