"""Async Django Workbench: run a real Django + Channels project inside a notebook.

``import workbench`` configures nothing and imports no Django models; call
``workbench.setup()`` in a lesson's first cell. ``%load_ext workbench`` adds
the ``%%sync`` and ``%context`` magics.
"""

from .bootstrap import Workbench, WorkbenchError, setup
from .checks import CheckResult, check
from .communicators import communicator
from .context import ContextReport, describe_context, is_async_context, run_sync
from .endpoints import LocalEndpoint, local_endpoint
from .expect import ExpectationFailed, expect
from .probes import LoopLagProbe, loop_lag
from .server import LiveServer, serve
from .services import LocalServer, ServiceUnavailable, start_postgres, start_redis
from .trace import Trace, trace

__all__ = [
    "CheckResult",
    "ContextReport",
    "ExpectationFailed",
    "LiveServer",
    "LocalEndpoint",
    "LocalServer",
    "LoopLagProbe",
    "ServiceUnavailable",
    "Trace",
    "Workbench",
    "WorkbenchError",
    "check",
    "communicator",
    "describe_context",
    "expect",
    "is_async_context",
    "local_endpoint",
    "loop_lag",
    "run_sync",
    "serve",
    "setup",
    "start_postgres",
    "start_redis",
    "trace",
]


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's hook
    """Called by ``%load_ext workbench``: register ``%%sync`` and ``%context``."""
    from .magics import register

    register(ipython)
