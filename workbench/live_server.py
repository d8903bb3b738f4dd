"""``serve()``: the project's real ASGI app on a live server in a background thread.

The server thread runs its own event loop; the notebook's cells keep theirs.
Clients (``websockets``, a browser) connect over loopback, exactly as they
would to a deployed site. Consumers live on the *server's* loop, so work that
talks to them from a cell (``group_send``) must be handed to that loop:
``await live.call(coro)``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from .application import project_application
from .errors import WorkbenchError
from .sessions import login_cookies

R = TypeVar("R")
HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
ServerName = Literal["uvicorn", "daphne"]

_lock = threading.Lock()
_current: LiveServer | None = None  # the server the last serve() started
_daphne_started = False  # Twisted's reactor runs at most once per process


def serve(
    *, server: ServerName = "uvicorn", port: int = 0, application: Any = None
) -> LiveServer:
    """Start the project on ``http://127.0.0.1:<port>`` in a background thread.

    ``port=0`` picks a free port. Calling ``serve()`` again (re-running the
    cell) stops the previous server once the new one has its port (a port
    that cannot be had leaves the previous one running). ``server="daphne"``
    works once per process (Twisted cannot restart); uvicorn can start any
    number of times. ``application`` serves another ASGI app the same way
    (default: the project's).

    Both servers run with the transport limits of ``workbench.transport``:
    frames over the chat protocol's 64 KiB are refused unread (close 1009),
    request heads over 8 KiB or not complete within 5 s are refused, and
    uvicorn's stop answers every frame it has read before closing with 1012.
    """
    global _current
    if server not in ("uvicorn", "daphne"):
        raise ValueError(f"server={server!r} is not one of 'uvicorn', 'daphne'.")
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port={port!r} must be an int from 0 to 65535 (0 picks a free port).")
    with _lock:
        if application is None:
            application = project_application()
        previous = _current
        if previous is not None and port != 0 and port == previous.port:
            previous.stop()  # the new server wants its port: it must go first
            previous = _current = None
        try:
            runner = _UvicornRunner(application, port) if server == "uvicorn" else _DaphneRunner(application, port)
        except WorkbenchError as exc:
            if previous is not None and previous.running:
                raise WorkbenchError(f"{exc} The server already running ({previous.url}) keeps running.") from None
            raise
        if previous is not None:
            previous.stop()
            _current = None
        runner.start()
        _current = LiveServer(server, runner)
        return _current


class LiveServer:
    """A running server: its URLs, a way into its event loop, and ``stop()``."""

    def __init__(self, server: str, runner: _UvicornRunner | _DaphneRunner) -> None:
        self.server = server
        self.host = HOST
        self.port = runner.port
        self._runner = runner

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: pages, and the ``Origin`` a browser on them sends."""
        return f"http://{self.host}:{self.port}"

    def ws_url(self, path: str) -> str:
        """``ws://127.0.0.1:<port><path>`` for a WebSocket route such as ``/ws/chat/lobby/``."""
        if not path.startswith("/"):
            raise ValueError(f"path {path!r} must start with '/', e.g. '/ws/chat/lobby/'.")
        return f"ws://{self.host}:{self.port}{path}"

    @property
    def running(self) -> bool:
        return self._runner.running

    async def call(self, coro: Coroutine[Any, Any, R]) -> R:
        """Run ``coro`` on the server's event loop and await its result from here.

        Consumers, and the in-memory channel layer's queues they wait on,
        belong to the server's loop; ``group_send`` called straight from a cell
        would touch them from the wrong thread. ``await live.call(
        layer.group_send(...))`` hands it to the loop that owns them.
        """
        if not asyncio.iscoroutine(coro):
            raise TypeError(
                f"call() needs a coroutine object, e.g. live.call(notify_user(user, data)); got {coro!r}."
            )
        if not self.running:
            coro.close()
            raise WorkbenchError("this server is stopped; start one with workbench.serve().")
        future = asyncio.run_coroutine_threadsafe(coro, self._runner.loop)
        return await asyncio.wrap_future(future)

    async def login(self, user: Any) -> dict[str, str]:
        """Log ``user`` in with a real session; return the cookies a client sends to this server."""
        return await login_cookies(user)

    def stop(self) -> None:
        """Stop the server and wait for its thread (open WebSockets are closed). Idempotent."""
        self._runner.stop()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        # No port: stored lesson outputs must be the same on every run.
        state = "running" if self.running else "stopped"
        return f"<LiveServer {self.server} on {self.host} ({state})>"


class _UvicornRunner:
    """uvicorn in a thread with its own loop, on a socket bound before it starts."""

    def __init__(self, application: Any, port: int) -> None:
        import uvicorn

        from .transport import uvicorn_options

        self.socket = _bind(port)
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            application,
            lifespan="off",  # Django's ASGI handler does not implement the lifespan protocol
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=int(STOP_TIMEOUT // 2),
            # websockets' sans-I/O implementation (the legacy one is deprecated)
            # and h11, each with the limits the chat protocol needs.
            **uvicorn_options(),
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="workbench-uvicorn", daemon=True)

    def _run(self) -> None:
        # This thread only: the loop every consumer of this server runs on.
        # uvicorn installs signal handlers only on the main thread, so none here.
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))
        except BaseException as exc:  # reported by start() or stop()
            self.error = exc
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def start(self) -> None:
        self.thread.start()
        _wait_until(lambda: self.server.started or not self.thread.is_alive(), "uvicorn")
        if not self.server.started:
            self.socket.close()
            raise WorkbenchError(
                f"uvicorn did not start on {HOST} port {self.port}: {self.error!r}. "
                "Run workbench.serve() again; if it fails the same way, restart the kernel."
            )

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self.server.should_exit

    def stop(self) -> None:
        self.server.should_exit = True  # uvicorn's main loop checks it every 0.1 s
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(STOP_TIMEOUT)
        self.socket.close()


