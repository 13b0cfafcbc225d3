"""Viewers' reports of videos, the reviewers' queues, and creators' appeals
(``domain.trust.video_reports``).

Reporting is one transaction: the report and the reporter's day count
(``VideoReportQuota``), so a report past the day's quota records nothing, whichever process
takes it. Upholding a report is one transaction too: the report's decision and the video's
moderation decision (removed or age-restricted, its anchor withdrawn with it); its product
tags are withdrawn right after, as for any moderation decision. An overturned appeal of an
age restriction clears the video; one of a removal restores it (``Video.restore``, the only
way back from a removal), in the appeal's transaction.

The two queues (open reports; pending appeals) read a projection of the catalogue log in the
projection store (``VideoReportsProjection``; ``adapters.projections.video_reports`` keeps
its tables), in the order the reports (the appeals) were recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, require_role
from application.errors import NotPermitted
from application.logs import CatalogueLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock, IdentityProvider
from application.projections import Batch, Persisted, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from application.reports import (
    day_count,
    refuse_auditors,
    require_report_reader,
    retried,
)
from application.topic_projection import TopicProjection, unmoved
from application.trust.moderation import TagWithdrawal
from domain.anchors.videos import Video
from domain.errors import RuleViolated
from domain.trust.moderation import ModerationState
from domain.trust.video_reports import (
    AppealOutcome,
    AppealStatus,
    ReportOutcome,
    ReportReason,
    ReportStatus,
    VideoReport,
    VideoReportQuota,
    utc_day,
)

NAME = "video reports (report and appeal queues)"
LOG = "catalogue"
REPORTS = KeysetCursors("video report queue", int)
APPEALS = KeysetCursors("appeal queue", int)
#: The policy a decision on a report is recorded under, by the report's reason.
POLICY_PREFIX = "video-reports"
EXPORT_PAGE = 1_000


@attrs.frozen
class VideoReportView:
    id: UUID
    video_id: UUID
    creator: str
    reporter: str
    reason: ReportReason
    text: str
    reported_at: datetime
    status: ReportStatus
    outcome: str
    decision_reason: str
    appeal: AppealStatus
    appeal_text: str
    appeal_reason: str

    @classmethod
    def of(cls, report: VideoReport) -> VideoReportView:
        return cls(
            id=report.id,
            video_id=report.video_id,
            creator=report.creator,
            reporter=report.reporter,
            reason=ReportReason(report.reason),
            text=report.text,
            reported_at=report.reported_at,
            status=ReportStatus(report.status),
            outcome=report.outcome,
            decision_reason=report.decision_reason,
            appeal=AppealStatus(report.appeal),
            appeal_text=report.appeal_text,
            appeal_reason=report.appeal_reason,
        )


@attrs.frozen
class QueuedReport:
    """A row of a queue: the report and the position that orders it."""

    report_id: UUID
    position: int


class VideoReportTables(Protocol):
    """The queues' rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def reported(self, batch: Batch, report_id: UUID, position: int) -> None: ...

    def decided(self, batch: Batch, report_id: UUID) -> None:
        """The report leaves the report queue."""
        ...

    def appealed(self, batch: Batch, report_id: UUID, position: int) -> None: ...

    def appeal_decided(self, batch: Batch, report_id: UUID) -> None:
        """The appeal leaves the appeal queue."""
        ...

    def open_reports(self, generation: int, *, after: int | None, limit: int) -> list[QueuedReport]:
        """At most ``limit`` undecided reports recorded after position ``after``, in order."""
        ...

    def pending_appeals(
        self, generation: int, *, after: int | None, limit: int
    ) -> list[QueuedReport]:
        """At most ``limit`` undecided appeals filed after position ``after``, in order."""
        ...


