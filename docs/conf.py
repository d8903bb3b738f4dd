"""Sphinx configuration of the lessons site; built by `workbench docs` (see workbench/docs.py).

MyST-NB renders each lesson from its outputs: the stored ones (nbval checks
them against a real run in the same CI job), or, with `workbench docs
--execute`, the outputs of a fresh run that the workbench makes before
Sphinx starts. Sphinx itself never executes. Any warning fails the build.
"""

project = "Async Django Workbench"
author = "Async Django Workbench contributors"
copyright = "the Async Django Workbench contributors"  # noqa: A001 - Sphinx's name

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]

nb_execution_mode = "off"
nb_merge_streams = True
# Straight quotes, as in the code learners copy from the pages.
smartquotes = False

html_theme = "furo"
html_title = "Async Django Workbench"
html_show_sourcelink = False
html_copy_source = False
