"""Start the tools faster by skipping the one import that costs seconds and that nothing here uses.

jsonschema's optional IRI format checker imports ``rfc3987_syntax``, which
compiles some 35 Lark grammars when imported: 2.7 s on an idle 2-core
machine, over 11 s on a loaded one. nbformat (so nbval, nbclient and every
command that reads a notebook) and jupyter_server import jsonschema, and none
of them validates IRIs. Marking the module absent makes jsonschema skip that
one checker (it imports it under ``suppress(ImportError)``). Upstream:
jupyter-server/jupyter_server#1559, python-jsonschema/jsonschema#1428.
"""

from __future__ import annotations

import sys

SLOW_OPTIONAL_MODULE = "rfc3987_syntax"


def skip_iri_format_checker() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process, unless it is imported already."""
    sys.modules.setdefault(SLOW_OPTIONAL_MODULE, None)  # type: ignore[arg-type]  # None marks "not importable"


# Python code for `python -c`: the same, then JupyterLab's own entry point.
JUPYTERLAB_MAIN = (
    f"import sys; sys.modules.setdefault({SLOW_OPTIONAL_MODULE!r}, None); "
    "from jupyterlab.labapp import main; sys.exit(main())"
)
