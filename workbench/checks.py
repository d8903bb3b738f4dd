"""``check()``: exercise checks that answer "correct" or "not yet, and why".

A check runs a *probe* (a value, a function or a coroutine function), awaits
it when it is async, and compares what it found with what was expected. It
prints one line on success, and on failure what was expected, what was
found (or what the learner's code raised) and the exercise's hint. A wrong
answer never raises: a learner sees what to fix, not a traceback.

In a notebook, write every check as ``await workbench.check(...)``: async
probes then run on the kernel's own event loop (so they can await the ORM or
drive a consumer through a ``WebsocketCommunicator``), and sync probes work
the same way.

nbgrader's ``autograde`` gives a test cell its points unless the cell raises
or writes to stderr; since a check never raises, under nbgrader (which sets
``NBGRADER_EXECUTION`` in the kernel) a "not yet" report goes to stderr, so a
check cell with any failing check, hidden ones included, scores nothing there.
``workbench grade`` reads the reports themselves and scores each check.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import reprlib
import sys
import sysconfig
import traceback
from collections.abc import Awaitable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import is_async_context
from .environment import NBGRADER_EXECUTION_ENV
from .expect import format_exception_line, mask_addresses
from .progress import report_check

PASSED = "✔ Correct:"
NOT_YET = "✘ Not yet:"

_NOTHING: Any = type("Nothing", (), {"__repr__": lambda self: "<nothing>"})()

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 80
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 8
_short.maxlevel = 4


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check. It is truthy when the check passed.

    ``check()`` has already printed ``report``; showing the result again in a
    cell's output would print it twice, so it displays as nothing.
    """

    what: str
    passed: bool
    report: str

    def __bool__(self) -> bool:
        return self.passed

    def __await__(self) -> Generator[Any, None, CheckResult]:
        # ``await workbench.check(...)`` works for sync probes too, so every
        # check cell can be written the same way.
        return self
        yield

    def _ipython_display_(self) -> None:
        """Already printed by ``check()``: display nothing more."""


class PendingCheck:
    """A check whose probe is async: it runs when awaited, on the caller's loop."""

    def __init__(self, what: str, coroutine: Awaitable[CheckResult]) -> None:
        self.what = what
        self._coroutine = coroutine

    def __await__(self) -> Generator[Any, None, CheckResult]:
        return self._coroutine.__await__()

    def __repr__(self) -> str:
        return (
            f"<check {self.what!r} has not run: its probe is async, so write "
            "`await workbench.check(...)`>"
        )


def check(
    what: str,
    probe: Any,
    *,
    expected: Any = _NOTHING,
    hint: str,
    timeout: float = 10,
) -> CheckResult | PendingCheck:
    """Check one part of an exercise and print ✔ or "✘ Not yet" with ``hint``.

    ``probe`` is called with no arguments if it is callable; a coroutine (or
    any awaitable) it returns is awaited, for at most ``timeout`` seconds.
    With ``expected``, the result must equal it; without, the probe passes
    unless it raises (``assert cond, "message"`` inside a probe reports the
    message). Inside a running event loop (a notebook cell) an async probe
    makes ``check`` return an awaitable: write ``await workbench.check(...)``.
    """
    if not isinstance(what, str) or not what.strip():
        raise TypeError(f"check() needs `what`, a sentence saying what is checked; got {what!r}.")
    if not isinstance(hint, str) or not hint.strip():
        raise TypeError(
            f"check({what!r}) needs a `hint`: one sentence that helps a learner "
            f"whose answer is not right yet; got {hint!r}."
        )
    try:
        found = probe() if callable(probe) else probe
    except Exception as exc:  # the learner's code failed: report, don't raise
        return _finish(what, _problem_from(exc), hint)
    if inspect.isawaitable(found):
        coroutine = _judge_later(what, found, expected, hint, timeout)
        if is_async_context():
            return PendingCheck(what, coroutine)
        # No loop runs on this thread (a script, a plain test): run one here.
        return asyncio.run(coroutine)
    return _finish(what, _compare(found, expected), hint)


async def _judge_later(
    what: str, awaitable: Awaitable[Any], expected: Any, hint: str, timeout: float
) -> CheckResult:
    # Runs in the caller's task on its event loop (in a notebook: the
    # kernel's own), so the probe may await the ORM, a communicator, or
    # anything else there.
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            found = await awaitable
    except TimeoutError as exc:
        if not deadline.expired():  # the learner's own code timed out (e.g. a receive)
            return _finish(what, _problem_from(exc), hint)
        problem = f"no answer after {timeout:g} s: something waits for an event that never comes."
        return _finish(what, problem, hint)
    except asyncio.CancelledError as exc:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the check itself is being stopped (an interrupted cell): let it stop
        # Something the learner's code awaited was cancelled, typically while
        # cleaning up after an earlier error (a communicator's disconnect()
        # after its receive timed out): report that earlier error.
        cause = exc.__context__ if isinstance(exc.__context__, Exception) else exc
        return _finish(what, _problem_from(cause), hint)
    except Exception as exc:
        return _finish(what, _problem_from(exc), hint)
    return _finish(what, _compare(found, expected), hint)


