"""A next step instead of a traceback, for the mistakes a learner makes with a notebook.

Running cells out of order or twice is normal in a notebook, and Django's own
errors for it give no next step that fits a lesson (a model imported before
``workbench.setup()`` says "define the environment variable
DJANGO_SETTINGS_MODULE or call settings.configure()", which is the wrong
advice here). The ``workbench`` IPython extension installs this handler: for
those errors a cell shows one line saying what to run, and ``%tb`` still shows
the whole traceback. Every other error is shown exactly as IPython shows it.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

from .errors import WorkbenchError

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

NOT_SET_UP = (
    "Django is not set up in this kernel yet: run `workbench.setup()` first (the lesson's first cell), "
    "then this cell again."
)
ALREADY_RUN = (
    "This cell has probably run before, so the rows it creates exist already. Re-run the lesson's first "
    "cell (workbench.setup() empties every table), then the cells after it."
)
FULL_TRACEBACK = "(%tb shows the full traceback.)"


def django_is_set_up() -> bool:
    """Whether ``django.setup()`` has run in this process (without importing anything new)."""
    apps = sys.modules.get("django.apps")
    return apps is not None and apps.apps.ready


def next_step(error: BaseException) -> str | None:
    """The one line to show for ``error``, or None when IPython's own traceback is the right answer."""
    name = type(error).__name__
    if isinstance(error, WorkbenchError):
        return f"{name}: {error}"
    if name in ("AppRegistryNotReady", "ImproperlyConfigured") and not django_is_set_up():
        return f"{name}: {NOT_SET_UP}"
    if name == "IntegrityError" and any(
        words in str(error) for words in ("UNIQUE constraint failed", "duplicate key value")
    ):
        return f"{name}: {error}\n{ALREADY_RUN}"
    return None


def _handler(
    shell: InteractiveShell,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    # Runs on the kernel's main thread, inside IPython's run_code, for the
    # exception types registered below. run_code ignores what a handler
    # returns: the handler shows the error itself.
    line = next_step(value)
    if line is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)  # exactly as without this handler
        return []
    # What showtraceback() would remember, so that %tb shows the whole traceback.
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = value
    stb = [f"{line} {FULL_TRACEBACK}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install(shell: InteractiveShell) -> None:
    """Show ``next_step`` lines in ``shell`` for the workbench's errors and Django's out-of-order ones."""
    from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
    from django.db.utils import IntegrityError

    # IPython calls the handler as handler(shell, etype, value, tb, tb_offset=None).
    handled: tuple[type[BaseException], ...] = (WorkbenchError, AppRegistryNotReady, ImproperlyConfigured, IntegrityError)
    shell.set_custom_exc(handled, _handler)
