"""Plain, immutable answers of the catalogue's queries: no aggregate leaves the application."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from domain.anchors.engagement import Engagement
from domain.anchors.matching import MatchPolicy
from domain.anchors.portal import Portal
from domain.anchors.titles import Reference, Title, TitleKind
from domain.anchors.videos import Anchor, Dispute, Proposal, Video


@attrs.frozen
class TitleView:
    id: UUID
    version: int
    studio_id: str
    name: str
    kind: TitleKind
    portal: Portal
    registered_at: datetime
    #: Its reference clips whose media is kept and plays back (``GET
    #: /v1/titles/{id}/references/{reference}/media``), for the reviewers' side by side.
    stored_references: frozenset[UUID] = frozenset()

    @classmethod
    def of(cls, title: Title) -> TitleView:
        return cls(
            id=title.id,
            version=title.version,
            studio_id=title.studio_id,
            name=title.name,
            kind=title.kind,
            portal=title.portal,
            registered_at=title.registered_at,
            stored_references=frozenset(title.reference_media),
        )


@attrs.frozen
class VideoView:
    id: UUID
    version: int
    creator_id: str
    caption: str
    hashtags: tuple[str, ...]
    category: str
    published_at: datetime
    engagement: Engagement
    anchor: Anchor | None
    proposals: tuple[Proposal, ...] = ()
    media_digest: str | None = None
    duration_seconds: float | None = None
    dispute: Dispute | None = None
    #: Its upload is kept in the media store and plays back (``GET /v1/videos/{id}/media``).
    media_stored: bool = False

    @classmethod
    def of(cls, video: Video) -> VideoView:
        return cls(
            id=video.id,
            version=video.version,
            creator_id=video.creator_id,
            caption=video.caption,
            hashtags=video.hashtags,
            category=video.category,
            published_at=video.published_at,
            engagement=video.engagement,
            anchor=video.anchor,
            proposals=tuple(sorted(video.proposals.values(), key=lambda p: p.proposed_at)),
            media_digest=video.media_digest,
            duration_seconds=video.duration_seconds,
            dispute=video.dispute,
            media_stored=video.stored_media is not None,
        )


@attrs.frozen
class MatchingView:
    """A title's matching material: visible to its studio, admins and auditors."""

    title_id: UUID
    version: int
    hashtags: tuple[str, ...]
    keywords: tuple[str, ...]
    references: tuple[Reference, ...]
    policy: MatchPolicy

    @classmethod
    def of(cls, title: Title) -> MatchingView:
        return cls(
            title_id=title.id,
            version=title.version,
            hashtags=title.hashtags,
            keywords=title.keywords,
            references=tuple(title.references.values()),
            policy=title.policy,
        )