class VideoReportsProjection(TopicProjection):
    name = NAME
    version = 1

    def __init__(self, tables: VideoReportTables) -> None:
        self.tables = tables
        super().__init__(
            LOG,
            tables,
            {
                VideoReport.Reported.TOPIC: lambda b, e, p: tables.reported(b, e.originator_id, p),
                VideoReport.Dismissed.TOPIC: lambda b, e, _: tables.decided(b, e.originator_id),
                VideoReport.Upheld.TOPIC: lambda b, e, _: tables.decided(b, e.originator_id),
                VideoReport.AppealFiled.TOPIC: lambda b, e, p: tables.appealed(
                    b, e.originator_id, p
                ),
                VideoReport.AppealDecided.TOPIC: lambda b, e, _: tables.appeal_decided(
                    b, e.originator_id
                ),
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """Both queues, with each place in the audited log's numbering."""
        place = positions.get(LOG, unmoved)
        view: dict[str, object] = {}
        for queue, read in (
            ("report", self.tables.open_reports),
            ("appeal", self.tables.pending_appeals),
        ):
            after: int | None = None
            while True:
                rows = read(generation, after=after, limit=EXPORT_PAGE)
                for row in rows:
                    view[f"{queue}:{row.report_id}"] = place(row.position)
                if len(rows) < EXPORT_PAGE:
                    break
                after = rows[-1].position
        return view


class VideoReports:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        runner: ProjectionRunner,
        projection: VideoReportsProjection,
        tagging: TagWithdrawal,
        clock: Clock,
        identities: IdentityProvider,
        per_day: int,
    ) -> None:
        self._catalogue = catalogue
        self.runner = runner
        self.projection = projection
        self.tagging = tagging
        self.clock = clock
        self.identities = identities
        #: Videos one person may report a UTC day.
        self.per_day = per_day

    def read_models(self) -> tuple[ReadModel, ...]:
        """The queues' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)

    def catch_up(self) -> int:
        """Brings the queues up to the end of the catalogue log; answers how many events
        were applied (``ProjectionFailed`` if one cannot be)."""
        return self.runner.catch_up(NAME)

    # Viewers --------------------------------------------------------------------------------

    def report(
        self, actor: Principal, video_id: UUID, *, reason: ReportReason | str, text: str = ""
    ) -> VideoReportView:
        """Anyone signed in but an auditor reports a video, for a reason of the fixed list and
        with optional words; past the reporter's quota of the UTC day it is
        ``ReportLimitReached`` and nothing is recorded."""
        refuse_auditors(actor)
        return retried(lambda: self._report(actor, video_id, reason, text))

    def _report(
        self, actor: Principal, video_id: UUID, reason: ReportReason | str, text: str
    ) -> VideoReportView:
        video = self._catalogue.load(Video, video_id)
        if ModerationState(video.moderation) is ModerationState.REMOVED:
            raise RuleViolated(f"video {video_id} was removed already")
        now = self.clock.now()
        day = utc_day(now)
        quota = day_count(self._catalogue, VideoReportQuota, actor.label, day)
        report = VideoReport.report(
            self.identities.new_id(),
            video_id=video.id,
            creator=video.creator_id,
            reporter=actor.label,
            reason=reason,
            text=text,
            at=now,
        )
        quota.use(report.id, quota=self.per_day)
        # The count and the report in one transaction: a reporter's racing reports contend
        # on the count's version, so the quota holds across processes.
        self._catalogue.commit(quota, report)
        return VideoReportView.of(report)

    def report_of(self, actor: Principal, report_id: UUID) -> VideoReportView:
        """A report: for its reporter, the video's creator, reviewers, admins, auditors."""
        report = self._catalogue.load(VideoReport, report_id)
        require_report_reader(
            actor,
            report.reporter,
            "a report is seen by its reporter, the video's creator and reviewers",
            also=owns(actor, Role.CREATOR, report.creator),
        )
        return VideoReportView.of(report)

    # Reviewers ------------------------------------------------------------------------------

    def queue(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[VideoReportView]:
        """The reports awaiting a decision, oldest first."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read reported videos")
        return self._queued(REPORTS, self.projection.tables.open_reports, limit, cursor)

    def decide(
        self, actor: Principal, report_id: UUID, outcome: ReportOutcome | str, *, reason: str
    ) -> VideoReportView:
        """Dismiss a report, or uphold it by removing or age-restricting the video (recorded
        with the report, under the policy ``video-reports/<reason>``). A decided report is
        ``ReportAlreadyDecided``."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="decide on a video report")
        report = self._catalogue.load(VideoReport, report_id)
        now = self.clock.now()
        report.decide(outcome, by=actor.label, reason=reason, at=now)
        if ReportStatus(report.status) is ReportStatus.DISMISSED:
            self._catalogue.commit(report)
            return VideoReportView.of(report)
        state = (
            ModerationState.REMOVED
            if ReportOutcome(report.outcome) is ReportOutcome.REMOVE
            else ModerationState.AGE_RESTRICTED
        )
        video = self._catalogue.load(Video, report.video_id)
        policy = f"{POLICY_PREFIX}/{report.reason}"
        already_removed = ModerationState(video.moderation) is ModerationState.REMOVED
        if already_removed and state is ModerationState.REMOVED:
            # Removed already (another report, a reviewer): this report was right all the same.
            self._catalogue.commit(report)
            return VideoReportView.of(report)
        video.moderate(state, reason=reason, policy=policy, by=actor.label, at=now)
        self._catalogue.commit(report, video)
        self.tagging.withdraw_tags_of_video(
            video.id, reason=f"moderation: {state.value} under {policy}: {reason.strip()}"
        )
        return VideoReportView.of(report)

    # Creators -------------------------------------------------------------------------------

    def appeal(self, actor: Principal, report_id: UUID, *, text: str) -> VideoReportView:
        """The video's creator appeals a report's decision against it, once
        (``AppealRefused`` otherwise)."""
        report = self._catalogue.load(VideoReport, report_id)
        if not owns(actor, Role.CREATOR, report.creator):
            raise NotPermitted("only the video's creator appeals a decision on it")
        report.file_appeal(by=actor.label, text=text, at=self.clock.now())
        self._catalogue.commit(report)
        return VideoReportView.of(report)

    def appeals(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[VideoReportView]:
        """The appeals awaiting a decision, oldest first."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read appeals")
        return self._queued(APPEALS, self.projection.tables.pending_appeals, limit, cursor)

    def decide_appeal(
        self, actor: Principal, report_id: UUID, outcome: AppealOutcome | str, *, reason: str
    ) -> VideoReportView:
        """Uphold an appeal's decision, or overturn it: an age restriction overturned clears
        the video, and a removal overturned restores it (``Video.restore``: a moderation
        decision of clear, saved with the appeal's), so it is served again; the creator is
        told of both."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="decide on an appeal")
        report = self._catalogue.load(VideoReport, report_id)
        now = self.clock.now()
        report.decide_appeal(outcome, by=actor.label, reason=reason, at=now)
        if AppealStatus(report.appeal) is AppealStatus.UPHELD:
            self._catalogue.commit(report)
            return VideoReportView.of(report)
        video = self._catalogue.load(Video, report.video_id)
        if ModerationState(video.moderation) is ModerationState.REMOVED:
            # The removal overturned: the video is served again.
            video.restore(reason=reason, policy=f"{POLICY_PREFIX}/appeal", by=actor.label, at=now)
        else:
            video.moderate(
                ModerationState.CLEAR,
                reason=reason,
                policy=f"{POLICY_PREFIX}/appeal",
                by=actor.label,
                at=now,
            )
        self._catalogue.commit(report, video)
        return VideoReportView.of(report)

    def _queued(
        self,
        cursors: KeysetCursors,
        read: Callable[..., list[QueuedReport]],
        limit: int,
        cursor: str | None,
    ) -> Page[VideoReportView]:
        """A page of a queue (``read`` by its tables), each report loaded for its view."""
        key, size = cursors.decode(cursor), limited(limit)
        rows = read(
            self.runner.fresh(NAME), after=None if key is None else int_at(key, 0), limit=size + 1
        )
        page = cursors.page(rows, size, lambda row: (row.position,))
        found = [
            VideoReportView.of(self._catalogue.load(VideoReport, row.report_id))
            for row in page.items
        ]
        return Page(tuple(found), page.next_cursor)
