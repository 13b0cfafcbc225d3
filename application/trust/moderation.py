"""Moderation: reviewers' decisions on videos, accounts' age bands, and the automated
classifier that flags videos as they are published.

A decision that restricts or removes a video withdraws its anchor in the same transaction
(the Video aggregate does it) and then its product tags, each with the decision as the
recorded reason; Pulse inventory and campaign dashboards leave it out from the moment the
decision is in the log. Recording that an account is under 18 does the same for every video
of theirs: their anchors and tags are withdrawn, and no program takes them up again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, acting_for, require_role
from application.errors import NotFound
from application.logs import CatalogueLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock
from application.trust.protection import MINOR, Protection, ProtectionModel
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand, Flag, ModerationState


class ContentClassifier(Protocol):
    """Flags what a video's words say (caption and hashtags); each flag names its label, how
    serious it is and the words that raised it. Deterministic for one ``version``."""

    version: str

    def classify(self, caption: str, hashtags: Sequence[str]) -> list[Flag]: ...


class TagWithdrawal(Protocol):
    """The shop's side of protection: take a video's product tags down, saying why."""

    def withdraw_tags_of_video(self, video_id: UUID, *, reason: str) -> int: ...


@attrs.frozen
class ModerationView:
    video_id: UUID
    state: ModerationState
    flags: tuple[Flag, ...]
    anchored: bool
    tags_withdrawn: int = 0


@attrs.frozen
class FlaggedVideo:
    video_id: UUID
    creator: str
    flags: tuple[Flag, ...]


FLAGGED = KeysetCursors("moderation queue", int)


class Moderation:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        tagging: TagWithdrawal,
        clock: Clock,
        protection: Protection,
    ) -> None:
        self._catalogue = catalogue
        #: Tells creators of moderation decisions on their videos (none: nobody is told).
        self.tagging = tagging
        self.clock = clock
        self.protection = protection
        self.model = protection.model
        self._lock = threading.RLock()

    def catch_up(self) -> ProtectionModel:
        """The protection model (excluded videos, minors, flagged videos) with every event of the
        log applied, for decisions that must see the latest moderation."""
        return self.protection.catch_up()

    def decide(
        self,
        actor: Principal,
        video_id: UUID,
        state: ModerationState | str,
        *,
        reason: str,
        policy: str,
    ) -> ModerationView:
        """A reviewer's decision. Restricting or removing takes the video out of every
        program: its anchor now, its product tags right after."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="moderate a video")
        video = self._catalogue.load(Video, video_id)
        video.moderate(state, reason=reason, policy=policy, by=actor.label, at=self.clock.now())
        self._catalogue.commit(video)
        withdrawn = 0
        if video.restricted:
            decided = ModerationState(video.moderation).value
            withdrawn = self.tagging.withdraw_tags_of_video(
                video_id, reason=f"moderation: {decided} under {policy.strip()}: {reason.strip()}"
            )
        return ModerationView(
            video_id=video.id,
            state=ModerationState(video.moderation),
            flags=video.flags,
            anchored=video.anchor is not None,
            tags_withdrawn=withdrawn,
        )

    def moderation_of(self, actor: Principal, video_id: UUID) -> ModerationView:
        """A video's moderation state, flags and whether it is anchored: for its creator, a
        reviewer, an admin or an auditor (another creator is ``NotPermitted``)."""
        video = self._catalogue.load(Video, video_id)
        if actor.role not in (Role.REVIEWER, Role.ADMIN, Role.AUDITOR):
            acting_for(actor, video.creator_id, Role.CREATOR, doing="read a video's moderation")
        return ModerationView(
            video_id=video.id,
            state=ModerationState(video.moderation),
            flags=video.flags,
            anchored=video.anchor is not None,
        )

    def flagged(
        self, actor: Principal, *, limit: int = 100, cursor: str | None = None
    ) -> Page[FlaggedVideo]:
        """Videos restricted by a classifier's flag and awaiting a reviewer, oldest first
        (in the order first moderated: one flagged meanwhile comes at the end)."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read flagged videos")
        key = FLAGGED.decode(cursor)
        size = limited(limit)
        after = None if key is None else int_at(key, 0)
        rows = self.catch_up().flagged(after=after, limit=size + 1)
        page = FLAGGED.page(rows, size, lambda row: (row[0],))
        found = []
        for _, video_id in page.items:
            video = self._catalogue.load(Video, video_id)
            found.append(FlaggedVideo(video_id, video.creator_id, video.flags))
        return Page(tuple(found), page.next_cursor)

    def record_age_band(
        self,
        actor: Principal,
        account: str,
        band: AgeBand | str,
        *,
        reason: str | None = None,
    ) -> tuple[Creator, int]:
        """An account's age band: declared by the creator (only ever younger than the band
        recorded), or decided by an admin who verified it, with the ``reason`` (an admin
        without a reason declares, as a creator would). A band under 18 withdraws the
        anchors and tags of every video of theirs; answers the creator and how many of
        their videos were withdrawn from programs."""
        owner = acting_for(actor, account, Role.CREATOR, doing="record an age band")
        creator = self._catalogue.find(Creator, Creator.id_for(owner))
        if creator is None:
            raise NotFound("creator", owner)
        now = self.clock.now()
        if actor.role is Role.ADMIN and reason is not None:
            changed = creator.verify_age_band(band, reason=reason, by=actor.label, at=now)
        else:
            changed = creator.record_age_band(band, by=actor.label, at=now)
        if changed:
            self._catalogue.commit(creator)
        withdrawn = self._withdraw_minor(owner) if creator.is_minor else 0
        return creator, withdrawn

    def _withdraw_minor(self, account: str) -> int:
        touched = 0
        for video_id in self.catch_up().videos_of(account):
            video = self._catalogue.load(Video, video_id)
            changed = False
            if video.anchor is not None:
                video.revoke_anchor(by="moderation", reason=MINOR, at=self.clock.now())
                self._catalogue.commit(video)
                changed = True
            if self.tagging.withdraw_tags_of_video(video_id, reason=f"protection: {MINOR}"):
                changed = True
            touched += changed
        return touched

    def export(self) -> dict[str, object]:
        """The caught-up protection model as comparable rows, for the auditor's replay."""
        with self._lock:
            return self.catch_up().export()
