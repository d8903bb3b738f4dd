"""The sample project's settings with Django's default SQLite options.

Lesson 12 runs its demonstration tests with these. A project made with
``startproject`` has exactly this database configuration: an SQLite file and
no ``OPTIONS``. (The sample project's own settings add WAL, ``IMMEDIATE``
transactions and a timeout; lesson 10 shows why.) The database lives in the
temporary directory, named by process id, so a run never meets another.
"""

import os
import tempfile

from sample_project.config.settings import *  # noqa: F403 - the project's settings, then one change

_name = os.path.join(tempfile.gettempdir(), f"testing-demo-{os.getpid()}")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": f"{_name}.sqlite3",
        "TEST": {"NAME": f"{_name}-test.sqlite3"},
    }
}
