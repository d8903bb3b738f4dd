"""``WorkshopProcess``: ``workbench serve`` in a child process, for tests, benchmarks and scripts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ..environment import DATABASE_ENV, SETTINGS_MODULE
from ..services import free_port
from .workshop import WorkshopError, project_dir


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
        self.workers = workers
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if log is None:
            handle, name = tempfile.mkstemp(prefix="workbench-serve-", suffix=".log")
            os.close(handle)
            log = Path(name)
        self.log_path = log
        self.database = database
        self.arguments = ["--port", str(self.port), "--workers", str(workers), "--log-level", "info"]
        if database:
            self.arguments += ["--database", database]
        if channel_layer:
            self.arguments += ["--channel-layer", channel_layer]
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def start(self) -> WorkshopProcess:
        with open(self.log_path, "w") as log:
            process = self.process = subprocess.Popen(
                [sys.executable, "-m", "workbench", "serve", *self.arguments],
                stdout=log, stderr=subprocess.STDOUT, cwd=project_dir().parent,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise WorkshopError(f"workbench serve exited with status {process.returncode}:\n{self.log()[-2000:]}")
            if self.log().count("Started server process") >= self.workers:
                try:
                    with urllib.request.urlopen(self.url + "/", timeout=2):  # noqa: S310 - our own http://127.0.0.1 URL
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise WorkshopError(f"workbench serve did not start in {self.start_timeout:.0f} s:\n{self.log()[-2000:]}")

    def create_staff_user(self, username: str, password: str) -> None:
        """Make a staff account (``createsuperuser``) in this server's database, e.g. for the progress grid."""
        env = {**os.environ, "DJANGO_SUPERUSER_PASSWORD": password, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
        if self.database:
            env[DATABASE_ENV] = self.database
        result = subprocess.run(
            [sys.executable, "-m", "django", "createsuperuser", "--noinput", "--username", username,
             "--email", f"{username}@example.com"],
            env=env, capture_output=True, text=True, timeout=120, cwd=project_dir().parent,
        )
        if result.returncode != 0:
            raise WorkshopError(f"createsuperuser {username!r} failed:\n{result.stderr[-2000:]}")

    def session_cookie(self, username: str) -> str:
        """A ``Cookie`` header value that signs ``username`` in on this server (the user is created if new).

        Posting to the chat needs a signed-in user. The session is written
        into the server's own database by a short-lived process of the same
        environment (so the same ``DJANGO_SECRET_KEY``).
        """
        code = (
            "import asyncio, sys, workbench\n"
            "from workbench.sessions import cookie_header, login_cookies\n"
            "workbench.setup(database=sys.argv[1] or None, channel_layer='memory://', flush=False)\n"
            "from django.contrib.auth.models import User\n"
            "async def main():\n"
            "    user, _ = await User.objects.aget_or_create(username=sys.argv[2])\n"
            "    print(cookie_header(await login_cookies(user)))\n"
            "asyncio.run(main())\n"
        )
        database = self.database or f"sqlite:///{project_dir() / 'db.sqlite3'}"
        result = subprocess.run(
            [sys.executable, "-c", code, database, username],
            capture_output=True, text=True, timeout=120, cwd=project_dir().parent,
        )
        if result.returncode != 0:
            raise WorkshopError(f"could not sign {username!r} in on {self.url}: {result.stderr.strip()[-2000:]}")
        return result.stdout.strip().splitlines()[-1]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        """The worker processes (for one worker: the server process itself)."""
        import psutil

        if self.process is None:
            raise WorkshopError("this workshop server was never started: call start() first.")
        parent = psutil.Process(self.process.pid)
        if self.workers == 1:
            return [parent.pid]
        # uvicorn spawns its workers with multiprocessing (not its resource tracker, also a child).
        return [child.pid for child in parent.children() if "spawn_main" in " ".join(child.cmdline())]

    def worker_of(self, client_address: tuple[str, int], timeout: float = 30.0) -> int | None:
        """The pid of the worker that accepted the connection whose client end is ``client_address``.

        A client's ``connect()`` returns once the kernel has queued the
        connection, which can be before any worker has accepted it: this waits
        (up to ``timeout`` seconds) for a worker to hold it, then ``None``.
        """
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
