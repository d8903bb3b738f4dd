"""Async Django Workbench: run a real Django + Channels project inside a notebook.

This package is the in-kernel runtime that lessons import; ``import
workbench`` configures nothing and imports no Django models. Call
``workbench.setup()`` in a lesson's first cell. ``%load_ext workbench`` adds
the ``%%sync`` and ``%context`` magics. What a shell runs (the ``workbench``
command) lives in ``workbench.tooling``, which this package never imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bootstrap import Workbench, setup
from .checks import CheckResult, check
from .cleanup import stop_servers
from .communicators import communicator
from .context import ContextReport, describe_context, is_async_context, run_sync
from .databases import ExtraDatabase, add_database
from .errors import ExpectationFailed, ServiceUnavailable, WorkbenchError
from .expect import expect
from .layer_groups import group_members
from .live_server import LiveServer, serve
from .logs import LogCapture, capture_log
from .paths import lesson_file
from .probes import LoopLagProbe, loop_lag
from .pytest_run import PytestRun, run_pytest
from .services import LocalServer, LocalService, start_postgres, start_redis
from .trace import Trace, trace
from .waiting import wait_until

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .endpoints import LocalEndpoint, local_endpoint

# Loaded on first use: http.server and its email parsing cost a fresh process about 10 ms,
# and most lessons never start a local endpoint.
_LAZY = {"LocalEndpoint": "endpoints", "local_endpoint": "endpoints"}

__all__ = [
    "CheckResult",
    "ContextReport",
    "ExpectationFailed",
    "ExtraDatabase",
    "LiveServer",
    "LocalEndpoint",
    "LocalServer",
    "LocalService",
    "LogCapture",
    "LoopLagProbe",
    "PytestRun",
    "ServiceUnavailable",
    "Trace",
    "Workbench",
    "WorkbenchError",
    "add_database",
    "capture_log",
    "check",
    "communicator",
    "describe_context",
    "expect",
    "group_members",
    "is_async_context",
    "lesson_file",
    "local_endpoint",
    "loop_lag",
    "run_pytest",
    "run_sync",
    "serve",
    "setup",
    "start_postgres",
    "start_redis",
    "stop_servers",
    "trace",
    "wait_until",
]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Called by ``%load_ext workbench`` (and by ``setup()`` in IPython): add ``%%sync`` and
    ``%context``, and one-line next steps for out-of-order mistakes (``workbench.hints``)."""
    from . import hints, magics

    magics.register(ipython)
    hints.install(ipython)


def __getattr__(name: str) -> object:
    """``workbench.local_endpoint`` and ``LocalEndpoint``, imported the first time they are asked for."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

