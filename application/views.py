"""Plain, immutable answers of the catalogue's queries: no aggregate leaves the application."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from domain.engagement import Engagement
from domain.portal import Portal
from domain.titles import Title, TitleKind
from domain.videos import Anchor, Video


@attrs.frozen
class TitleView:
    id: UUID
    version: int
    studio_id: str
    name: str
    kind: TitleKind
    portal: Portal
    registered_at: datetime

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
        )
