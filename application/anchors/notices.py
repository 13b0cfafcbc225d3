"""What the anchors program's decisions tell people, read from the catalogue log by the
notice follower (``application.notice_follower``).

The video's creator hears of an anchor proposed (matching routed the video to review for a
title, with the title and a summary of the evidence) and of that proposal rejected, of an
anchor attached (by a reviewer, with the reviewer's note; or automatically by matching or a
retroactive sweep, with the title and a summary of the evidence), revoked, and of a dispute
upheld or dismissed. A revocation made while a dispute
was open upholds it; one made by moderation is told as the moderation decision. Each notice
is keyed ``anchor:<video>:<kind>:<version>``, the version of its decision event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from application.auth import Principal, Role, person_key
from application.logs import CatalogueLog
from application.notice_follower import NoticeDraft, RulesOver, as_of, before
from domain.anchors.matching import SignalEvidence
from domain.anchors.titles import Title
from domain.anchors.videos import POLICY, Video
from domain.inbox import NoticeKind

#: Who revokes an anchor when moderation withdraws it (told as the moderation decision).
MODERATION = "moderation"


class AnchorNotices(RulesOver[CatalogueLog]):
    """The catalogue log's anchor decisions, as notices to the video's creator."""

    @property
    def topics(self) -> Sequence[str]:
        return (
            Video.AnchorProposed.TOPIC,
            Video.AnchorRejected.TOPIC,
            Video.AnchorAttached.TOPIC,
            Video.AnchorRevoked.TOPIC,
            Video.AnchorDisputeDismissed.TOPIC,
        )

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if isinstance(event, Video.AnchorProposed):
            return (self._proposed(event),)
        if isinstance(event, Video.AnchorRejected):
            kind = NoticeKind.ANCHOR_REJECTED
            return (self._decided(event, kind, event.title_id, event.reason),)
        if isinstance(event, Video.AnchorAttached):
            if event.attached_by == POLICY:
                return (self._attached_automatically(event),)
            return (self._decided(event, NoticeKind.ANCHOR_ATTACHED, event.title_id, event.note),)
        if isinstance(event, Video.AnchorRevoked):
            if event.revoked_by == MODERATION:
                return ()
            disputed = before(self.source, Video, event).dispute is not None
            kind = NoticeKind.DISPUTE_UPHELD if disputed else NoticeKind.ANCHOR_REVOKED
            return (self._decided(event, kind, event.title_id, event.reason),)
        if isinstance(event, Video.AnchorDisputeDismissed):
            kind = NoticeKind.DISPUTE_DISMISSED
            return (self._decided(event, kind, event.title_id, event.reason),)
        return ()

    def _creator(self, event: Any) -> str:
        video = as_of(self.source, Video, event.originator_id, event.originator_version)
        return person_key(Principal(Role.CREATOR, video.creator_id))

    def _decided(self, event: Any, kind: NoticeKind, title_id: UUID, reason: str) -> NoticeDraft:
        video_id = event.originator_id
        return NoticeDraft(
            recipient=self._creator(event),
            kind=kind,
            subject="A decision on your video's anchor",
            body=f"{kind.value.replace('_', ' ').capitalize()} on your video {video_id}.",
            key=f"anchor:{video_id}:{kind.value}:{event.originator_version}",
            about={"video": video_id, "title": title_id},
            reason=reason,
        )

    def _attached_automatically(self, event: Video.AnchorAttached) -> NoticeDraft:
        return self._matched(
            event,
            NoticeKind.ANCHOR_ATTACHED,
            subject="Your video is anchored to {title}",
            body=(
                "Your video {video} was anchored automatically to {title!r} ({evidence})."
                " If it is not, dispute the anchor."
            ),
            reason="matched automatically: {evidence}",
        )

    def _proposed(self, event: Video.AnchorProposed) -> NoticeDraft:
        return self._matched(
            event,
            NoticeKind.ANCHOR_PROPOSED,
            subject="Your video may be anchored to {title}",
            body=(
                "Your video {video} resembles {title!r} ({evidence}); a reviewer will decide"
                " whether it is anchored to it."
            ),
            reason="proposed by matching: {evidence}",
        )

    def _matched(
        self, event: Any, kind: NoticeKind, *, subject: str, body: str, reason: str
    ) -> NoticeDraft:
        """A notice of what matching did, naming the title and the evidence (the templates'
        ``{video}``, ``{title}``, ``{evidence}``)."""
        video_id = event.originator_id
        names = {
            "video": video_id,
            "title": self.source.read(Title, event.title_id).name,
            "evidence": evidence_summary(event.evidence),
        }
        return NoticeDraft(
            recipient=self._creator(event),
            kind=kind,
            subject=subject.format(**names)[:200],
            body=body.format(**names),
            key=f"anchor:{video_id}:{kind.value}:{event.originator_version}",
            about={"video": video_id, "title": event.title_id},
            reason=reason.format(**names),
        )


def evidence_summary(evidence: Sequence[SignalEvidence]) -> str:
    """What the match rested on, one signal at a time: ``audio 93% over 12 s; text 80%``."""
    if not evidence:
        return "no evidence recorded"
    parts = []
    for found in evidence:
        part = f"{found.signal.value} {round(found.score * 100)}%"
        if found.matched_seconds:
            part += f" over {found.matched_seconds:.0f} s"
        parts.append(part)
    return "; ".join(parts)
