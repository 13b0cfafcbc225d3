"""The rules every kind of report shares, whatever it reports (a video in
``domain.trust.video_reports``, a listing in ``domain.shop.counterfeit``).

A report has a reporter and a reason in their own words or from a list; a reviewer decides
it once, with a reason of their own (``require_open``, ``report_words``); and a reporter
files at most a quota of reports a day. Each day's count is its own small aggregate, id
``uuid5(namespace, reporter/day)`` (``DailyReportQuota``), saved with the report, so two
reports racing for the last place of a day contend on one aggregate's version and only one is
recorded. An appeal of a decision is the video reports' own (a listing's seller has none).

Each program keeps its own aggregates, events and topics (the stored events are unchanged):
what is shared here is the rules they apply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import ClassVar, Self
from uuid import UUID, uuid5

from domain.errors import InvalidValue, RuleViolated
from domain.text import checked_free_text


class ReportLimitReached(RuleViolated):
    """The reporter has filed as many reports today as one may."""


class ReportDecided(RuleViolated):
    """The report was already upheld or dismissed."""


def report_words(value: str, what: str, most: int, *, required: bool = True) -> str:
    """``value`` stripped: a reporter's, a reviewer's or an appellant's words, at most
    ``most`` characters (and at least one when ``required``), free of refused characters."""
    stripped = checked_free_text(value, what).strip()
    if len(stripped) > most or (required and not stripped):
        raise InvalidValue(f"{what} has {1 if required else 0} to {most} characters")
    return stripped


def require_open(
    status: StrEnum, open_status: StrEnum, refusal: type[ReportDecided] = ReportDecided
) -> None:
    """A report is decided once: ``refusal`` unless its ``status`` is still open."""
    if status is not open_status:
        raise refusal(f"the report is already {status.value}")


class DailyReportQuota:
    """The rules of a reporter's count of one day's reports, for an aggregate that records
    its opening (reporter and ISO ``day``) and each report it counts (``used``)."""

    #: The namespace of the ids of one kind of report's day counts.
    NAMESPACE: ClassVar[UUID]
    reporter: str
    day: str
    used: int

    @classmethod
    def id_for(cls, reporter: str, day: date) -> UUID:
        """The id of ``reporter``'s count of ``day``."""
        return uuid5(cls.NAMESPACE, f"{reporter}/{day.isoformat()}")

    @classmethod
    def open(cls, reporter: str, day: date) -> Self:
        """``reporter``'s count of ``day``, at none: opened by the day's first report."""
        opening: Callable[..., Self] = cls  # the aggregate's creation event takes these
        return opening(id=cls.id_for(reporter, day), reporter=reporter, day=day.isoformat())

    def require_room(self, quota: int, filed: str) -> None:
        """``ReportLimitReached`` once ``quota`` reports were counted; ``filed`` says what
        the reporter did, for the refusal ("has filed 10 reports today")."""
        if self.used >= quota:
            raise ReportLimitReached(f"{self.reporter} has {filed}; try again tomorrow")
