"""``expect()``: show a real error in a lesson, and fail if it stops happening.

nbval's ``raises-exception`` tag lets a cell fail but does not require it to,
so a lesson demonstrating an error would keep passing after a library fixed
(or changed) that error. ``expect`` turns the demonstration into a check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import TracebackType

from .errors import ExpectationFailed

# Text that differs between runs or machines; stored outputs must not:
# object addresses, thread idents (Django's thread-sharing check prints
# them) and the C source line of an error raised by CPython's own modules,
# such as "(_ssl.c:1006)", which changes between Python releases.
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")
_THREAD_ID = re.compile(r"(thread id) \d+")
_C_SOURCE_LINE = re.compile(r" \(\w+\.c:\d+\)")


class expect:  # noqa: N801 - used like a function: ``with expect(TypeError):``
    """Context manager (``with`` and ``async with``) that requires an error.

    On the expected error it prints ``ExceptionName: message`` (addresses
    masked, so the output is stable) and swallows it; the exception is kept in
    ``.value``. If nothing is raised, a different exception is raised, or the
    message does not match the ``match`` regular expression, the cell fails with
    ``ExpectationFailed`` saying what was expected and what happened instead.

    ``show``, when given, replaces the printed ``Name: message`` with
    ``show(exc)`` (addresses and thread idents still masked): for errors whose
    own message is unstable, such as Pydantic's ``ValidationError``, whose text
    contains a documentation link with the installed Pydantic version.
    ``match`` is still checked against ``str(exc)``.
    """

    def __init__(
        self,
        exc_type: type[BaseException] | tuple[type[BaseException], ...],
        match: str | None = None,
        *,
        show: Callable[[BaseException], str] | None = None,
    ) -> None:
        self.exc_type = exc_type
        self.match = match
        self.show = show
        self.value: BaseException | None = None

    def __enter__(self) -> expect:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        expected = self._expected_name()
        if exc is None:
            raise ExpectationFailed(
                f"expected {expected} to be raised, but the block finished without "
                "an error. The behaviour this cell demonstrates has changed: check "
                "the installed library versions and update the lesson."
            )
        if not isinstance(exc, self.exc_type):
            if not isinstance(exc, Exception):
                return False  # KeyboardInterrupt, SystemExit: let them through.
            raise ExpectationFailed(
                f"expected {expected}, but {type(exc).__name__} was raised: {exc}"
            ) from exc
        message = str(exc)
        if self.match is not None and not re.search(self.match, message):
            raise ExpectationFailed(
                f"{type(exc).__name__} was raised as expected, but its message "
                f"{message!r} does not match {self.match!r}."
            ) from exc
        self.value = exc
        if self.show is None:
            print(format_exception_line(exc))
        else:
            print(mask_unstable(str(self.show(exc))))
        return True

    async def __aenter__(self) -> expect:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return self.__exit__(exc_type, exc, tb)

    def _expected_name(self) -> str:
        types = self.exc_type if isinstance(self.exc_type, tuple) else (self.exc_type,)
        return " or ".join(t.__name__ for t in types)


def mask_addresses(text: str) -> str:
    """``text`` with memory addresses (``0x7f…``) masked, so outputs repeat exactly."""
    return _ADDRESS.sub("0x…", text)


def mask_unstable(text: str) -> str:
    """``text`` with memory addresses and thread idents masked, C source lines dropped."""
    text = mask_addresses(text)
    text = _THREAD_ID.sub(r"\1 …", text)
    return _C_SOURCE_LINE.sub("", text)


def format_exception_line(exc: BaseException) -> str:
    """``Name: message`` with memory addresses and thread idents masked, C source lines dropped."""
    message = mask_unstable(str(exc))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
