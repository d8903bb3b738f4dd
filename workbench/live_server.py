"""``serve()``: the project's real ASGI app on a live server in a background thread.

The server thread runs its own event loop; the notebook's cells keep theirs.
Clients (``websockets``, a browser) connect over loopback, exactly as they
would to a deployed site. Consumers live on the *server's* loop, so work that
talks to them from a cell (``group_send``) must be handed to that loop:
``await live.call(coro)``.

``serve(server="wsgi")`` runs the project's WSGI app instead, on Django's own
threaded development server (what ``manage.py runserver`` runs for this
project): one thread per request, no event loop of its own, no WebSockets.
An ASGI server and a WSGI server can run side by side.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from .application import project_application, project_wsgi_application
from .cleanup import forget, track
from .errors import WorkbenchError
from .sessions import login_cookies

R = TypeVar("R")
HOST = "127.0.0.1"
START_TIMEOUT = 10.0
# How long a stop lets open sockets drain (answer what was read, then 1012) before
# cutting them off: as long as the workshop server's, since a loaded laptop can take
# seconds for what an idle one drains in 0.1 s. STOP_TIMEOUT bounds the whole stop.
DRAIN_GRACE = 5
STOP_TIMEOUT = DRAIN_GRACE + 3.0
ServerName = Literal["uvicorn", "daphne", "wsgi"]
SERVERS = ("uvicorn", "daphne", "wsgi")
WSGI_POLL_INTERVAL = 0.05  # how often the WSGI server's loop checks for stop(), in seconds

_lock = threading.Lock()
_current: dict[str, LiveServer] = {}  # interface ("asgi" or "wsgi") -> the server the last serve() started
_daphne_started = False  # Twisted's reactor runs at most once per process


def serve(
    *, server: ServerName = "uvicorn", port: int = 0, application: Any = None
) -> LiveServer:
    """Start the project on ``http://127.0.0.1:<port>`` in a background thread.

    ``port=0`` picks a free port. Calling ``serve()`` again (re-running the
    cell) stops the previous server of the same interface, once the new one
    has its port (a port that cannot be had leaves the previous one running):
    uvicorn and daphne (ASGI) replace each other, ``"wsgi"`` replaces the
    previous WSGI server, and one of each can run side by side.
    ``server="daphne"`` works once per process (Twisted cannot restart);
    uvicorn and ``"wsgi"`` start any number of times. ``server="wsgi"`` serves
    the project's WSGI app on Django's threaded development server
    (``manage.py runserver``'s). ``application`` serves another app the same
    way (default: the project's ASGI app, or its WSGI app for ``"wsgi"``).

    The ASGI servers run with the transport limits of ``workbench.transport``:
    frames over the chat protocol's 64 KiB are refused unread (close 1009),
    request heads over 8 KiB or not complete within 5 s are refused, and
    uvicorn's stop answers every frame it has read before closing with 1012.
    """
    if server not in SERVERS:
        raise ValueError(f"server={server!r} is not one of {', '.join(map(repr, SERVERS))}.")
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port={port!r} must be an int from 0 to 65535 (0 picks a free port).")
    interface = "wsgi" if server == "wsgi" else "asgi"
    with _lock:
        previous = _current.get(interface)
        if previous is not None and port != 0 and port == previous.port:
            previous.stop()  # the new server wants its port: it must go first
            previous = None
            _current.pop(interface, None)
        runner: _Runner
        try:
            if server == "wsgi":
                runner = _WsgiRunner(project_wsgi_application() if application is None else application, port)
            else:
                if application is None:
                    application = project_application()
                runner = _UvicornRunner(application, port) if server == "uvicorn" else _DaphneRunner(application, port)
        except WorkbenchError as exc:
            if previous is not None and previous.running:
                raise WorkbenchError(f"{exc} The server already running ({previous.url}) keeps running.") from None
            raise
        if previous is not None:
            previous.stop()
            _current.pop(interface, None)
        runner.start()
        live = _current[interface] = LiveServer(server, runner)
        track(live)
        return live


class LiveServer:
    """A running server: its URLs, a way into its event loop, and ``stop()``."""

    def __init__(self, server: str, runner: _Runner) -> None:
        self.server = server
        self.interface = "wsgi" if isinstance(runner, _WsgiRunner) else "asgi"
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
        if self.interface == "wsgi":
            raise WorkbenchError(
                f"a WSGI server speaks no WebSocket, so it has no ws:// URL for {path!r}: "
                "WebSockets need ASGI; use workbench.serve() (uvicorn) for them."
            )
        return f"ws://{self.host}:{self.port}{path}"

    @property
    def running(self) -> bool:
        """Whether the server thread is still serving (False after ``stop()``)."""
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
        if isinstance(self._runner, _WsgiRunner):
            coro.close()
            raise WorkbenchError(
                "a WSGI server has no event loop to run a coroutine on (each async view gets a "
                "one-off loop of its own); use call() on an ASGI server: workbench.serve()."
            )
        future = asyncio.run_coroutine_threadsafe(coro, self._runner.loop)
        return await asyncio.wrap_future(future)

    async def login(self, user: Any) -> dict[str, str]:
        """Log ``user`` in with a real session; return the cookies a client sends to this server."""
        return await login_cookies(user)

    def stop(self) -> None:
        """Stop the server and wait for its thread (open WebSockets are closed). Idempotent."""
        self._runner.stop()
        forget(self)

    close = stop  # what workbench.stop_servers() calls on everything it stops

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
            timeout_graceful_shutdown=DRAIN_GRACE,
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


class _WsgiRunner:
    """Django's threaded WSGI development server (``runserver``'s) in a thread: one thread per request."""

    def __init__(self, application: Any, port: int) -> None:
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, is_broken_pipe_error

        class QuietRequestHandler(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the stdlib's name
                """No access log: a notebook's stored outputs must not change with each request."""

        class QuietServer(ThreadedWSGIServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                """A client that went away mid-answer is normal here; other errors are printed as usual."""
                if not is_broken_pipe_error():
                    super().handle_error(request, client_address)

        try:
            self.server = QuietServer((HOST, port), QuietRequestHandler)
        except OSError as exc:
            raise WorkbenchError(
                f"cannot listen on {HOST} port {port}: {exc.strerror}. Pass port=0 to use a free port."
            ) from None
        self.server.set_app(application)
        self.port: int = self.server.server_address[1]
        self.error: BaseException | None = None
        self._stopping = False
        self.thread = threading.Thread(target=self._run, name="workbench-wsgi", daemon=True)

    def _run(self) -> None:
        try:
            self.server.serve_forever(poll_interval=WSGI_POLL_INTERVAL)
        except BaseException as exc:  # reported by running and stop()
            self.error = exc

    def start(self) -> None:
        self.thread.start()  # the socket listens already: requests queue until the loop runs

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self._stopping

    def stop(self) -> None:
        """Stop accepting requests and close the socket; requests under way finish on their threads."""
        if not self._stopping:
            self._stopping = True
            if self.thread.is_alive() and self.thread is not threading.current_thread():
                self.server.shutdown()  # returns once serve_forever() has returned
                self.thread.join(STOP_TIMEOUT)
            self.server.server_close()


_Runner = _UvicornRunner | _DaphneRunner | _WsgiRunner


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
