"""Throw-away PostgreSQL and Redis servers on loopback, for tests and lessons.

Each server gets a free port on 127.0.0.1 and a fresh data directory, and is
stopped (its directory removed) when the ``LocalServer`` stops or the process
exits. Missing server packages are installed with apt-get when running as
root on Debian (a CI machine); elsewhere the error says what to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ServiceUnavailable

_apt_lock = threading.Lock()
_apt_updated = False


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
        return probe.getsockname()[1]


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


def _install(package: str, what: str) -> None:
    global _apt_updated
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServiceUnavailable(
            f"{what} is not installed. Install it (Debian/Ubuntu: "
            f"`sudo apt-get install {package}`; macOS: `brew install {package.split('-')[0]}`) "
            "and try again."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _apt_lock:
        try:
            if not _apt_updated:
                subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
                _apt_updated = True
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                check=True, env=env, capture_output=True,
            )
        except subprocess.CalledProcessError as exc:
            raise ServiceUnavailable(
                f"Installing {package} with apt-get failed: {exc.stderr.decode(errors='replace')[-500:]}"
            ) from None


def postgres_bin_dir(*, install: bool = True) -> Path:
    """The directory holding ``initdb`` and ``pg_ctl`` (installing PostgreSQL if allowed)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates and shutil.which("initdb"):
        candidates = [shutil.which("initdb")]
    if not candidates and install:
        _install("postgresql", "The PostgreSQL server")
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise ServiceUnavailable("PostgreSQL's initdb was not found even after installing postgresql.")
    return Path(candidates[-1]).parent


def redis_server_binary(*, install: bool = True) -> str:
    """The path of ``redis-server`` (installing Redis if allowed)."""
    found = shutil.which("redis-server")
    if not found and install:
        _install("redis-server", "The Redis server")
        found = shutil.which("redis-server")
    if not found:
        raise ServiceUnavailable("redis-server was not found even after installing it.")
    return found


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

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # No port or directory: stored lesson outputs must be the same on every run.
        return f"<LocalService {self.kind} on 127.0.0.1 ({'running' if self.running else 'stopped'})>"


def _end_process(pid: int, first_signal: int, timeout: float = 10) -> None:
    """Send ``first_signal`` to ``pid`` (not our child) and wait until it is gone; SIGKILL after ``timeout``."""
    try:
        os.kill(pid, first_signal)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _is_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.005)


def _is_alive(pid: int) -> bool:
    """Whether ``pid`` still runs. A zombie counts as ended: an init that is
    slow to reap (PID 1 in some containers) must not keep us waiting."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _wait_until_listening(port: int, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening("127.0.0.1", port, timeout=0.2):
            return
        time.sleep(0.01)
    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
    raise ServiceUnavailable(f"{what} did not start listening on 127.0.0.1:{port} in {timeout:.0f} s.\n{tail}")


def start_postgres(*, install: bool = True) -> LocalService:
    """A fresh PostgreSQL cluster with database ``workbench`` (user ``workbench``, no password).

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` system user that the Debian package creates.
    """
    bin_dir = postgres_bin_dir(install=install)
    base = Path(tempfile.mkdtemp(prefix="workbench-postgres-"))
    data, log = base / "data", base / "server.log"
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    port = free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*as_user, *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise ServiceUnavailable(f"{' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "workbench", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"

    def start() -> None:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start")

    def stop() -> None:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    def kill() -> None:
        # PostgreSQL's "immediate" shutdown (what pg_ctl -m immediate sends),
        # then wait for the postmaster to end: its children end with it.
        # pg_ctl would do the same but polls only every 100 ms.
        try:
            pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return  # not running
        _end_process(pid, signal.SIGQUIT)

    start()
    run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "workbench", "workbench")
    server = LocalService(
        "postgresql", f"postgresql://workbench@127.0.0.1:{port}/workbench", port, base, start, stop, kill
    )
    atexit.register(server.close)
    return server


def start_redis(*, install: bool = True, persist: bool = False) -> LocalService:
    """A fresh Redis server; ``persist=True`` keeps its data across ``restart()``.

    By default persistence is off, so a restart starts empty. With
    ``persist=True`` Redis writes a snapshot when it stops and reads it when it
    starts, as a packaged Redis (Debian's default configuration) does.
    """
    binary = redis_server_binary(install=install)
    base = Path(tempfile.mkdtemp(prefix="workbench-redis-"))
    log = base / "server.log"
    port = free_port()
    process: list[subprocess.Popen] = []
    # A save point makes Redis snapshot on shutdown; it is never reached while running.
    save = "86400 1000000000" if persist else ""

    def start() -> None:
        process[:] = [
            subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", save, "--appendonly", "no",
                 "--dir", str(base), "--logfile", str(log), "--maxclients", "10000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        ]
        _wait_until_listening(port, "Redis", log)

    def stop() -> None:
        for proc in process:
            proc.terminate()  # Redis saves its snapshot (if persist) and exits
            proc.wait(timeout=10)

    def kill() -> None:
        for proc in process:
            proc.kill()
            proc.wait(timeout=10)

    start()
    server = LocalService("redis", f"redis://127.0.0.1:{port}/0", port, base, start, stop, kill)
    atexit.register(server.close)
    return server


# The name before the rename (one meaning for "server": the sample project's
# ASGI server). Kept so existing notebooks and scripts keep working.
LocalServer = LocalService
