"""``workbench lab``: JupyterLab on the lessons (or a folder of notebooks), warmed up.

Three things beyond a plain ``jupyter lab``: each folder gets a workspace of
its own (JupyterLab's default workspace is shared, so opening the student
versions would reopen the lessons' tabs); the kernels load the ``workbench``
extension as they start (so ``%%sync`` and the next-step hints work even
before a lesson's first cell, ``workbench.hints``); and the slow optional
import of ``fast_start`` is skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..paths import BUILD, NOTEBOOKS, PROJECT_ROOT
from . import extras
from .checkout import UsageError, require_checkout
from .execution import KERNELSPEC
from .fast_start import JUPYTERLAB_MAIN

LAB_STATE = BUILD / "lab"


def run_lab_command(args: argparse.Namespace, extra: list[str]) -> int:
    require_checkout()
    extras.require("lab", command="lab")
    folder = Path(args.folder).resolve() if args.folder else NOTEBOOKS
    if not folder.is_dir():
        raise UsageError(
            f"no folder {args.folder!r}. Name a folder of notebooks, and give "
            "JupyterLab's own options as --name=value (for example --port=8890)."
        )
    command = [
        sys.executable, "-c", JUPYTERLAB_MAIN, f"--ServerApp.root_dir={folder}",
        f"--LabApp.workspaces_dir={workspaces_dir(folder)}", *extra,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # Containers and CI machines often run as root; JupyterLab refuses
        # to start there unless told that this is intended.
        command.append("--allow-root")
    print("workbench: starting JupyterLab on", folder, flush=True)
    warm_up_setup()  # meanwhile, so the first lesson's setup() copies instead of migrating
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(filter(None, [str(kernel_data_dir()), os.environ.get("JUPYTER_PATH")]))}
    return run_in_foreground(command, cwd=folder, env=env)


def workspaces_dir(folder: Path) -> Path:
    """Where JupyterLab keeps the open tabs and layout for ``folder``: one place per folder."""
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return LAB_STATE / "workspaces" / f"{folder.name}-{key}"


def kernel_data_dir() -> Path:
    """A Jupyter data folder whose ``python3`` kernel loads the workbench extension at start.

    Put first on ``JUPYTER_PATH``, it shadows the environment's own ``python3``
    kernelspec for this JupyterLab only: the same Python, plus ``--ext workbench``.
    """
    folder = LAB_STATE / "jupyter"
    spec = folder / "kernels" / KERNELSPEC["name"] / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--ext", "workbench"],
        "display_name": KERNELSPEC["display_name"],
        "language": KERNELSPEC["language"],
        "metadata": {"debugger": True},
    }, indent=1))
    return folder


def run_in_foreground(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Run a server until it exits, as if it were this process.

    SIGTERM (a test, a container stopping) is passed on, so the server shuts
    its kernels down instead of being orphaned. Ctrl-C reaches the server
    directly (same process group); JupyterLab then asks to confirm, so this
    process keeps waiting rather than killing it.
    """
    process = subprocess.Popen(command, cwd=cwd, env=env)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)


def warm_up_setup() -> subprocess.Popen[bytes]:
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


def add_command(commands: argparse._SubParsersAction) -> None:
    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on the lessons, or on a folder of notebooks",
        description="Start JupyterLab on notebooks/ (or FOLDER, e.g. the student versions in "
        "build/student). Further arguments go to JupyterLab, written --name=value.",
    )
    lab.add_argument("folder", nargs="?", help="folder to open (default: notebooks/)")
    lab.set_defaults(handler=run_lab_command, passes_extra=True)
