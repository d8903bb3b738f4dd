"""``capture_log()``: the records one logger emits inside a block, from every thread.

Django says some things only in its logs, and some only at ``DEBUG`` level:
"Asynchronous handler adapted for middleware ..." is a ``django.request``
debug record, written while a handler builds its middleware chain (and only
with ``DEBUG = True``). Django's default logging drops debug records (the
``django`` logger's level is ``INFO``), so the capture lowers the logger's
level for the block and restores it afterwards.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from .errors import WorkbenchError


class LogCapture(logging.Handler):
    """``with workbench.capture_log("django.request") as log:`` … then ``log.messages``.

    A logging handler on one logger for the length of a ``with`` block. Records
    from any thread are kept (a server thread's too), in the order they were
    emitted; they still reach the logger's other handlers as usual.
    """

    def __init__(self, name: str, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.logger_name = name
        self.records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()
        self._logger = logging.getLogger(name)
        self._saved_level: int | None = None

    @property
    def messages(self) -> list[str]:
        """Each record's message, its arguments filled in."""
        with self._records_lock:
            return [record.getMessage() for record in self.records]

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def __enter__(self) -> LogCapture:
        if self._saved_level is not None:
            raise WorkbenchError(f"this capture of {self.logger_name!r} is already open; use a new capture_log() for each block.")
        self._saved_level = self._logger.level
        if self._logger.getEffectiveLevel() > self.level:
            self._logger.setLevel(self.level)  # let records at this level be created at all
        self._logger.addHandler(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._logger.removeHandler(self)
        if self._saved_level is not None:
            self._logger.setLevel(self._saved_level)
        self._saved_level = None

    def __repr__(self) -> str:
        return f"<LogCapture {self.logger_name!r}: {len(self.records)} records>"


def capture_log(name: str = "django.request", level: int | str = logging.DEBUG) -> LogCapture:
    """Capture what logger ``name`` emits at ``level`` or above inside a ``with`` block.

    ``level`` is a number or a name (``"DEBUG"``, ``"INFO"``…). The default,
    ``django.request`` at ``DEBUG``, catches Django's "Asynchronous handler
    adapted for middleware ..." messages (logged only while ``DEBUG = True``).
    """
    if isinstance(level, str):
        number = logging.getLevelName(level.upper())
        if not isinstance(number, int):
            raise ValueError(f"level={level!r} is not a logging level: use DEBUG, INFO, WARNING, ERROR or CRITICAL.")
        level = number
    if not name:
        raise ValueError("name must be a logger's name, e.g. 'django.request' (the root logger is not captured here).")
    return LogCapture(name, level)
