"""``local_endpoint()``: a stand-in for an external web API (HTTP or HTTPS) on loopback, for lessons.

Lessons call web services without the internet: an endpoint answers with JSON
from a background thread of the kernel (Python's ``http.server``). In the
workbench's words, a *server* runs the sample project (``serve()``, ``workbench
serve``), a *service* is PostgreSQL or Redis (``start_postgres()``), and an
*endpoint* is this: the far side of an API call. With ``tls=True`` it serves HTTPS with a
certificate from a certificate authority made for it (``trustme``), and hands
clients an ``ssl.SSLContext`` that trusts exactly that authority, so a
lesson shows real certificate checks passing, never ``verify=False``.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from .cleanup import forget, track

if TYPE_CHECKING:
    import trustme

MAX_DELAY = 5.0  # seconds: a lesson's request never holds a server thread longer


class LocalEndpoint:
    """A running endpoint on loopback: ``GET`` any path returns JSON; ``?delay=0.2`` waits first.

    It answers with ``{"path": ..., "delay": ...}``, counts the requests it
    served, and records the most requests it held at once (``most_at_once``),
    which shows whether a client really sent requests concurrently. Each
    request runs on a thread of its own, so delays overlap. The repr names
    only the scheme (no port), so lessons may show it.
    """

    def __init__(self, *, tls: bool = False, hostnames: Sequence[str] = ("localhost", "127.0.0.1")) -> None:
        if tls and not hostnames:
            raise ValueError(
                "local_endpoint(tls=True) needs at least one hostname for its certificate, "
                f"got hostnames={tuple(hostnames)!r}; the default is ('localhost', '127.0.0.1')."
            )
        self.tls = tls
        self.hostnames = tuple(hostnames)
        self.ca: trustme.CA | None = None
        self.requests = 0
        self.most_at_once = 0
        self._in_flight = 0
        self._counter_lock = threading.Lock()
        self.failed_connections = 0
        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.endpoint = self
        if tls:
            self._wrap_in_tls()
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="workbench-endpoint",
            daemon=True,
        )
        self._thread.start()

    @property
    def scheme(self) -> str:
        """``"https"`` with ``tls=True``, else ``"http"``."""
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``https://localhost:PORT`` (the first certificate name)."""
        host = self.hostnames[0] if self.tls else "127.0.0.1"
        return f"{self.scheme}://{host}:{self.port}"

    def trusting_context(self) -> ssl.SSLContext:
        """A client ``SSLContext`` that trusts this endpoint's authority only; hostnames are checked.

        Like ``ssl.create_default_context(cafile=...)`` with a private CA's file,
        minus the system's CA store (loading it costs time and trusts nothing here).
        """
        if self.ca is None:
            raise ValueError(
                "This endpoint serves plain HTTP, so there is no certificate to trust. "
                "Start one with local_endpoint(tls=True) for HTTPS."
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname on
        self.ca.configure_trust(context)
        return context

    def reset_counts(self) -> None:
        """Start counting ``requests`` and ``most_at_once`` from zero."""
        with self._counter_lock:
            self.requests = 0
            self.most_at_once = self._in_flight

    def close(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        forget(self)

    def __enter__(self) -> LocalEndpoint:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "serving" if self._thread.is_alive() else "closed"
        return f"<LocalEndpoint {self.scheme} {state}>"

    def _wrap_in_tls(self) -> None:
        import trustme

        self.ca = trustme.CA()
        certificate = self.ca.issue_cert(*self.hostnames)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        # Each connection's handshake runs on that connection's own thread
        # (do_handshake_on_connect is off, the first read does it), so one
        # client that never completes a handshake cannot block the others.
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )

    def _started(self) -> None:
        with self._counter_lock:
            self._in_flight += 1
            self.requests += 1
            self.most_at_once = max(self.most_at_once, self._in_flight)

    def _finished(self) -> None:
        with self._counter_lock:
            self._in_flight -= 1


class _QuietServer(ThreadingHTTPServer):
    """Counts failed connections instead of printing their tracebacks.

    socketserver prints a traceback to stderr for every connection that
    fails (a client that rejects the certificate, for one); in a notebook
    that text would land in whichever cell runs at that moment.
    """

    daemon_threads = True
    # socketserver's listen backlog is 5: a client opening dozens of
    # connections at once (gathered requests, a benchmark) would see the
    # kernel drop SYNs and retry them a whole second later.
    request_queue_size = 128
    endpoint: LocalEndpoint

    def handle_error(self, request: object, client_address: object) -> None:
        with self.endpoint._counter_lock:
            self.endpoint.failed_connections += 1


class _Handler(BaseHTTPRequestHandler):
    server: _QuietServer  # its ``endpoint`` is the LocalEndpoint this request counts towards
    # HTTP/1.1 keeps connections open between requests, as real services
    # do; a client's connection pool then reuses them (lesson 08 needs that).
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY the second
    # waits for the client's delayed ACK (about 40 ms on Linux) on every
    # request after the first on a connection.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        endpoint = self.server.endpoint
        endpoint._started()
        try:
            parts = urlsplit(self.path)
            try:
                delay = _delay_from(parts.query)
            except ValueError as exc:
                self._reply(400, {"error": str(exc)})
                return
            time.sleep(delay)
            self._reply(200, {"path": parts.path, "delay": delay})
        finally:
            endpoint._finished()

    def _reply(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # a lesson's output shows what the client got, not a server log


def _delay_from(query: str) -> float:
    values = parse_qs(query).get("delay")
    if not values:
        return 0.0
    raw = values[-1]
    try:
        delay = float(raw)
    except ValueError:
        raise ValueError(f"delay must be a number of seconds, got {raw!r}") from None
    if not 0 <= delay <= MAX_DELAY:
        raise ValueError(f"delay must be between 0 and {MAX_DELAY} seconds, got {raw!r}")
    return delay


def local_endpoint(*, tls: bool = False, hostnames: Sequence[str] = ("localhost", "127.0.0.1")) -> LocalEndpoint:
    """Start an HTTP endpoint (HTTPS with ``tls=True``) on a free loopback port; close it when done.

    With ``tls=True`` the certificate names ``hostnames`` and comes from a new
    certificate authority; ``endpoint.trusting_context()`` trusts it.
    """
    endpoint = LocalEndpoint(tls=tls, hostnames=hostnames)
    track(endpoint)
    return endpoint
