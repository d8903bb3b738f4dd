"""Sphinx configuration of the site; built by `workbench docs` (see workbench/tooling/docs.py).

MyST-NB renders each lesson from its outputs: the stored ones (nbval checks
them against a real run in the same CI job), or, with `workbench docs
--execute`, the outputs of a fresh run that the workbench makes before
Sphinx starts. Sphinx itself never executes. Any warning fails the build.

The reference of the `workbench` API is generated from its docstrings
(sphinx.ext.autodoc), so it cannot drift from the code. Repository files
that pages include are staged under _repository/, which is no page itself.
"""

import re
from typing import Any

project = "Async Django Workbench"
author = "Async Django Workbench contributors"
copyright = "the Async Django Workbench contributors"  # noqa: A001 - Sphinx's name

extensions = ["myst_nb", "sphinx.ext.autodoc"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints", "_repository"]

# Links to a section: [text](page.md#section-title), checked like any link.
myst_heading_anchors = 3

autodoc_member_order = "bysource"

nb_execution_mode = "off"
nb_merge_streams = True
# Straight quotes, as in the code learners copy from the pages.
smartquotes = False

html_theme = "furo"
html_title = "Async Django Workbench"
html_show_sourcelink = False
html_copy_source = False


def _hide_private_signatures(
    app: Any, what: str, name: str, obj: object, options: Any, signature: str | None, return_annotation: str | None
) -> tuple[str, str | None] | None:
    """A class a function makes for the reader (``serve()`` makes a ``LiveServer``,
    ``start_postgres()`` a ``LocalService``) takes private arguments: show none."""
    if what in ("class", "exception") and signature and re.search(r"(?<!\w)_[A-Za-z]", signature):
        return "", return_annotation
    return None


def setup(app: Any) -> None:
    app.connect("autodoc-process-signature", _hide_private_signatures)
