"""``workbench serve``: the sample project for a room of learners, under uvicorn's worker processes.

uvicorn's ``--workers N`` starts N processes that share one listening
socket; the kernel hands each new connection to one of them. The processes
share nothing else, so everything two learners on different workers must
both see lives in a server: the chat's groups in Redis (the channel layer),
its history in the database. The in-memory layer lives inside one process,
so more than one worker needs Redis; a SQLite file works across processes
(WAL, ``IMMEDIATE`` transactions), PostgreSQL with Django's pool is faster.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bootstrap import CHANNEL_LAYER_ENV, DATABASE_ENV, SETTINGS_MODULE

APPLICATION = "sample_project.config.asgi:application"
DEFAULT_DATABASE = "sqlite:///db.sqlite3"  # beside manage.py, as the sample project's settings say
DEFAULT_CHANNEL_LAYER = "memory://"
ALLOWED_HOSTS_ENV = "DJANGO_ALLOWED_HOSTS"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class WorkshopError(RuntimeError):
    """The workshop server cannot start as asked; the message says what to do."""

    def __init__(self, message: str, *, status: int = 1) -> None:
        super().__init__(message)
        self.status = status  # 2: the arguments are wrong; 1: the machine is not ready


@dataclass(frozen=True)
class WorkshopPlan:
    """What ``workbench serve`` will run: checked, before anything starts."""

    host: str
    port: int
    workers: int
    database_url: str
    channel_layer_url: str
    database: dict[str, Any] = field(repr=False)
    channel_layer: dict[str, Any] = field(repr=False)
    allowed_hosts: tuple[str, ...]
    room: str = "lobby"

    @property
    def public_host(self) -> str:
        """The name learners use for this machine (the bind address, unless it is a wildcard)."""
        return _this_machine() if self.host in WILDCARD_HOSTS else self.host

    @property
    def url(self) -> str:
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        return f"http://{host}:{self.port}"


def plan(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    database: str | None = None,
    channel_layer: str | None = None,
    allowed_hosts: str | None = None,
    room: str = "lobby",
) -> WorkshopPlan:
    """Check the arguments and the servers they name; raise ``WorkshopError`` saying what to change.

    ``database`` / ``channel_layer`` default to ``$WORKBENCH_DATABASE_URL`` /
    ``$WORKBENCH_CHANNEL_LAYER_URL``, then to the sample project's defaults.
    """
    from django.core.exceptions import ImproperlyConfigured

    from sample_project.chat.groups import InvalidRoomName, room_group
    from sample_project.config import backends

    from .services import unreachable_server

    if workers < 1:
        raise WorkshopError(f"--workers {workers}: give 1 or more worker processes.", status=2)
    if not 0 < port < 65536:
        raise WorkshopError(f"--port {port}: give a port from 1 to 65535.", status=2)
    try:
        room_group(room)
    except InvalidRoomName as exc:
        raise WorkshopError(f"--room: {exc}", status=2) from None
    database_url = database or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    layer_url = channel_layer or os.environ.get(CHANNEL_LAYER_ENV) or DEFAULT_CHANNEL_LAYER
    try:
        database_settings = backends.database_from_url(database_url, base_dir=_project_dir())
        layer_settings = backends.channel_layer_from_url(layer_url)
    except ImproperlyConfigured as exc:
        raise WorkshopError(str(exc), status=2) from None
    if workers > 1 and backends.channel_layer_address(layer_settings) is None:
        raise WorkshopError(
            f"--workers {workers} needs a channel layer that every worker process shares, but "
            f"{layer_url!r} is the in-memory layer: it lives inside one process, so a message "
            "sent on one worker would never reach the sockets on another. Start Redis and pass "
            "--channel-layer redis://127.0.0.1:6379/0 (or set WORKBENCH_CHANNEL_LAYER_URL), "
            "or serve with --workers 1.",
            status=2,
        )
    down = unreachable_server(database_settings, layer_settings)
    if down is not None:
        what, server_host, server_port = down
        option, variable = ("--database", DATABASE_ENV) if what == "database" else ("--channel-layer", CHANNEL_LAYER_ENV)
        raise WorkshopError(
            f"Cannot reach the {what} server at {server_host}:{server_port} (nothing accepts "
            f"connections there). Start it, or pass {option} (or set {variable}) with the "
            "address of a running server."
        )
    return WorkshopPlan(
        host=host,
        port=port,
        workers=workers,
        database_url=database_url,
        channel_layer_url=layer_url,
        database=database_settings,
        channel_layer=layer_settings,
        allowed_hosts=_allowed_hosts(host, allowed_hosts),
        room=room,
    )


def _project_dir() -> Path:
    import sample_project

    return Path(sample_project.__file__).resolve().parent


def _allowed_hosts(host: str, given: str | None) -> tuple[str, ...]:
    """Host names the project answers to: given, or loopback plus this machine's names when others connect."""
    if given is None:
        given = os.environ.get(ALLOWED_HOSTS_ENV)
    if given is not None:
        return tuple(name.strip() for name in given.split(",") if name.strip())
    names = list(LOOPBACK_HOSTS)
    if host in WILDCARD_HOSTS:
        names += [socket.gethostname(), _this_machine()]
    elif host not in ("127.0.0.1", "::1", "localhost"):
        names.append(f"[{host}]" if ":" in host else host)
    return tuple(dict.fromkeys(names))


