"""Live progress for a workshop room: every learner's check results, stored and shown to staff as a grid.

A learner's notebook reports each check's verdict (exercise, check, passed,
and the hint shown on a failure; never the learner's code or outputs) over
``ws/progress/report/``, authenticated by a per-learner token
(``tokens.py``). Results are stored (``models.CheckReport``) and broadcast
through the channel layer to the staff grid (``/progress/``, staff only) and
to that learner's own page (``/progress/me/``), whichever worker process
each socket is on.
"""
