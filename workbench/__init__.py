"""Async Django Workbench: run a real Django + Channels project inside a notebook.

``import workbench`` configures nothing and imports no Django models; call
``workbench.setup()`` in a lesson's first cell. ``%load_ext workbench`` adds
the ``%%sync`` and ``%context`` magics.
"""

from .bootstrap import Workbench, WorkbenchError, setup
from .context import ContextReport, describe_context, is_async_context, run_sync
from .expect import ExpectationFailed, expect
from .slow_endpoint import SlowEndpoint, slow_endpoint
from .trace import Trace, trace

__all__ = [
    "ContextReport",
    "ExpectationFailed",
    "SlowEndpoint",
    "Trace",
    "Workbench",
    "WorkbenchError",
    "describe_context",
    "expect",
    "is_async_context",
    "run_sync",
    "setup",
    "slow_endpoint",
    "trace",
]


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's hook
    """Called by ``%load_ext workbench``: register ``%%sync`` and ``%context``."""
    from .magics import register

    register(ipython)
