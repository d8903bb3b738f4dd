#!/usr/bin/env python
"""Django's command-line utility for the sample project."""
import os
import sys
from pathlib import Path


def main() -> None:
    # The project is the package ``sample_project``; put its parent on the
    # path so ``python sample_project/manage.py`` works from a plain checkout.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_project.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