def _this_machine() -> str:
    """The address other machines most likely reach this one at (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


def prepare(plan: WorkshopPlan) -> None:
    """Export the backends for the workers (they inherit the environment) and migrate once, here."""
    from sample_project.config.backends import redact

    os.environ[DATABASE_ENV] = plan.database_url
    os.environ[CHANNEL_LAYER_ENV] = plan.channel_layer_url
    os.environ[ALLOWED_HOSTS_ENV] = ",".join(plan.allowed_hosts)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django
    from django.core.management import call_command
    from django.db import DatabaseError, connections

    django.setup()
    try:
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        raise WorkshopError(
            f"The database {redact(plan.database_url)!r} refused the migrations: "
            f"{type(exc).__name__}: {exc}".rstrip()
        ) from None
    finally:
        # The workers open their own connections; keep none open here.
        for connection in connections.all():
            connection.close()
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()


def banner(plan: WorkshopPlan) -> str:
    """What the instructor tells the room: the page to open and how a notebook connects."""
    from sample_project.config import backends

    ws = plan.url.replace("http://", "ws://", 1)
    lines = [
        f"workbench: serving sample_project on {plan.url} with {plan.workers} uvicorn worker"
        f"{'s' if plan.workers > 1 else ''}",
        f"  database:      {backends.describe_database(plan.database)} ({backends.redact(plan.database_url)})",
        f"  channel layer: {backends.describe_channel_layer(plan.channel_layer)} "
        f"({backends.redact(plan.channel_layer_url)})",
        f"  answers to:    {', '.join(plan.allowed_hosts)}",
        "",
        f"Learners open the chat:  {plan.url}/chat/{plan.room}/",
        f"Its history (JSON):      {plan.url}/api/chat/{plan.room}/messages/",
        "A notebook connects with websockets:",
        f'    socket = await websockets.connect("{ws}/ws/chat/{plan.room}/", origin="{plan.url}")',
        '    await socket.send(json.dumps({"type": "chat.message", "data": {"message": "hi"}}))',
    ]
    if backends.channel_layer_address(plan.channel_layer) is not None:
        lines += [
            "A notebook on a machine that reaches the same servers can also share them "
            "(flush=False keeps the workshop's data):",
            f'    workbench.setup(database="{backends.redact(plan.database_url)}", '
            f'channel_layer="{backends.redact(plan.channel_layer_url)}", flush=False)',
        ]
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)


def run(plan: WorkshopPlan, *, log_level: str = "info") -> None:
    """Serve until interrupted: uvicorn with ``plan.workers`` processes (or in this one for 1)."""
    import uvicorn

    uvicorn.run(
        APPLICATION,
        host=plan.host,
        port=plan.port,
        workers=plan.workers,
        lifespan="off",  # Django's ASGI handler does not implement the lifespan protocol
        log_level=log_level,
        timeout_graceful_shutdown=5,  # then open WebSockets are closed (1012) and the workers exit
    )


class WorkshopProcess:
    """``workbench serve`` in a child process, for tests, benchmarks and scripts.

    ``start()`` returns once every worker has started and the site answers;
    ``worker_of(address)`` asks the operating system which worker process
    holds the server side of a client's connection (needs ``psutil``).
    """

    def __init__(
        self,
        *,
        workers: int = 2,
        database: str | None = None,
        channel_layer: str | None = None,
        log: Path | None = None,
        start_timeout: float = 60,
    ) -> None:
        from .services import free_port

        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if log is None:
            import tempfile

            handle, name = tempfile.mkstemp(prefix="workbench-serve-", suffix=".log")
            os.close(handle)
            log = Path(name)
        self.log_path = log
        self.arguments = ["--port", str(self.port), "--workers", str(workers), "--log-level", "info"]
        if database:
            self.arguments += ["--database", database]
        if channel_layer:
            self.arguments += ["--channel-layer", channel_layer]
        self.start_timeout = start_timeout
        self.process: Any = None

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def start(self) -> WorkshopProcess:
        import subprocess
        import sys
        import time
        import urllib.request

        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workbench", "serve", *self.arguments],
                stdout=log, stderr=subprocess.STDOUT, cwd=_project_dir().parent,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise WorkshopError(f"workbench serve exited with status {self.process.returncode}:\n{self.log()[-2000:]}")
            if self.log().count("Started server process") >= self.workers:
                try:
                    with urllib.request.urlopen(self.url + "/", timeout=2):
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise WorkshopError(f"workbench serve did not start in {self.start_timeout:.0f} s:\n{self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        """The worker processes (for one worker: the server process itself)."""
        import psutil

        parent = psutil.Process(self.process.pid)
        if self.workers == 1:
            return [parent.pid]
        # uvicorn spawns its workers with multiprocessing (not its resource tracker, also a child).
        return [child.pid for child in parent.children() if "spawn_main" in " ".join(child.cmdline())]

    def worker_of(self, client_address: tuple[str, int], timeout: float = 5.0) -> int | None:
        """The pid of the worker that accepted the connection whose client end is ``client_address``.

        A client's ``connect()`` returns once the kernel has queued the
        connection, which can be before any worker has accepted it: this waits
        (up to ``timeout`` seconds) for a worker to hold it, then ``None``.
        """
        import time

        import psutil

        deadline = time.monotonic() + timeout
        while True:
            for pid in self.worker_pids():
                try:
                    for connection in psutil.Process(pid).net_connections(kind="tcp"):
                        if connection.laddr.port == self.port and connection.raddr and (
                            connection.raddr.ip, connection.raddr.port) == tuple(client_address[:2]):
                            return pid
                except psutil.NoSuchProcess:
                    continue
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    def stop(self) -> int | None:
        """Stop it as Ctrl-C would (SIGINT): uvicorn closes sockets and waits for its workers."""
        import signal
        import subprocess

        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def __enter__(self) -> WorkshopProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
