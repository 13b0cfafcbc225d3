"""What studios and creators own, listed a page at a time (``application.paging``).

Each list is a keyset read of a persisted read model: a studio's titles from the studio
analytics' title rows (index (studio, registration)), a creator's videos from protection's
video rows (index (creator, publication)) with their anchor, hashtags and engagement from the
analytics' video rows, read by key for the page. Nothing is rebuilt in memory, and a title or
video added while a client pages comes at the end, after every item it has read.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar
from uuid import UUID

import attrs

from application.anchors.analytics import (
    RegisteredTitle,
    StudioAnalyticsProjection,
    VideoStanding,
)
from application.anchors.review_queue import (
    READ_AT_MOST,
    ReviewQueueProjection,
    TitleAnchor,
    TitleDispute,
)
from application.auth import Principal, Role, whose_list
from application.paging import KeysetCursors, Page
from application.persisted_lists import position_page
from application.projections import ProjectionRunner
from application.trust.protection import Protection, PublishedVideo
from domain.anchors.engagement import Engagement

TITLES = KeysetCursors("studio titles", int)
TITLE_ANCHORS = KeysetCursors("studio title anchors", int)
VIDEOS = KeysetCursors("creator videos", int)
DISPUTES = KeysetCursors("studio disputes", int)

Listed = TypeVar("Listed", TitleAnchor, TitleDispute)


@attrs.frozen
class OwnedTitle:
    title_id: UUID
    name: str
    anchored_videos: int
    views: int
    likes: int
    shares: int
    comments: int

    @classmethod
    def of(cls, row: RegisteredTitle) -> OwnedTitle:
        figures = row.figures
        return cls(
            title_id=figures.title_id,
            name=figures.name or "",
            anchored_videos=figures.anchored_videos,
            views=figures.engagement.views,
            likes=figures.engagement.likes,
            shares=figures.engagement.shares,
            comments=figures.engagement.comments,
        )


@attrs.frozen
class OwnedVideo:
    video_id: UUID
    moderation: str
    anchor_title_id: UUID | None  # the title it is anchored to, if any
    hashtags: tuple[str, ...]
    views: int
    likes: int
    shares: int
    comments: int


class OwnerLists:
    """The lists of what a studio or a creator owns."""

    def __init__(
        self,
        runner: ProjectionRunner,
        analytics: StudioAnalyticsProjection,
        protection: Protection,
        review: ReviewQueueProjection,
    ) -> None:
        self.runner = runner
        self.analytics = analytics
        self.protection = protection
        self.review = review

    def studio_titles(
        self,
        actor: Principal,
        studio_id: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[OwnedTitle]:
        """The studio's titles (none: the actor's own, a studio's) in the order they were
        registered."""
        studio_id = whose_list(actor, Role.STUDIO, studio_id, "its titles")
        page = position_page(
            TITLES,
            cursor,
            limit,
            read=lambda after, ask: self.analytics.tables.titles_page(
                self.runner.fresh(self.analytics.name), studio_id, after=after, limit=ask
            ),
            position=_order,
        )
        return Page(tuple(OwnedTitle.of(row) for row in page.items), page.next_cursor)

    def title_anchors(
        self,
        actor: Principal,
        studio_id: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[TitleAnchor]:
        """The anchors proposed, attached or disputed on the studio's titles (none: the
        actor's own, a studio's), each with its evidence, in the order they were first
        proposed or attached. A video protection excludes (a minor's, one restricted or
        removed) is nobody's to anchor, and is left out as the review queue leaves it out."""
        studio_id = whose_list(actor, Role.STUDIO, studio_id, "the anchors on its titles")
        return self._reviewed(
            TITLE_ANCHORS, self.review.tables.title_anchors, studio_id, limit, cursor
        )

    def studio_disputes(
        self,
        actor: Principal,
        studio_id: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[TitleDispute]:
        """The creators' disputes of anchors to the studio's titles (none: the actor's own,
        a studio's), open or decided, in the order they were opened; a protected video's
        are left out, as from the list of anchors."""
        studio_id = whose_list(actor, Role.STUDIO, studio_id, "the disputes on its titles")
        return self._reviewed(DISPUTES, self.review.tables.title_disputes, studio_id, limit, cursor)

    def _reviewed(
        self,
        cursors: KeysetCursors,
        table: Callable[..., list[Listed]],
        studio_id: str,
        limit: int,
        cursor: str | None,
    ) -> Page[Listed]:
        """A page of one of the review queue's lists of the studio's titles (``table``),
        less the rows of videos protection excludes."""
        return position_page(
            cursors,
            cursor,
            limit,
            read=lambda after, ask: self._unprotected(
                partial(table, self.runner.fresh(self.review.name), studio_id),
                after=after,
                ask=ask,
            ),
            position=_order,
        )

    def _unprotected(
        self, read: Callable[..., list[Listed]], *, after: int | None, ask: int
    ) -> list[Listed]:
        """Rows read after ``after`` until ``ask`` are of videos protection leaves alone (or
        the list ends), asking for more each time rows are left out."""
        excluded = self.protection.catch_up().excluded_among
        found: list[Listed] = []
        wanted, ask = ask, min(ask, READ_AT_MOST)
        while len(found) < wanted:
            rows = read(after=after, limit=ask)
            left_out = excluded({row.video_id for row in rows})
            found += [row for row in rows if row.video_id not in left_out]
            if len(rows) < ask:
                break
            after, ask = rows[-1].order, min(ask * 2, READ_AT_MOST)
        return found

    def creator_videos(
        self,
        actor: Principal,
        creator: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[OwnedVideo]:
        """The creator's videos (none: the actor's own, a creator's) in the order they were
        published, each with its moderation state, anchor, hashtags and engagement."""
        creator = whose_list(actor, Role.CREATOR, creator, "their videos")
        page = position_page(
            VIDEOS,
            cursor,
            limit,
            read=lambda after, ask: self.protection.projection.tables.videos_page(
                self.runner.fresh(self.protection.name), creator, after=after, limit=ask
            ),
            position=_order,
        )
        standings = self.analytics.tables.videos(
            self.runner.fresh(self.analytics.name), [row.video_id for row in page.items]
        )
        return Page(
            tuple(_video(row, standings.get(row.video_id)) for row in page.items),
            page.next_cursor,
        )


def _order(row: RegisteredTitle | TitleAnchor | TitleDispute | PublishedVideo) -> int:
    return row.order


def _video(row: PublishedVideo, standing: VideoStanding | None) -> OwnedVideo:
    engagement = standing.engagement if standing is not None else Engagement()
    return OwnedVideo(
        video_id=row.video_id,
        moderation=row.moderation.value,
        anchor_title_id=standing.anchor if standing is not None else None,
        hashtags=tuple(standing.hashtags or ()) if standing is not None else (),
        views=engagement.views,
        likes=engagement.likes,
        shares=engagement.shares,
        comments=engagement.comments,
    )