class _DaphneRunner:
    """Daphne (Twisted's reactor on an asyncio loop) in a thread: once per process."""

    def __init__(self, application: Any, port: int) -> None:
        global _daphne_started
        if _daphne_started:
            raise WorkbenchError(
                "daphne already ran in this process, and Twisted's reactor cannot be "
                "restarted (twisted.internet.error.ReactorNotRestartable). Use "
                "workbench.serve(server='uvicorn'), which restarts any number of times, "
                "or restart the kernel to run daphne again."
            )
        from daphne.server import Server  # installs Twisted's asyncio reactor

        from .transport import daphne_options

        _bind(port).close()  # a clear error now if the port is taken
        self.server = Server(
            application,
            endpoints=[f"tcp:port={port}:interface={HOST}"],
            signal_handlers=False,
            verbosity=0,
            **daphne_options(),
        )
        self.port = port
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="workbench-daphne", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()  # Twisted's reactor.run(), on this thread's asyncio loop
        except BaseException as exc:
            self.error = exc

    def start(self) -> None:
        global _daphne_started
        _daphne_started = True
        self.thread.start()
        _wait_until(
            lambda: self.server.listening_addresses or not self.thread.is_alive(), "daphne"
        )
        if not self.server.listening_addresses:
            raise WorkbenchError(
                f"daphne did not start on {HOST} port {self.port}: {self.error!r}. Twisted's reactor "
                "cannot start twice, so restart the kernel, or use workbench.serve(server='uvicorn')."
            )
        self.port = self.server.listening_addresses[0][1]
        from twisted.internet import reactor

        from .transport import limit_daphne_heads

        reactor.callFromThread(limit_daphne_heads, self.server)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        from twisted.internet import reactor

        return reactor._asyncioEventloop

    @property
    def running(self) -> bool:
        from twisted.internet import reactor

        return self.thread.is_alive() and reactor.running

    def stop(self) -> None:
        from twisted.internet import reactor

        if self.thread.is_alive():
            reactor.callFromThread(reactor.stop)  # type: ignore[misc]  # twisted types the module, not the installed reactor
            self.thread.join(STOP_TIMEOUT)


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise WorkbenchError(
            f"cannot listen on {HOST} port {port}: {exc.strerror}. Pass port=0 to use a free port."
        ) from None
    return sock


def _wait_until(ready: Callable[[], object], name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            raise WorkbenchError(
                f"{name} did not start within {START_TIMEOUT:.0f} s (a very busy machine?). "
                "Run workbench.serve() again; if it keeps failing, restart the kernel."
            )
        time.sleep(0.005)
