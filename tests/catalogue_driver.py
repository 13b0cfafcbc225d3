"""How tests register titles and publish videos: through the one way in, ``Anchoring``,
which matches what comes in, answered with the title's or the video's view; the catalogue's
other use cases are the core's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.auth import Principal
from application.catalogue import Catalogue
from application.views import TitleView, VideoView
from domain.anchors.portal import Portal
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight


class CatalogueDriver(Catalogue):
    def __init__(self, core: Spotlight) -> None:
        super().__init__(
            core._catalogue, clock=core.cataloguing.clock, identities=core.cataloguing.identities
        )
        self.core = core

    def register_title(
        self,
        actor: Principal,
        *,
        name: str,
        kind: TitleKind,
        portal: Portal | None = None,
        studio_id: str | None = None,
    ) -> TitleView:
        return self.core.anchoring.register_title(
            actor, name=name, kind=kind, portal=portal, studio_id=studio_id
        )

    def publish_video(
        self,
        actor: Principal,
        *,
        caption: str,
        hashtags: Sequence[str],
        category: str,
        creator_id: str | None = None,
    ) -> VideoView:
        return self.core.anchoring.publish_video(
            actor, caption=caption, hashtags=hashtags, category=category, creator_id=creator_id
        ).video

    def __getattr__(self, name: str) -> Any:
        """What a test reads of the catalogue's log itself: its recorder, repository, events."""
        return getattr(self._log, name)

    # For tests that count the log's entries one by one: the title or video made as the way in
    # makes it (authorised, checked by the domain) and saved alone, without the sweep that
    # registering a title starts or the anchors that matching proposes.

    def record_title(self, actor: Principal, *, name: str, kind: TitleKind) -> TitleView:
        title = self.new_title(actor, name=name, kind=kind)
        self._log.commit(title)
        return TitleView.of(title)

    def record_video(
        self, actor: Principal, *, caption: str, hashtags: Sequence[str], category: str
    ) -> VideoView:
        video = self.new_video(actor, caption=caption, hashtags=hashtags, category=category)
        self._log.commit(video)
        return VideoView.of(video)
