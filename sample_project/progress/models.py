"""What a learner's notebook reports: one row per check run, never the learner's code or outputs."""

from django.db import models


class CheckReport(models.Model):
    """One run of one check in one learner's notebook: which, and its verdict.

    ``check_name`` and ``hint`` are the instructor's own words (the
    ``what`` and ``hint`` of ``workbench.check``); what the learner's code
    returned or raised is never sent, so it is never stored.
    """

    learner = models.CharField(max_length=150)
    exercise = models.CharField(max_length=200, help_text="The notebook's name, e.g. '00-getting-started'.")
    check_name = models.CharField(max_length=300, help_text="The check's sentence (workbench.check's `what`).")
    passed = models.BooleanField()
    hint = models.TextField(blank=True, help_text="The hint the learner was shown; empty when the check passed.")
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["learner", "exercise", "check_name", "id"]),
            models.Index(fields=["learner", "passed", "id"]),
        ]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "not yet"
        return f"{self.learner} · {self.exercise} · {self.check_name}: {verdict}"