def _finish(what: str, problem: str | None, hint: str) -> CheckResult:
    if problem is None:
        report = f"{PASSED} {what}"
    else:
        lines = [f"{NOT_YET} {what}"]
        lines += ["    " + line for line in problem.splitlines()]
        lines.append(f"    hint: {hint}")
        report = "\n".join(lines)
    under_nbgrader = problem is not None and os.environ.get(NBGRADER_EXECUTION_ENV)
    print(report, file=sys.stderr if under_nbgrader else sys.stdout, flush=True)
    # In a workshop, the verdict (never the learner's code or what it returned) goes to the room's grid.
    report_check(what, problem is None, hint)
    return CheckResult(what=what, passed=problem is None, report=report)


def _compare(found: Any, expected: Any) -> str | None:
    """None if ``found`` is right, else what to tell the learner."""
    if inspect.isawaitable(found):
        if inspect.iscoroutine(found):
            found.close()  # it will never run; close it without a second warning
        return (
            "found a coroutine object instead of a value: something in your code "
            "is missing an `await`."
        )
    if expected is _NOTHING:
        return None
    try:
        if bool(found == expected):
            return None
    except Exception as exc:
        return f"comparing your result with the expected one raised {format_exception_line(exc)}"
    shown_found, shown_expected = show(found), show(expected)
    if (
        type(found) is not type(expected)
        and found is not None
        and expected is not None
        and not _is_queryset(found)
    ):
        # '3' and 3, or a tuple and a list: the types are the difference.
        shown_found = f"{type(found).__name__} {shown_found}"
        shown_expected = f"{type(expected).__name__} {shown_expected}"
    lines = [f"expected: {shown_expected}", f"found:    {shown_found}"]
    if _is_queryset(found):
        lines.append(
            "note:     a QuerySet is a query not yet run; evaluate it in async code, "
            "e.g. [book async for book in queryset]."
        )
    return "\n".join(lines)


def show(value: Any) -> str:
    """A short, one-line repr (no memory addresses), safe for any value."""
    if _is_queryset(value):
        return f"<unevaluated QuerySet of {value.model.__name__}>"
    try:
        text = _short.repr(value)
    except Exception as exc:  # e.g. a repr that runs a query
        text = f"<{type(value).__name__}: its repr raised {type(exc).__name__}>"
    return mask_addresses(text)


def _is_queryset(value: Any) -> bool:
    query_module = sys.modules.get("django.db.models.query")
    return query_module is not None and isinstance(value, query_module.QuerySet)


def _problem_from(exc: BaseException) -> str:
    """Explain an exception raised by the learner's code (or a probe's assert)."""
    where = _where(exc)
    at = f" ({where})" if where else ""
    if isinstance(exc, NotImplementedError):
        return f"not written yet{at}: replace `raise NotImplementedError()` with your code."
    if type(exc).__name__ == "SynchronousOnlyOperation":
        return (
            f"your code made a sync database call in async code{at}: SynchronousOnlyOperation.\n"
            "Await an a-method, load relations up front with select_related or\n"
            "prefetch_related, or run sync code with sync_to_async."
        )
    if isinstance(exc, AssertionError):
        if str(exc):
            return str(exc)
        frames = traceback.extract_tb(exc.__traceback__)
        line = frames[-1].line if frames else ""
        return f"this condition does not hold: `{line}`" if line else "a condition of this check does not hold."
    return f"your code raised {format_exception_line(exc)}{at}"


_LIBRARY_ROOTS = tuple(
    {str(Path(p).resolve()) for key in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_path(key))}
    | {str(Path(__file__).resolve().parent)}
)


def _where(exc: BaseException) -> str:
    """``in name(), line N of its cell`` for the innermost frame of the learner's code."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = frame.filename
        if filename.startswith("<frozen") or str(Path(filename).resolve()).startswith(_LIBRARY_ROOTS):
            continue
        name = f"{frame.name}()" if frame.name != "<module>" else "the cell"
        if "ipykernel_" in filename or filename.startswith("<ipython-input"):
            return f"in {name}, line {frame.lineno} of its cell"
        return f"in {name}, {Path(filename).name} line {frame.lineno}"
    return ""
