"""One base for every error the workbench raises: ``WorkbenchError``.

Each message says what happened, the offending value, and what to do next,
so a learner reading a cell's output has a next step rather than a traceback
to decode. Messages that several modules give are written here once.
"""

from __future__ import annotations


class WorkbenchError(RuntimeError):
    """The workbench cannot do what was asked; the message says what to do instead."""


class ServiceUnavailable(WorkbenchError):
    """A PostgreSQL or Redis server could not be found or started; the message says what to do."""


class ExpectationFailed(WorkbenchError, AssertionError):
    """The block under ``expect()`` did not raise the error the lesson shows.

    An ``AssertionError`` too, so pytest and nbval report it as a failed check.
    """


def cannot_reach(what: str, host: str, port: int) -> str:
    """The first sentence of every "that server is down" message: what, and where."""
    return f"Cannot reach the {what} server at {host}:{port} (nothing accepts connections there)."
