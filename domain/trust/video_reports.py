"""Viewers' reports of videos, reviewers' decisions on them, and creators' appeals.

A viewer reports a video for one reason of a fixed list (``ReportReason``) with optional
words of their own. A reviewer decides each report once: dismissed, or upheld by removing
the video or age-restricting it (the decision on the video itself is the Video's
``ModerationDecided``, recorded in the same transaction). The video's creator may appeal an
upheld report once; a reviewer then upholds the decision or overturns it.

Each reporter may file ``quota`` reports a UTC day (a setting, ``DEFAULT_REPORTS_PER_DAY``
unless configured): the day's count is its own small aggregate (``VideoReportQuota``, id
``uuid5(reporter, day)``) saved with the report, so two reports racing for the last place
of a day contend on one aggregate's version and only one is recorded. The rules a report of
a video shares with a report of a listing (words, a decision once, the day's count) are
``domain.reports``'.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated, one_of
from domain.reports import DailyReportQuota, ReportDecided, report_words, require_open
from domain.reports import ReportLimitReached as ReportLimitReached  # raised by this module
from domain.time import checked_instant

DEFAULT_REPORTS_PER_DAY = 20
MAX_TEXT = 1_000
MAX_DECISION = 500
_QUOTAS = uuid5(NAMESPACE_URL, "urn:spotlight:video-report-quota")


class ReportReason(StrEnum):
    """Why a viewer reports a video: the list is fixed (clients offer it as a choice)."""

    SPAM = "spam"
    HARASSMENT = "harassment"
    HATE = "hate"
    VIOLENCE = "violence"
    SEXUAL_CONTENT = "sexual-content"
    CHILD_SAFETY = "child-safety"
    SELF_HARM = "self-harm"
    MISINFORMATION = "misinformation"
    COPYRIGHT = "copyright"
    OTHER = "other"


class ReportOutcome(StrEnum):
    """What a reviewer decides on a report."""

    DISMISS = "dismiss"
    REMOVE = "remove"
    AGE_RESTRICT = "age-restrict"


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"  # the video was removed or age-restricted


class AppealStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    UPHELD = "upheld"  # the decision stands
    OVERTURNED = "overturned"  # the decision is undone


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    OVERTURN = "overturn"


class ReportAlreadyDecided(ReportDecided):
    """The report was dismissed or upheld already."""


class AppealRefused(RuleViolated):
    """Only an upheld report may be appealed, and only once."""


class AppealAlreadyDecided(RuleViolated):
    """The appeal was decided already (or none is pending)."""


def utc_day(at: datetime) -> date:
    """The UTC calendar day of an instant: the quota's day, whatever the reporter's zone."""
    return checked_instant(at).astimezone(UTC).date()


class VideoReport(DomainAggregate):
    TOPIC = "spotlight.video_reports:VideoReport"

    class Reported(Aggregate.Created):
        TOPIC = "spotlight.video_reports:VideoReported"
        video_id: UUID
        creator: str
        reporter: str
        reason: str
        text: str
        reported_at: datetime

    class Dismissed(Aggregate.Event):
        TOPIC = "spotlight.video_reports:ReportDismissed"
        decided_by: str
        reason: str
        decided_at: datetime

    class Upheld(Aggregate.Event):
        TOPIC = "spotlight.video_reports:ReportUpheld"
        outcome: str  # remove or age-restrict
        decided_by: str
        reason: str
        decided_at: datetime

    class AppealFiled(Aggregate.Event):
        TOPIC = "spotlight.video_reports:AppealFiled"
        appellant: str
        text: str
        filed_at: datetime

    class AppealDecided(Aggregate.Event):
        TOPIC = "spotlight.video_reports:AppealDecided"
        outcome: str  # upheld or overturned
        decided_by: str
        reason: str
        decided_at: datetime

    @classmethod
    def report(
        cls,
        report_id: UUID,
        *,
        video_id: UUID,
        creator: str,
        reporter: str,
        reason: ReportReason | str,
        text: str = "",
        at: datetime,
    ) -> VideoReport:
        return cls(
            id=report_id,
            video_id=video_id,
            creator=creator,
            reporter=reporter,
            reason=one_of(ReportReason, str(reason), "a report's reason").value,
            text=report_words(text, "a report's text", MAX_TEXT, required=False),
            reported_at=checked_instant(at),
        )

    @event(Reported)
    def __init__(
        self,
        id: UUID,
        video_id: UUID,
        creator: str,
        reporter: str,
        reason: str,
        text: str,
        reported_at: datetime,
    ) -> None:
        self.video_id = video_id
        self.creator = creator
        self.reporter = reporter
        self.reason = reason
        self.text = text
        self.reported_at = reported_at
        self.status = ReportStatus.OPEN
        self.outcome = ""
        self.decision_reason = ""
        self.decided_by = ""
        self.appeal = AppealStatus.NONE
        self.appeal_text = ""
        self.appeal_reason = ""

    def decide(self, outcome: ReportOutcome | str, *, by: str, reason: str, at: datetime) -> None:
        """Dismiss the report, or uphold it by removing or age-restricting the video."""
        decided = one_of(ReportOutcome, str(outcome), "a decision")
        require_open(ReportStatus(self.status), ReportStatus.OPEN, ReportAlreadyDecided)
        why = report_words(reason, "a decision's reason", MAX_DECISION)
        if decided is ReportOutcome.DISMISS:
            self._dismissed(decided_by=by, reason=why, decided_at=checked_instant(at))
        else:
            self._upheld(
                outcome=decided.value, decided_by=by, reason=why, decided_at=checked_instant(at)
            )

    @event(Dismissed)
    def _dismissed(self, decided_by: str, reason: str, decided_at: datetime) -> None:
        self.status = ReportStatus.DISMISSED
        self.outcome = ReportOutcome.DISMISS.value
        self.decision_reason = reason
        self.decided_by = decided_by

    @event(Upheld)
    def _upheld(self, outcome: str, decided_by: str, reason: str, decided_at: datetime) -> None:
        self.status = ReportStatus.UPHELD
        self.outcome = outcome
        self.decision_reason = reason
        self.decided_by = decided_by

    def file_appeal(self, *, by: str, text: str, at: datetime) -> None:
        """The creator appeals an upheld report's decision: once."""
        if ReportStatus(self.status) is not ReportStatus.UPHELD:
            raise AppealRefused("only a report upheld against the video may be appealed")
        if AppealStatus(self.appeal) is not AppealStatus.NONE:
            raise AppealRefused("the decision was appealed already; an appeal is filed once")
        self._appeal_filed(
            appellant=by,
            text=report_words(text, "an appeal's text", MAX_TEXT),
            filed_at=checked_instant(at),
        )

    @event(AppealFiled)
    def _appeal_filed(self, appellant: str, text: str, filed_at: datetime) -> None:
        self.appeal = AppealStatus.PENDING
        self.appeal_text = text

    def decide_appeal(
        self, outcome: AppealOutcome | str, *, by: str, reason: str, at: datetime
    ) -> None:
        decided = one_of(AppealOutcome, str(outcome), "an appeal's outcome")
        if AppealStatus(self.appeal) is not AppealStatus.PENDING:
            raise AppealAlreadyDecided(
                f"no appeal is pending on this report (its appeal: {AppealStatus(self.appeal)})"
            )
        status = AppealStatus.UPHELD if decided is AppealOutcome.UPHOLD else AppealStatus.OVERTURNED
        self._appeal_decided(
            outcome=status.value,
            decided_by=by,
            reason=report_words(reason, "an appeal decision's reason", MAX_DECISION),
            decided_at=checked_instant(at),
        )

    @event(AppealDecided)
    def _appeal_decided(
        self, outcome: str, decided_by: str, reason: str, decided_at: datetime
    ) -> None:
        self.appeal = AppealStatus(outcome)
        self.appeal_reason = reason


class VideoReportQuota(DailyReportQuota, DomainAggregate):
    """How many videos one reporter reported on one UTC day."""

    TOPIC = "spotlight.video_reports:VideoReportQuota"
    NAMESPACE = _QUOTAS

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.video_reports:VideoReportQuotaOpened"
        reporter: str
        day: str  # ISO date, UTC

    class Used(Aggregate.Event):
        TOPIC = "spotlight.video_reports:VideoReportQuotaUsed"
        report_id: UUID

    @event(Opened)
    def __init__(self, id: UUID, reporter: str, day: str) -> None:
        self.reporter = reporter
        self.day = day
        self.used = 0

    def use(self, report_id: UUID, *, quota: int) -> None:
        """Count one more report of the day, or refuse it past ``quota``."""
        if quota < 1:
            raise InvalidValue("a daily quota of reports is at least 1")
        self.require_room(quota, f"reported {quota} videos today (UTC)")
        self._used(report_id=report_id)

    @event(Used)
    def _used(self, report_id: UUID) -> None:
        self.used += 1
