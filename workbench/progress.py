"""Live progress: each ``check()`` verdict, sent to the workshop server for the room's grid.

When the learner's environment names the workshop server and the learner's
token (``WORKBENCH_PROGRESS_URL`` and ``WORKBENCH_PROGRESS_TOKEN``, see
``workbench.environment``), every check reports which exercise, which check,
its verdict, and the hint shown on a failure. Nothing of the learner's (their
code, what it returned or raised, the cell's output) is ever sent.

Reporting never breaks or delays the kernel. ``check()`` only puts the result
on a bounded queue; a daemon thread owns the WebSocket (``ws/progress/report/``
on that server), connecting with short timeouts and backing off while the
server is away. Results wait in the queue meanwhile (the oldest are dropped
when it is full) and go out, in order, once it is back; each failure is
counted and noted (``reporter().status()``), never raised into a cell. A
token the server refuses stops the reporting for this kernel.

Without those two variables nothing happens, and nothing is imported.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .environment import PROGRESS_TOKEN_ENV, PROGRESS_URL_ENV

REPORT_PATH = "/ws/progress/report/"
QUEUE_SIZE = 1000
CONNECT_TIMEOUT = 2.0  # seconds for the TCP connection, the handshake and the welcome
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # between attempts while the server is away
EXIT_FLUSH = 1.0  # seconds a finishing process waits for its last results
NOTES = 20
UNKNOWN_EXERCISE = "unknown"


def result_frame(*, exercise: str, check: str, passed: bool, hint: str = "") -> str:
    """The ``progress.result`` frame of one check run: the instructor's words and a verdict, nothing else."""
    data = {"exercise": exercise, "check": check, "passed": passed, "hint": "" if passed else hint}
    return json.dumps({"type": "progress.result", "data": data})


def hello_frame(token: str) -> str:
    return json.dumps({"type": "progress.hello", "data": {"token": token}})


