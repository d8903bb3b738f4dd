"""``python -m workbench``: the same as the ``workbench`` command."""

import sys

from .cli import main

# Guarded: uvicorn's worker processes (``workbench serve --workers N``) are
# spawned, and a spawned process imports the parent's main module again.
if __name__ == "__main__":
    sys.exit(main())
