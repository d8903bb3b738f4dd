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

import argparse
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import (
    ALLOWED_HOSTS_ENV,
    CHANNEL_LAYER_ENV,
    DATABASE_ENV,
    PROGRESS_TOKEN_ENV,
    PROGRESS_URL_ENV,
    SECRET_KEY_ENV,
    SETTINGS_MODULE,
)
from ..errors import WorkbenchError, cannot_reach
from ..services import unreachable_server

APPLICATION = "sample_project.config.asgi:application"
DEFAULT_DATABASE = "sqlite:///db.sqlite3"  # beside manage.py, as the sample project's settings say
DEFAULT_CHANNEL_LAYER = "memory://"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # noqa: S104 - names to recognise, not to bind


class WorkshopError(WorkbenchError):
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

    if workers < 1:
        raise WorkshopError(f"--workers {workers}: give 1 or more worker processes.", status=2)
    if not 0 < port < 65536:
        raise WorkshopError(f"--port {port}: give a port from 1 to 65535.", status=2)
    try:
        room_group(room)
    except InvalidRoomName as exc:
        raise WorkshopError(f"--room: {exc}", status=2) from None
    _refuse_the_development_key(host)
    database_url = database or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    layer_url = channel_layer or os.environ.get(CHANNEL_LAYER_ENV) or DEFAULT_CHANNEL_LAYER
    try:
        database_settings = backends.database_from_url(database_url, base_dir=project_dir())
        layer_settings = backends.channel_layer_from_url(layer_url)
    except ImproperlyConfigured as exc:
        raise WorkshopError(str(exc), status=2) from None
    if workers > 1 and backends.channel_layer_address(layer_settings) is None:
        raise WorkshopError(
            f"--workers {workers} needs a channel layer that every worker process shares, but "
            f"{layer_url!r} is the in-memory layer: it lives inside one process, so a message "
            "sent on one worker would never reach the sockets on another. Start Redis and pass "
            f"--channel-layer redis://127.0.0.1:6379/0 (or set {CHANNEL_LAYER_ENV}), "
            "or serve with --workers 1.",
            status=2,
        )
    down = unreachable_server(database_settings, layer_settings)
    if down is not None:
        what, server_host, server_port = down
        option, variable = ("--database", DATABASE_ENV) if what == "database" else ("--channel-layer", CHANNEL_LAYER_ENV)
        raise WorkshopError(
            f"{cannot_reach(what, server_host, server_port)} Start it, or pass {option} (or set "
            f"{variable}) with the address of a running server."
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


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or name) is reachable from this machine only."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse_the_development_key(host: str) -> None:
    """Anything but loopback needs a secret key of its own: the development key is public."""
    from sample_project.config.development import DEVELOPMENT_SECRET_KEY

    if is_loopback(host):
        return
    key = os.environ.get(SECRET_KEY_ENV, "")
    if key and key != DEVELOPMENT_SECRET_KEY:
        return
    problem = "is the public development key" if key else "is not set, so the public development key would sign sessions"
    raise WorkshopError(
        f"--host {host}: other machines can reach this address, but {SECRET_KEY_ENV} {problem} "
        "(it is in the repository: anyone could forge a session cookie and post as any user). "
        f"Set {SECRET_KEY_ENV} to a secret of your own, e.g. "
        f'export {SECRET_KEY_ENV}="$(python -c \'import secrets; print(secrets.token_urlsafe(50))\')", '
        "or serve on --host 127.0.0.1.",
        status=2,
    )


def project_dir() -> Path:
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
        f"Posting and the history need a signed-in user: learners sign in at {plan.url}/accounts/login/",
        f"  (accounts: {DATABASE_ENV}=... python sample_project/manage.py createsuperuser, with this",
        f"  server's database and {SECRET_KEY_ENV}); anyone else may read the room.",
        "A notebook connects with websockets, sending the session cookie of a signed-in browser:",
        f'    socket = await websockets.connect("{ws}/ws/chat/{plan.room}/", origin="{plan.url}",',
        '                                      additional_headers={"Cookie": "sessionid=..."})',
        '    await socket.send(json.dumps({"type": "chat.message", "data": {"message": "hi"}}))',
    ]
    if backends.channel_layer_address(plan.channel_layer) is not None:
        lines += [
            "A notebook on a machine that reaches the same servers can also share them "
            "(flush=False keeps the workshop's data):",
            f'    workbench.setup(database="{backends.redact(plan.database_url)}", '
            f'channel_layer="{backends.redact(plan.channel_layer_url)}", flush=False)',
        ]
    lines += progress_banner(plan)
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)


