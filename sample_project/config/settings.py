"""Settings for the sample project.

Backends come from the environment as URLs (see ``config/backends.py``):

* ``WORKBENCH_DATABASE_URL``       default ``sqlite:///db.sqlite3`` (beside manage.py)
* ``WORKBENCH_CHANNEL_LAYER_URL``  default ``memory://`` (one process only)
* ``DJANGO_SECRET_KEY``            default: a development-only key, never for deployment
* ``DJANGO_DEBUG``                 ``1``/``true`` turns debug on; off by default
* ``DJANGO_ALLOWED_HOSTS``         comma-separated; default: loopback names
"""

import os
import tempfile
from pathlib import Path

from .backends import channel_layer_from_url, database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


# DEVELOPMENT ONLY. Set DJANGO_SECRET_KEY for anything reachable by others.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY",
    "django-insecure-development-only-key-do-not-deploy-7d3f0c1e9b5a",
)
DEBUG = env_flag("DJANGO_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"
    ).split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "channels",
    "sample_project.library",
    "sample_project.chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sample_project.config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

ASGI_APPLICATION = "sample_project.config.asgi.application"
WSGI_APPLICATION = "sample_project.config.wsgi.application"

DATABASES = {
    "default": database_from_url(
        os.environ.get("WORKBENCH_DATABASE_URL", "sqlite:///db.sqlite3"),
        base_dir=BASE_DIR,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A test database in a file, one per test process: an in-memory SQLite
    # database is invisible to the async ORM's worker thread.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"sample-project-test-{os.getpid()}.sqlite3")
    }

CHANNEL_LAYERS = {
    "default": channel_layer_from_url(
        os.environ.get("WORKBENCH_CHANNEL_LAYER_URL", "memory://")
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
