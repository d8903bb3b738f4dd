"""The ``workbench`` command: one sub-command per tool, each defined in its own module.

Each sub-command is a thin, documented door to a kept tool: JupyterLab,
pytest (with nbval for the lessons), nbclient, Sphinx (with MyST-NB),
uvicorn, and json-schema-to-typescript with tsc. A ``WorkbenchError`` (a
missing extra, a wrong argument, a server that is down) ends the command
with its one-sentence message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import WorkbenchError
from . import docs, doctor, execution, exercises, grade, lab, student, testing, typescript, workshop

# In the order `workbench --help` lists them.
COMMAND_MODULES = (lab, testing, exercises, execution, student, grade, docs, doctor, typescript, workshop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Async Django Workbench: lessons that run real Django + Channels code.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "check":
        print("workbench: `workbench check` is now `workbench verify` (same command).", file=sys.stderr, flush=True)
    try:
        return int(args.handler(args, extra))
    except WorkbenchError as exc:
        print(f"workbench {args.command}: {exc}", file=sys.stderr)
        return int(getattr(exc, "status", 1))
