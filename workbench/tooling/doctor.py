"""``workbench doctor``: is this machine ready for the lessons, and if not, what next?

Each finding is measured, not assumed: versions come from the installed
packages, the cell's context from a real kernel (the one ``workbench lab``
would start), and the backends from the same URLs ``workbench.setup()``
reads, with a TCP connection to any server they name.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..environment import CHANNEL_LAYER_ENV, DATABASE_ENV
from ..errors import cannot_reach
from ..services import is_listening
from .extras import install_command

SETUP = install_command("lab")


@dataclass(frozen=True)
class Finding:
    """One line of the diagnosis; ``next_step`` says what to do when ``ok`` is False."""

    ok: bool
    label: str
    detail: str
    next_step: str = ""

    def __str__(self) -> str:
        line = f"  {'✔' if self.ok else '✘'} {self.label:<15}{self.detail}"
        if not self.ok and self.next_step:
            line += f"\n    {'':<15}next: {self.next_step}"
        return line


def versions() -> list[Finding]:
    """Python, Django, Channels and ipykernel, against what the lessons are written for."""
    python = platform.python_version()
    findings = [
        Finding(sys.version_info >= (3, 11), "Python", python, "install Python 3.11 or newer, then recreate the venv")
    ]
    for label, package, wanted, check in (
        ("Django", "Django", "the 5.2 LTS", lambda v: v.startswith("5.2.")),
        ("Channels", "channels", "Channels 4", lambda v: v.split(".")[0] == "4"),
        ("ipykernel", "ipykernel", "ipykernel 6.29 or newer", lambda v: tuple(map(int, v.split(".")[:2])) >= (6, 29)),
    ):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            findings.append(Finding(False, label, "not installed", f"run `{SETUP}` in this venv"))
            continue
        findings.append(
            Finding(check(version), label, version, f"the lessons need {wanted}: run `{SETUP}` in this venv")
        )
    return findings


_PROBE = """
import dataclasses, json, sys
import workbench
print(json.dumps({"python": sys.executable, **dataclasses.asdict(workbench.describe_context())}))
"""


def cell_context(kernel_name: str = "python3", timeout: float = 60) -> Finding:
    """Start the kernel a lesson would use and ask, from a cell, what Django would do there."""
    label = "a cell"
    if importlib.util.find_spec("jupyter_client") is None:
        return Finding(
            False, label, "cannot start a kernel: jupyter_client (from the lab extra) is not installed",
            f"run `{SETUP}`, then start JupyterLab with `workbench lab`",
        )
    from jupyter_client.manager import start_new_kernel

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
            )
        printed: list[str] = []
        try:
            reply = client.execute_interactive(
                _PROBE, timeout=timeout, output_hook=lambda msg: _collect(msg, printed)
            )
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    if reply["content"]["status"] != "ok":
        error = f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
        return Finding(
            False, label, f"the {kernel_name!r} kernel cannot import the workbench ({error})",
            f"run `{SETUP}` with the Python that kernel runs, or start JupyterLab with `workbench lab`",
        )
    report = json.loads("".join(printed))
    if not report["event_loop_running"]:
        return Finding(
            False, label, "runs without an event loop, so top-level `await` will not work",
            f"the lessons need ipykernel 6.29 or newer with autoawait on: run `{SETUP}` and `%autoawait on`",
        )
    if not report["async_unsafe_guard"]:
        return Finding(
            False, label, "is an async context, but Django's async-unsafe guard is switched off",
            "unset the environment variable that switches it off (lesson 00, section 5 names it), "
            "then restart JupyterLab",
        )
    return Finding(
        True, label,
        "is an async context (an event loop runs there): a sync ORM call raises "
        "SynchronousOnlyOperation, so lessons use await, %%sync or run_sync",
    )


def _collect(message: dict, printed: list[str]) -> None:
    if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
        printed.append(message["content"]["text"])


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
    return [*versions(), cell_context(), database(env), channel_layer(env)]


def render(findings: list[Finding]) -> str:
    """The report ``workbench doctor`` prints: one line per finding, then the verdict."""
    problems = [f for f in findings if not f.ok]
    lines = ["workbench doctor", *map(str, findings)]
    if problems:
        lines.append(f"{len(problems)} problem(s): follow the next steps above, then run `workbench doctor` again.")
    else:
        lines.append("Everything is ready: `workbench lab` opens the lessons.")
    return "\n".join(lines)


def run_doctor_command(args: argparse.Namespace, extra: list[str]) -> int:
    """Diagnose this machine for the lessons; exit 1 if anything needs fixing."""
    findings = diagnose()
    print(render(findings))
    return 0 if all(finding.ok for finding in findings) else 1


def add_command(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check this machine: versions, a cell's async context, database and channel layer",
        description="Print the versions of Python, Django, Channels and ipykernel; start a kernel "
        "and report whether a cell is an async context; check that the database and channel "
        f"layer that workbench.setup() would use ({DATABASE_ENV}, {CHANNEL_LAYER_ENV}) are "
        "reachable. Each problem comes with a next step; the exit status is 1 if there is any.",
    )
    doctor.set_defaults(handler=run_doctor_command)
