"""Per-learner tokens: the learner's name, signed with the server's ``SECRET_KEY``.

A token is ``<name>:<signature>`` (Django's ``Signer``, HMAC-SHA256, with a
salt of its own), so the server keeps no table of tokens: whoever holds
``SECRET_KEY`` can make them (``manage.py progress_tokens NAME ...``, or a
JupyterHub spawner through ``learner_token(name, key=...)``), and a learner
holding one cannot report, or read, as anybody else. Changing
``SECRET_KEY`` revokes every token at once.
"""

from __future__ import annotations

import re

from django.core import signing

SALT = "sample_project.progress.learner"
MAX_NAME_LENGTH = 150
# Django's username characters (letters, digits, @ . + - _): JupyterHub's names fit.
LEARNER_NAME = re.compile(rf"[\w.@+-]{{1,{MAX_NAME_LENGTH}}}")
NAME_RULES = f"1 to {MAX_NAME_LENGTH} letters, digits or @ . + - _"


class InvalidToken(ValueError):
    """A token this server did not make (or made with another SECRET_KEY)."""


def check_learner_name(name: str) -> str:
    """``name`` if it may be a learner's name, else ``ValueError`` saying what is allowed."""
    if not isinstance(name, str) or not LEARNER_NAME.fullmatch(name):
        shown = name if not isinstance(name, str) or len(name) <= 40 else name[:40] + "…"
        raise ValueError(f"learner name {shown!r} is not allowed: use {NAME_RULES} (e.g. 'ada').")
    return name


def _signer(key: str | None) -> signing.Signer:
    if key is None:  # the project's SECRET_KEY (and its fallbacks)
        return signing.Signer(salt=SALT)
    return signing.Signer(key=key, salt=SALT, fallback_keys=[])


def learner_token(name: str, *, key: str | None = None) -> str:
    """The token that lets ``name`` report results; signed with ``key`` (default: settings.SECRET_KEY)."""
    return _signer(key).sign(check_learner_name(name))


def learner_from_token(token: object, *, key: str | None = None) -> str:
    """The learner a token names; ``InvalidToken`` if this server did not sign it."""
    if not isinstance(token, str) or not 0 < len(token) <= 400:
        raise InvalidToken("the token is missing or is not a short string.")
    try:
        name = _signer(key).unsign(token)
    except signing.BadSignature:
        raise InvalidToken(
            "the token's signature does not match: it was made for another server (another "
            "SECRET_KEY) or was mistyped. Ask the instructor for your token."
        ) from None
    try:
        return check_learner_name(name)
    except ValueError as exc:
        raise InvalidToken(str(exc)) from None
