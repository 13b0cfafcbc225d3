"""A creator's published video, its engagement and its (at most one) anchor to a title."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.categories import checked_category
from domain.engagement import Engagement
from domain.errors import InvalidValue, RuleViolated
from domain.hashtags import normalise_hashtags
from domain.time import checked_instant

MAX_CAPTION = 2_200
MAX_REASON = 1_000


class AlreadyAnchored(RuleViolated):
    """A video carries at most one anchor; the current one must be revoked first."""


class NotAnchored(RuleViolated):
    """There is no anchor to revoke."""


@attrs.frozen
class Anchor:
    """The link from a video to a title's portal, and who put it there."""

    title_id: UUID
    attached_by: str
    attached_at: datetime
    note: str


def _checked_reason(reason: str, what: str) -> str:
    stripped = reason.strip()
    if not stripped:
        raise InvalidValue(f"{what} needs a reason")
    if len(stripped) > MAX_REASON:
        raise InvalidValue(f"{what} reason is longer than {MAX_REASON} characters")
    return stripped


class Video(Aggregate):
    TOPIC = "spotlight.videos:Video"
    # VideoPublished is the creation event; see Title for why the inherited one is removed.
    Created = None  # type: ignore[assignment]

    class Published(Aggregate.Created):
        TOPIC = "spotlight.videos:VideoPublished"
        creator_id: str
        caption: str
        hashtags: tuple[str, ...]
        category: str
        published_at: datetime

    class EngagementRecorded(Aggregate.Event):
        TOPIC = "spotlight.videos:EngagementRecorded"
        added: Engagement
        recorded_at: datetime

    class AnchorAttached(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorAttached"
        title_id: UUID
        attached_by: str
        attached_at: datetime
        note: str

    class AnchorRevoked(Aggregate.Event):
        TOPIC = "spotlight.videos:AnchorRevoked"
        title_id: UUID
        revoked_by: str
        revoked_at: datetime
        reason: str

    @classmethod
    def publish(
        cls,
        video_id: UUID,
        *,
        creator_id: str,
        caption: str,
        hashtags: tuple[str, ...] | list[str],
        category: str,
        at: datetime,
    ) -> Video:
        if not creator_id:
            raise InvalidValue("a video has a creator")
        if len(caption) > MAX_CAPTION:
            raise InvalidValue(f"a caption holds at most {MAX_CAPTION} characters")
        return cls(
            id=video_id,
            creator_id=creator_id,
            caption=caption.strip(),
            hashtags=normalise_hashtags(hashtags),
            category=checked_category(category),
            published_at=checked_instant(at),
        )

    @event(Published)
    def __init__(
        self,
        id: UUID,
        creator_id: str,
        caption: str,
        hashtags: tuple[str, ...],
        category: str,
        published_at: datetime,
    ) -> None:
        self.creator_id = creator_id
        self.caption = caption
        self.hashtags = tuple(hashtags)
        self.category = category
        self.published_at = published_at
        self.engagement = Engagement()
        self.anchor: Anchor | None = None

    def is_created_by(self, creator_id: str) -> bool:
        return self.creator_id == creator_id

    def record_engagement(self, added: Engagement, *, at: datetime) -> None:
        if added.is_empty:
            raise InvalidValue("an engagement update must add something")
        self._engagement_recorded(added=added, recorded_at=checked_instant(at))

    @event(EngagementRecorded)
    def _engagement_recorded(self, added: Engagement, recorded_at: datetime) -> None:
        self.engagement = self.engagement + added

    def attach_anchor(self, title_id: UUID, *, by: str, at: datetime, note: str = "") -> None:
        if self.anchor is not None:
            raise AlreadyAnchored(
                f"video {self.id} is already anchored to title {self.anchor.title_id}"
            )
        if len(note) > MAX_REASON:
            raise InvalidValue(f"an anchor note holds at most {MAX_REASON} characters")
        self._anchor_attached(
            title_id=title_id, attached_by=by, attached_at=checked_instant(at), note=note.strip()
        )

    @event(AnchorAttached)
    def _anchor_attached(
        self, title_id: UUID, attached_by: str, attached_at: datetime, note: str
    ) -> None:
        self.anchor = Anchor(
            title_id=title_id, attached_by=attached_by, attached_at=attached_at, note=note
        )

    def revoke_anchor(self, *, by: str, reason: str, at: datetime) -> None:
        if self.anchor is None:
            raise NotAnchored(f"video {self.id} has no anchor to revoke")
        self._anchor_revoked(
            title_id=self.anchor.title_id,
            revoked_by=by,
            revoked_at=checked_instant(at),
            reason=_checked_reason(reason, "revoking an anchor"),
        )

    @event(AnchorRevoked)
    def _anchor_revoked(
        self, title_id: UUID, revoked_by: str, revoked_at: datetime, reason: str
    ) -> None:
        self.anchor = None
