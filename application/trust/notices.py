"""What moderation's decisions tell people, read from the catalogue log by the notice
follower (``application.notice_follower``): the video's creator hears of each decision on
their video, keyed ``moderation:<video>:<version>``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.auth import Principal, Role, person_key
from application.logs import CatalogueLog
from application.notice_follower import NoticeDraft, RulesOver, as_of
from domain.anchors.videos import Video
from domain.inbox import NoticeKind
from domain.trust.video_reports import AppealStatus, VideoReport


class ModerationNotices(RulesOver[CatalogueLog]):
    @property
    def topics(self) -> Sequence[str]:
        return (Video.ModerationDecided.TOPIC,)

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if not isinstance(event, Video.ModerationDecided):
            return ()
        video = as_of(self.source, Video, event.originator_id, event.originator_version)
        return (
            NoticeDraft(
                recipient=person_key(Principal(Role.CREATOR, video.creator_id)),
                kind=NoticeKind.VIDEO_MODERATED,
                subject="A moderation decision on your video",
                body=f"Your video is now {event.state} under {event.policy.strip()}.",
                key=f"moderation:{video.id}:{event.originator_version}",
                about={"video": video.id},
                reason=event.reason,
            ),
        )


class VideoReportNotices(RulesOver[CatalogueLog]):
    """A decision on a report reaches its reporter (``video_report_dismissed`` or
    ``video_report_upheld``; the creator hears of the video's moderation from
    ``ModerationNotices``); an appeal's outcome reaches the creator who filed it. Keyed
    ``video-report:<report>:<kind>``: each is decided once."""

    @property
    def topics(self) -> Sequence[str]:
        return (
            VideoReport.Dismissed.TOPIC,
            VideoReport.Upheld.TOPIC,
            VideoReport.AppealDecided.TOPIC,
        )

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if not isinstance(
            event, VideoReport.Dismissed | VideoReport.Upheld | VideoReport.AppealDecided
        ):
            return ()
        report = as_of(self.source, VideoReport, event.originator_id, event.originator_version)
        about = {"report": report.id, "video": report.video_id}
        if isinstance(event, VideoReport.AppealDecided):
            overturned = AppealStatus(event.outcome) is AppealStatus.OVERTURNED
            kind = NoticeKind.APPEAL_OVERTURNED if overturned else NoticeKind.APPEAL_UPHELD
            recipient = person_key(Principal(Role.CREATOR, report.creator))
            body = (
                "Your appeal was upheld: the decision on your video is overturned."
                if overturned
                else "Your appeal was decided: the decision on your video stands."
            )
            subject = "A decision on your appeal"
        else:
            upheld = isinstance(event, VideoReport.Upheld)
            kind = NoticeKind.VIDEO_REPORT_UPHELD if upheld else NoticeKind.VIDEO_REPORT_DISMISSED
            role, who = report.reporter.split(":", 1)
            recipient = person_key(Principal(Role(role), who))
            done = "removed" if report.outcome == "remove" else "age-restricted"
            body = (
                f"The video you reported was {done}."
                if upheld
                else "Your report was dismissed: the video stays as it is."
            )
            subject = "A decision on your report"
        return (
            NoticeDraft(
                recipient=recipient,
                kind=kind,
                subject=subject,
                body=body,
                key=f"video-report:{report.id}:{kind.value}",
                about=about,
                reason=event.reason,
            ),
        )
