"""Reading and writing check reports with the async ORM: one result in, the grid's state out."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber

from . import protocol
from .models import CheckReport

CELL = ("learner", "exercise", "check_name")


async def store_result(learner: str, result: protocol.ResultData) -> CheckReport:
    return await CheckReport.objects.acreate(
        learner=learner, exercise=result.exercise, check_name=result.check, passed=result.passed, hint=result.hint
    )


def as_data(report: CheckReport, attempts: int | None = None) -> dict[str, Any]:
    return protocol.report_data(
        report_id=report.id, learner=report.learner, exercise=report.exercise, check=report.check_name,
        passed=report.passed, hint=report.hint, received=report.received, attempts=attempts,
    )


async def snapshot(learner: str | None = None) -> dict[str, Any]:
    """The grid so far: each cell's latest report (with its number of attempts) and each learner's last hint.

    ``learner`` limits it to one learner's own results (their page);
    ``None`` is the whole room (the staff grid). Each part is one query, so
    reports stored meanwhile are either wholly in it or wholly not.
    """
    reports: QuerySet[CheckReport] = CheckReport.objects.all()
    if learner is not None:
        reports = reports.filter(learner=learner)
    cell = [F(name) for name in CELL]
    latest = reports.annotate(
        attempts=Window(Count("id"), partition_by=cell),
        rank=Window(RowNumber(), partition_by=cell, order_by=F("id").desc()),
    ).filter(rank=1)
    cells = [as_data(report, report.attempts) async for report in latest]
    # The hint each learner saw last, even if that check has passed since.
    last_failures = reports.filter(passed=False).annotate(
        rank=Window(RowNumber(), partition_by=[F("learner")], order_by=F("id").desc())
    ).filter(rank=1)
    hints = [as_data(report) async for report in last_failures]
    return {"cells": cells, "hints": hints}
