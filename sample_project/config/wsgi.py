"""WSGI entry point (async views still work under WSGI, one event loop per request)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_project.config.settings")

application = get_wsgi_application()
