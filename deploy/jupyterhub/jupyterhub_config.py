"""JupyterHub for a workshop room on one machine: the lessons and exercises for every learner.

    cd deploy/jupyterhub && npm ci          # configurable-http-proxy, pinned by package-lock.json
    WORKBENCH_HUB_PASSWORD=... jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

* **Authenticator**: JupyterHub's ``SharedPasswordAuthenticator``: one password
  for the room (``WORKBENCH_HUB_PASSWORD``, at least 8 characters), given out
  at the door; instructors named in ``WORKBENCH_HUB_ADMINS`` sign in with
  ``WORKBENCH_HUB_ADMIN_PASSWORD`` and are the Hub's admins. With
  ``WORKBENCH_HUB_USERS`` (comma-separated) only those names may sign in;
  without it, any name may.
* **Spawner**: ``SimpleLocalProcessSpawner``: every learner's Jupyter server is
  a process of this machine, run as the user who runs the Hub, in a home of its
  own under ``$WORKBENCH_HUB_STATE/homes/<name>``. On the first start that home
  gets a copy of the lessons and the student versions of the exercises;
  later starts keep the learner's work.
* **Proxy**: ``configurable-http-proxy`` from npm (``node_modules`` beside this
  file), started by the Hub.
* **Live progress**: when the Hub's environment holds ``WORKBENCH_PROGRESS_URL``
  (the ``workbench serve`` of the room) and ``DJANGO_SECRET_KEY`` (the same as
  that server's), each learner's server gets that URL and their own token, so
  every ``workbench.check`` shows on the staff grid.

Every value comes from the environment (names in ``workbench/environment.py``);
the defaults listen on 127.0.0.1 only. See README.md beside this file.
"""

import os
import sys
from pathlib import Path

from workbench.environment import (
    HUB_ADMIN_PASSWORD_ENV,
    HUB_ADMINS_ENV,
    HUB_ALLOW_ROOT_ENV,
    HUB_API_PORT_ENV,
    HUB_BIND_URL_ENV,
    HUB_PASSWORD_ENV,
    HUB_PROXY_API_PORT_ENV,
    HUB_STATE_ENV,
    HUB_USERS_ENV,
    PROGRESS_TOKEN_ENV,
    PROGRESS_URL_ENV,
)

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - JupyterHub's config loader provides it

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get(HUB_STATE_ENV) or Path.home() / ".local" / "share" / "workbench-hub").resolve()
HOMES = STATE / "homes"
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"


def names(variable: str) -> set[str]:
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


def required(variable: str, what: str) -> str:
    value = os.environ.get(variable, "")
    if len(value) < 8:
        sys.exit(f"jupyterhub_config.py: set {variable} to {what} (at least 8 characters).")
    return value


if not PROXY.exists():
    sys.exit(f"jupyterhub_config.py: {PROXY} is missing: run `npm ci` in {HERE} (Node.js 20 or newer).")
STATE.mkdir(parents=True, exist_ok=True)

# -- where it listens: learners reach the proxy; the Hub's and the proxy's APIs stay on loopback
c.JupyterHub.bind_url = os.environ.get(HUB_BIND_URL_ENV, "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{int(os.environ.get(HUB_API_PORT_ENV, '8081'))}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ.get(HUB_PROXY_API_PORT_ENV, '8001'))}"
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the Hub stops the learners' servers

# -- who gets in: one password for the room, another for the instructors
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = required(HUB_PASSWORD_ENV, "the room's shared password")
admins = names(HUB_ADMINS_ENV)
if admins:
    c.Authenticator.admin_users = admins
    c.SharedPasswordAuthenticator.admin_password = required(HUB_ADMIN_PASSWORD_ENV, "the instructors' password")
if names(HUB_USERS_ENV):
    c.Authenticator.allowed_users = names(HUB_USERS_ENV)
else:
    c.Authenticator.allow_all = True

# -- each learner's Jupyter server: a process here, in a home of its own, this environment's Python
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab/tree/workbench/00-getting-started.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
if os.geteuid() == 0:
    # Every learner's server runs as the Hub's own user: as root, a learner's cell could do anything.
    if os.environ.get(HUB_ALLOW_ROOT_ENV) != "1":
        sys.exit(
            "jupyterhub_config.py: the Hub runs as root, and so would every learner's server. Run it as an "
            f"ordinary user (e.g. `useradd -m workshop`), or set {HUB_ALLOW_ROOT_ENV}=1 on a throw-away machine."
        )
    c.Spawner.args = ["--allow-root"]
# Only what a lesson needs from the Hub's environment reaches a learner's kernel.
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV", "CONDA_PREFIX", "WORKBENCH_SERVER_BINARIES"]


def hand_out_lessons(spawner) -> None:
    """First start only: the lessons and the exercises' student versions (handout.py); later starts keep the work."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from handout import hand_out

    hand_out(Path(spawner.home_dir_template.format(username=spawner.user.name)) / "workbench")


c.Spawner.pre_spawn_hook = hand_out_lessons

# -- live progress: the room's workbench serve, and each learner's own token
progress_url = os.environ.get(PROGRESS_URL_ENV)
if progress_url:
    secret_key = os.environ.get("DJANGO_SECRET_KEY") or sys.exit(
        f"jupyterhub_config.py: {PROGRESS_URL_ENV} is set, so each learner gets a token signed with the "
        "progress server's key: set DJANGO_SECRET_KEY here to the same value as for `workbench serve`."
    )

    def learner_token(spawner) -> str:
        from sample_project.progress.tokens import learner_token as sign

        return sign(spawner.user.name, key=secret_key)

    c.Spawner.environment = {PROGRESS_URL_ENV: progress_url, PROGRESS_TOKEN_ENV: learner_token}