def progress_banner(plan: WorkshopPlan) -> list[str]:
    """How the room's live progress works: the staff page, the learners' page and variables, their tokens."""
    settings = f"--settings {SETTINGS_MODULE}"
    lines = [
        "",
        f"The room's live progress (staff accounts only): {plan.url}/progress/",
        f"    make one: {DATABASE_ENV}={_shell_quote(plan.database_url)} python -m django createsuperuser {settings}",
        f"A learner's own results:  {plan.url}/progress/me/",
        "Each learner's kernel reports its checks when its environment holds:",
        f"    {PROGRESS_URL_ENV}={plan.url} {PROGRESS_TOKEN_ENV}=<the learner's token>",
        f"    tokens: python -m django progress_tokens {settings} NAME [NAME ...]",
    ]
    if "DJANGO_SECRET_KEY" not in os.environ:
        lines.append(
            "    warning: DJANGO_SECRET_KEY is not set, so tokens are signed with the development key anyone can "
            "read: set it (the same for the server and the tokens) before learners on other machines connect."
        )
    return lines


def _shell_quote(text: str) -> str:
    import shlex

    from sample_project.config.backends import redact

    return shlex.quote(redact(text))


def serve_workshop(plan: WorkshopPlan, *, log_level: str = "info") -> None:
    """Serve until interrupted: uvicorn with ``plan.workers`` processes (or in this one for 1)."""
    import uvicorn

    from ..transport import uvicorn_options

    uvicorn.run(
        APPLICATION,
        host=plan.host,
        port=plan.port,
        workers=plan.workers,
        lifespan="off",  # Django's ASGI handler does not implement the lifespan protocol
        log_level=log_level,
        # A stop answers every frame already read, closes open WebSockets with
        # 1012, and waits at most this long for them before the workers exit.
        timeout_graceful_shutdown=5,
        **uvicorn_options(),  # frame and request-head limits (workbench/transport.py)
    )


def run_serve_command(args: argparse.Namespace, extra: list[str]) -> int:
    """The sample project for a room of learners: uvicorn workers sharing the database and layer."""
    try:
        chosen = plan(
            host=args.host, port=args.port, workers=args.workers, database=args.database,
            channel_layer=args.channel_layer, allowed_hosts=args.allowed_hosts, room=args.room,
        )
        print("workbench: migrating the database", flush=True)
        prepare(chosen)
    except WorkshopError as exc:
        print(f"workbench serve: {exc}", file=sys.stderr)
        return exc.status
    print(banner(chosen), flush=True)
    serve_workshop(chosen, log_level=args.log_level)
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the workshop server: the sample project for a room of learners (uvicorn, N workers)",
        description="Serve sample_project under uvicorn with N worker processes that share the "
        "database and the channel layer, so browsers and notebooks on any worker chat in the "
        "same rooms. Migrates the database first and checks that its servers are reachable. "
        f"Backends come from --database / --channel-layer, else {DATABASE_ENV} / "
        f"{CHANNEL_LAYER_ENV}, else a SQLite file beside manage.py and the in-memory "
        "layer (which only --workers 1 can use). Example: workbench serve --host 0.0.0.0 "
        "--workers 2 --database postgresql://app:secret@127.0.0.1:5432/workshop "
        "--channel-layer redis://127.0.0.1:6379/0",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for other machines)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1; more needs Redis)")
    serve.add_argument("--database", metavar="URL", help="sqlite:///path or postgresql://user:password@host:port/name")
    serve.add_argument("--channel-layer", metavar="URL", help="memory://, redis://host:port/db or redis+pubsub://host:port/db")
    serve.add_argument(
        "--allowed-hosts", metavar="NAMES",
        help="comma-separated host names the site answers to and WebSocket Origins it accepts "
        f"(default: {ALLOWED_HOSTS_ENV}, else loopback names, plus this machine's name and "
        "address when --host is 0.0.0.0)",
    )
    serve.add_argument("--room", default="lobby", help="the chat room the printed links open (default lobby)")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default info: one line per request and WebSocket)",
    )
    serve.set_defaults(handler=run_serve_command)