def report_url(server_url: str) -> tuple[str, str]:
    """``(WebSocket URL of the report socket, Origin)`` for a server URL such as ``http://10.0.0.5:8000``."""
    parts = urlsplit(server_url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(
            f"{PROGRESS_URL_ENV}={server_url!r} is not a server URL; give the workshop server's address, "
            "e.g. http://10.0.0.5:8000."
        )
    origin = urlunsplit(("https" if scheme == "wss" else "http", parts.netloc, "", "", ""))
    path = parts.path.rstrip("/") + REPORT_PATH
    return urlunsplit((scheme, parts.netloc, path, "", "")), origin


def current_exercise() -> str:
    """The name of the notebook this kernel runs (its file name without ``.ipynb``), if anyone says.

    JupyterLab, Jupyter Server and JupyterHub tell the kernel in
    ``JPY_SESSION_NAME`` (IPython also sets ``__session__``); VS Code sets
    ``__vsc_ipynb_file__``. A plain script is named after its file.
    """
    named = os.environ.get("JPY_SESSION_NAME")
    if not named and "IPython" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
        namespace = getattr(shell, "user_ns", None) or {}
        named = namespace.get("__session__") or namespace.get("__vsc_ipynb_file__")
    if not named and sys.argv and sys.argv[0] not in ("", "-c", "-m") and "ipykernel" not in sys.argv[0]:
        named = sys.argv[0]
    if not named or not isinstance(named, str):
        return UNKNOWN_EXERCISE
    name = Path(named).name
    return name[: -len(".ipynb")] if name.endswith(".ipynb") else Path(name).stem or UNKNOWN_EXERCISE


@dataclass(frozen=True)
class ReporterStatus:
    """What a reporter has done: results sent, waiting, dropped, and its last notes."""

    url: str
    connected: bool
    sent: int
    queued: int
    dropped: int
    refused: bool
    notes: tuple[str, ...]


class ReportRefused(Exception):
    """The server answered the hello with an error (a wrong token): trying again cannot help."""


class Reporter:
    """Sends check results to one workshop server from a daemon thread; ``submit`` never blocks or raises."""

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        queue_size: int = QUEUE_SIZE,
        connect_timeout: float = CONNECT_TIMEOUT,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.url, self.origin = report_url(server_url)
        self._token = token
        self._queue: queue.Queue[str] = queue.Queue(queue_size)
        self._connect_timeout = connect_timeout
        self._retry_delays = retry_delays
        self._notes: collections.deque[str] = collections.deque(maxlen=NOTES)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: Any = None
        self.sent = 0
        self.dropped = 0
        self.refused = False

    # -- the kernel's side: never blocks, never raises ------------------------

    def submit(self, *, exercise: str, check: str, passed: bool, hint: str = "") -> None:
        if self.refused or self._stopping.is_set():
            self.dropped += 1
            return
        frame = result_frame(exercise=exercise, check=check, passed=passed, hint=hint)
        with self._lock:
            while True:
                try:
                    self._queue.put_nowait(frame)
                    self._in_flight += 1
                    break
                except queue.Full:
                    try:
                        self._queue.get_nowait()  # the oldest result gives way to the newest
                        self._in_flight -= 1
                        self.dropped += 1
                    except queue.Empty:
                        pass
            if self.dropped and self.dropped % 100 == 1:
                self._note(f"the queue is full ({self._queue.maxsize} results): the oldest are dropped")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="workbench-progress", daemon=True)
                self._thread.start()

    def status(self) -> ReporterStatus:
        with self._lock:
            return ReporterStatus(
                url=self.url, connected=self._connection is not None, sent=self.sent, queued=self._in_flight,
                dropped=self.dropped, refused=self.refused, notes=tuple(self._notes),
            )

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every submitted result to be sent (or dropped); True if all were."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        """Stop the thread (it closes its connection itself, so this never waits); results not sent yet are dropped."""
        self._stopping.set()

    # -- the thread's side ------------------------------------------------------

    def _note(self, text: str) -> None:
        self._notes.append(f"{time.strftime('%H:%M:%S')} {text}")

    def _done_with_one(self, *, sent: bool) -> None:
        with self._idle:
            self._in_flight -= 1
            if sent:
                self.sent += 1
            else:
                self.dropped += 1
            self._idle.notify_all()

    def _run(self) -> None:
        try:
            self._deliver()
        finally:
            self._close_connection()
            self._drop_queued()

    def _deliver(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                frame = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            while True:
                if self.refused or self._stopping.is_set():
                    self._done_with_one(sent=False)
                    self._drop_queued()
                    break
                try:
                    self._send(frame)
                except ReportRefused as exc:
                    self.refused = True
                    self._note(f"the server refused this notebook's token, so reporting stops: {exc}")
                except Exception as exc:  # the server is away, restarting, or the network is down
                    self._close_connection()
                    delay = self._retry_delays[min(failures, len(self._retry_delays) - 1)]
                    failures += 1
                    if failures == 1 or failures % 10 == 0:
                        self._note(f"cannot reach {self.url} ({type(exc).__name__}: {exc}); trying again in {delay:g} s")
                    self._stopping.wait(delay)
                else:
                    if failures:
                        self._note(f"reporting to {self.url} again after {failures} failed attempts")
                    failures = 0
                    self._done_with_one(sent=True)
                    break

    def _send(self, frame: str) -> None:
        if self._connection is None:
            self._connection = self._connect()
        self._connection.send(frame)
        self._read_errors(self._connection)

    def _connect(self) -> Any:
        from websockets.sync.client import connect
        from websockets.typing import Origin

        with contextlib.ExitStack() as stack:
            # Entered as a context manager (websockets 17 asks for it); closed by _close_connection.
            connection = stack.enter_context(
                connect(
                    self.url, origin=Origin(self.origin), open_timeout=self._connect_timeout, close_timeout=1,
                    max_size=2**16, compression=None,
                )
            )
            connection.send(hello_frame(self._token))
            answer = json.loads(connection.recv(timeout=self._connect_timeout))
            if answer.get("type") != "progress.welcome":
                detail = (answer.get("data") or {}).get("detail", answer)
                raise ReportRefused(str(detail))
            stack.pop_all()  # keep it open
        return connection

    def _read_errors(self, connection: Any) -> None:
        """Read what the server sent back (only errors) without waiting, so its frames never pile up."""
        while True:
            try:
                text = connection.recv(timeout=0)
            except TimeoutError:
                return
            try:
                frame = json.loads(text)
                self._note(f"the server answered: {frame['data']['code']}: {frame['data']['detail']}")
            except (ValueError, KeyError, TypeError):
                self._note(f"the server sent an unexpected frame: {str(text)[:100]!r}")

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing more to do with it
                connection.close()

    def _drop_queued(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
            self._done_with_one(sent=False)


_reporter: Reporter | None = None
_configured_for: tuple[str, str] | None = None
_reporter_lock = threading.Lock()


def reporter() -> Reporter | None:
    """This process's reporter, for the server and token in the environment now; None when they are unset."""
    global _reporter, _configured_for
    url, token = os.environ.get(PROGRESS_URL_ENV, "").strip(), os.environ.get(PROGRESS_TOKEN_ENV, "").strip()
    if not (url and token):
        return None
    with _reporter_lock:
        if _configured_for != (url, token):
            fresh = Reporter(url, token)  # a malformed URL raises here, before the old one goes
            if _reporter is not None:
                _reporter.close()
            _configured_for, _reporter = (url, token), fresh
            if not _exit_hook_registered:
                _register_exit_hook()
        return _reporter


_exit_hook_registered = False


def _register_exit_hook() -> None:
    global _exit_hook_registered
    _exit_hook_registered = True
    atexit.register(_flush_at_exit)


def _forget_in_child() -> None:
    # A forked child has the parent's reporter but not its thread: it starts its own on first use.
    global _reporter, _configured_for, _reporter_lock
    _reporter, _configured_for, _reporter_lock = None, None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _flush_at_exit() -> None:
    if _reporter is not None:
        _reporter.flush(EXIT_FLUSH)
        _reporter.close()


def report_check(what: str, passed: bool, hint: str) -> None:
    """Called by ``check()`` for every verdict: queue it for the workshop server, if one is set. Never raises."""
    try:
        current = reporter()
        if current is not None:
            current.submit(exercise=current_exercise(), check=what, passed=passed, hint=hint)
    except Exception:  # noqa: S110 - e.g. a malformed URL: a check's verdict matters more than its report
        pass
