"""The development-only secret key, apart from the settings so tools can compare without loading them.

It is public (it is in the repository): sessions and CSRF tokens signed with it
can be forged by anyone. ``settings.py`` falls back to it when
``DJANGO_SECRET_KEY`` is not set; ``workbench serve`` refuses it on any address
other machines can reach.
"""

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-deploy-7d3f0c1e9b5a"  # noqa: S105 - public on purpose
