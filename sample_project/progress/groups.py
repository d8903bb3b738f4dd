"""Channel-layer groups of the progress pages: the staff grid, and each learner's own page."""

from __future__ import annotations

import hashlib

STAFF_GROUP = "progress.staff"


def learner_group(learner: str) -> str:
    """The group of one learner's own pages; named by a hash (names may hold any letter, groups only ASCII)."""
    return "progress.learner." + hashlib.sha256(learner.encode("utf-8")).hexdigest()[:40]
