"""The catalogue: titles and their portals, published videos, and the anchors between them.

Each use case is get -> authorise -> command the aggregate -> save. Object-level checks
(a studio edits only its own titles) live here because they need the acting party.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.auth import Principal, Role, acting_for, owns, require_role
from application.errors import NotPermitted
from application.logs import CatalogueLog
from application.ports import Clock, IdentityProvider
from application.title_views import TitleViews
from application.views import TitleView, VideoView
from domain.anchors.engagement import Engagement
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video


class Catalogue:
    """Use cases over the catalogue's log. Titles are registered and videos published by
    ``application.anchors.anchoring.Anchoring``, which matches them as they come in; here they are
    made (authorised, unsaved) and, once saved, read and edited."""

    def __init__(
        self,
        log: CatalogueLog,
        *,
        clock: Clock,
        identities: IdentityProvider,
    ) -> None:
        self._log = log
        #: Tells creators of decisions on their videos' anchors (none: nobody is told).
        self.clock = clock
        self.identities = identities
        self.title_views = TitleViews(log)

    # Titles -----------------------------------------------------------------------------

    def new_title(
        self,
        actor: Principal,
        *,
        name: str,
        kind: TitleKind,
        portal: Portal | None = None,
        studio_id: str | None = None,
    ) -> Title:
        """An authorised, unsaved title, for use cases that save more alongside it."""
        owner = acting_for(actor, studio_id, Role.STUDIO, doing="register a title")
        return Title.register(
            self.identities.new_id(),
            studio_id=owner,
            name=name,
            kind=kind,
            portal=portal or Portal(),
            at=self.clock.now(),
        )

    def update_portal(
        self,
        actor: Principal,
        title_id: UUID,
        portal: Portal,
        *,
        expected_version: int | None = None,
    ) -> TitleView:
        """A studio edits the portal of one of its own titles (an admin any title's); another
        studio's title is ``NotPermitted``."""
        title = self._log.load(Title, title_id, expected_version)
        if actor.role is not Role.ADMIN:
            require_role(actor, Role.STUDIO, doing="edit a title's portal")
            if not owns(actor, Role.STUDIO, title.studio_id):
                raise NotPermitted("a studio may only edit the portal of its own titles")
        if portal == title.portal:
            # Replacing the portal with itself is done already: idempotent, nothing recorded.
            return TitleView.of(title)
        title.update_portal(portal, by=actor.label, at=self.clock.now())
        self._log.commit(title)
        return TitleView.of(title)

    def title(self, title_id: UUID) -> TitleView:
        """A title as a view (anyone may read it); an unknown title is ``NotFound``."""
        return self.title_views.view(title_id)

    # Videos -----------------------------------------------------------------------------

    def new_video(
        self,
        actor: Principal,
        *,
        caption: str,
        hashtags: Sequence[str],
        category: str,
        creator_id: str | None = None,
    ) -> Video:
        """An authorised, unsaved video, for use cases that save more alongside it."""
        creator = acting_for(actor, creator_id, Role.CREATOR, doing="publish a video")
        return Video.publish(
            self.identities.new_id(),
            creator_id=creator,
            caption=caption,
            hashtags=list(hashtags),
            category=category,
            at=self.clock.now(),
        )

    def record_engagement(self, actor: Principal, video_id: UUID, added: Engagement) -> VideoView:
        """An admin adds engagement (views, likes, ...) to a video."""
        require_role(actor, Role.ADMIN, doing="record engagement")
        video = self._log.load(Video, video_id)
        video.record_engagement(added, at=self.clock.now())
        self._log.commit(video)
        return VideoView.of(video)

    def video(self, video_id: UUID) -> VideoView:
        """A video as a view (anyone may read it); an unknown video is ``NotFound``."""
        return VideoView.of(self._log.load(Video, video_id))

    # Anchors ----------------------------------------------------------------------------

    def attach_anchor(
        self,
        actor: Principal,
        video_id: UUID,
        title_id: UUID,
        *,
        note: str = "",
        expected_version: int | None = None,
    ) -> VideoView:
        """A reviewer or admin attaches a video to a title directly, and the creator is told."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="attach an anchor")
        video = self._log.load(Video, video_id, expected_version)
        self._log.load(Title, title_id)
        video.attach_anchor(title_id, by=actor.label, at=self.clock.now(), note=note)
        self._log.commit(video)
        return VideoView.of(video)

    def revoke_anchor(
        self,
        actor: Principal,
        video_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> VideoView:
        """A reviewer or admin revokes a video's anchor, or a studio one to its own title (another
        studio's is ``NotPermitted``), and the creator is told."""
        video = self._log.load(Video, video_id, expected_version)
        if actor.role is Role.STUDIO:
            anchored_title = video.anchor.title_id if video.anchor else None
            if anchored_title is None or not owns(
                actor, Role.STUDIO, self._log.load(Title, anchored_title).studio_id
            ):
                raise NotPermitted("a studio may only revoke anchors to its own titles")
        else:
            require_role(actor, Role.REVIEWER, Role.ADMIN, Role.STUDIO, doing="revoke an anchor")
        video.revoke_anchor(by=actor.label, reason=reason, at=self.clock.now())
        self._log.commit(video)
        return VideoView.of(video)
