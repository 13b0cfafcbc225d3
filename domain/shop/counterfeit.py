"""Counterfeit reports: anyone signed in reports a listing; trust and safety decide.

Upholding a report takes the listing down, strikes its seller (three strikes suspend) and
removes its tags from videos — all in the application's one transaction. Reporters are
limited to ``REPORTS_PER_DAY`` reports a day: each day's count is its own small aggregate
(``ReportQuota``, id ``uuid5(reporter, day)``), so the limit holds under concurrent reports.
The rules a report of a listing shares with a report of a video (words, a decision once, the
day's count) are in ``domain.reports``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.reports import DailyReportQuota, report_words, require_open
from domain.reports import ReportDecided as ReportDecided  # raised by this module
from domain.reports import ReportLimitReached as ReportLimitReached  # raised by this module
from domain.time import checked_instant

REPORTS_PER_DAY = 10
MAX_TEXT = 2_000
MAX_EVIDENCE = 10
_QUOTAS = uuid5(NAMESPACE_URL, "urn:spotlight:report-quota")


class ReportStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


def _text(value: str, what: str) -> str:
    return report_words(value, what, MAX_TEXT)


class CounterfeitReport(DomainAggregate):
    TOPIC = "spotlight.reports:CounterfeitReport"

    class Filed(Aggregate.Created):
        TOPIC = "spotlight.reports:CounterfeitReported"
        listing_id: UUID
        seller: str
        reporter: str
        reason: str
        evidence: tuple[str, ...]
        filed_at: datetime

    class Upheld(Aggregate.Event):
        TOPIC = "spotlight.reports:CounterfeitReportUpheld"
        upheld_by: str
        reason: str
        upheld_at: datetime

    class Dismissed(Aggregate.Event):
        TOPIC = "spotlight.reports:CounterfeitReportDismissed"
        dismissed_by: str
        reason: str
        dismissed_at: datetime

    @classmethod
    def file(
        cls,
        report_id: UUID,
        *,
        listing_id: UUID,
        seller: str,
        reporter: str,
        reason: str,
        evidence: Iterable[str] = (),
        at: datetime,
    ) -> CounterfeitReport:
        kept = tuple(_text(e, "a piece of evidence") for e in evidence)
        if len(kept) > MAX_EVIDENCE:
            raise InvalidValue(f"a report carries at most {MAX_EVIDENCE} pieces of evidence")
        return cls(
            id=report_id,
            listing_id=listing_id,
            seller=seller,
            reporter=reporter,
            reason=_text(reason, "a report's reason"),
            evidence=kept,
            filed_at=checked_instant(at),
        )

    @event(Filed)
    def __init__(
        self,
        id: UUID,
        listing_id: UUID,
        seller: str,
        reporter: str,
        reason: str,
        evidence: tuple[str, ...],
        filed_at: datetime,
    ) -> None:
        self.listing_id = listing_id
        self.seller = seller
        self.reporter = reporter
        self.reason = reason
        self.evidence = tuple(evidence)
        self.filed_at = filed_at
        self.status = ReportStatus.OPEN
        self.decision_reason = ""

    def uphold(self, *, by: str, reason: str, at: datetime) -> None:
        self._require_open()
        self._upheld(upheld_by=by, reason=_text(reason, "a reason"), upheld_at=checked_instant(at))

    @event(Upheld)
    def _upheld(self, upheld_by: str, reason: str, upheld_at: datetime) -> None:
        self.status = ReportStatus.UPHELD
        self.decision_reason = reason

    def dismiss(self, *, by: str, reason: str, at: datetime) -> None:
        self._require_open()
        self._dismissed(
            dismissed_by=by, reason=_text(reason, "a reason"), dismissed_at=checked_instant(at)
        )

    @event(Dismissed)
    def _dismissed(self, dismissed_by: str, reason: str, dismissed_at: datetime) -> None:
        self.status = ReportStatus.DISMISSED
        self.decision_reason = reason

    def _require_open(self) -> None:
        require_open(ReportStatus(self.status), ReportStatus.OPEN)


class ReportQuota(DailyReportQuota, DomainAggregate):
    """How many reports one reporter filed on one day."""

    TOPIC = "spotlight.reports:ReportQuota"
    NAMESPACE = _QUOTAS

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.reports:ReportQuotaOpened"
        reporter: str
        day: str  # ISO date

    class Used(Aggregate.Event):
        TOPIC = "spotlight.reports:ReportQuotaUsed"
        report_id: UUID

    @event(Opened)
    def __init__(self, id: UUID, reporter: str, day: str) -> None:
        self.reporter = reporter
        self.day = day
        self.used = 0

    def use(self, report_id: UUID) -> None:
        self.require_room(REPORTS_PER_DAY, f"filed {REPORTS_PER_DAY} reports today")
        self._used(report_id=report_id)

    @event(Used)
    def _used(self, report_id: UUID) -> None:
        self.used += 1
