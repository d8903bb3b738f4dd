"""``manage.py progress_tokens NAME ...``: each learner's reporting token, signed with SECRET_KEY."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sample_project.progress.tokens import learner_token

DEVELOPMENT_KEY_MARK = "django-insecure-"


class Command(BaseCommand):
    help = (
        "Print each learner's live-progress token (NAME<TAB>TOKEN), signed with this server's SECRET_KEY. "
        "Give a learner their token as WORKBENCH_PROGRESS_TOKEN, with WORKBENCH_PROGRESS_URL set to the server's URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME", help="learner names (letters, digits, @ . + - _)")

    def handle(self, *args: Any, **options: Any) -> None:
        if str(settings.SECRET_KEY).startswith(DEVELOPMENT_KEY_MARK):
            self.stderr.write(
                "warning: SECRET_KEY is the development key, which anyone can read in the source: anyone "
                "could make these tokens. Set DJANGO_SECRET_KEY on the server before a real workshop."
            )
        for name in options["names"]:
            try:
                token = learner_token(name)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{name}\t{token}")
