"""The project's own pytest plugin, loaded first (``-p`` in pyproject.toml's addopts).

Loaded before the plugins pytest finds through entry points (nbval's imports
nbformat, and so jsonschema), it skips the slow optional import described in
``fast_start``.
"""

from .fast_start import skip_iri_format_checker

skip_iri_format_checker()
