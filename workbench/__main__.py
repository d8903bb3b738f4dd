"""``python -m workbench``: the same as the ``workbench`` command (``workbench.tooling.cli``).

A door for the shell, not part of the runtime: nothing imports this module.
"""

import sys

from .tooling.cli import main

# Guarded: uvicorn's worker processes (``workbench serve --workers N``) are
# spawned, and a spawned process imports the parent's main module again.
if __name__ == "__main__":
    sys.exit(main())
