"""Products recognised in a video, shown to viewers as "find similar items" tags — with the
creator's consent.

A tag is added with its evidence and confidence, but viewers see it only once its creator has
been notified (``CreatorNotified``). The creator may remove any tag; a removed tag never comes
back for that listing and video. Creators may opt out of automatic tags for one video (here)
or for all their videos (``ShopPreferences``); an opted-out video gets no automatic tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.text import checked_free_text
from domain.time import checked_instant

MAX_TAGS = 20
_VIDEO_TAGS = uuid5(NAMESPACE_URL, "urn:spotlight:video-tags")
_PREFERENCES = uuid5(NAMESPACE_URL, "urn:spotlight:shop-preferences")


class TagRefused(RuleViolated):
    """The tag may not be added: removed before, already there, opted out, or too many."""


class NoSuchTag(RuleViolated):
    """The video has no such tag."""


class TagState(StrEnum):
    AWAITING_NOTICE = "awaiting-notice"  # recorded, creator not told yet: hidden
    SHOWN = "shown"  # the creator was told: viewers see it


@attrs.frozen
class Tag:
    listing_id: UUID
    confidence: float
    evidence: dict[str, Any]
    added_by: str  # 'recognition:<engine version>' or a person
    added_at: datetime
    state: TagState = TagState.AWAITING_NOTICE


class VideoTags(DomainAggregate):
    TOPIC = "spotlight.tags:VideoTags"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.tags:VideoTagsOpened"
        video_id: UUID
        creator: str

    class TagAdded(Aggregate.Event):
        TOPIC = "spotlight.tags:ProductTagAdded"
        listing_id: UUID
        confidence: float
        evidence: dict[str, Any]
        added_by: str
        added_at: datetime

    class CreatorNotified(Aggregate.Event):
        TOPIC = "spotlight.tags:CreatorNotifiedOfTag"
        listing_id: UUID
        notice_id: str  # the notifier's id of the message
        notified_at: datetime

    class TagRemoved(Aggregate.Event):
        TOPIC = "spotlight.tags:ProductTagRemoved"
        listing_id: UUID
        removed_by: str
        reason: str
        removed_at: datetime

    class AutoTagsOptedOut(Aggregate.Event):
        TOPIC = "spotlight.tags:VideoAutoTagsOptedOut"
        opted_out_at: datetime

    class AutoTagsOptedIn(Aggregate.Event):
        TOPIC = "spotlight.tags:VideoAutoTagsOptedIn"
        opted_in_at: datetime

    @staticmethod
    def id_for(video_id: UUID) -> UUID:
        return uuid5(_VIDEO_TAGS, str(video_id))

    @classmethod
    def open(cls, video_id: UUID, *, creator: str) -> VideoTags:
        return cls(id=cls.id_for(video_id), video_id=video_id, creator=creator)

    @event(Opened)
    def __init__(self, id: UUID, video_id: UUID, creator: str) -> None:
        self.video_id = video_id
        self.creator = creator
        self.tags: dict[UUID, Tag] = {}
        self.removed: set[UUID] = set()
        self.opted_out = False

    @property
    def shown(self) -> list[Tag]:
        return [t for t in self.tags.values() if TagState(t.state) is TagState.SHOWN]

    def may_tag(self, listing_id: UUID, *, automatic: bool, creator_opted_out: bool) -> str:
        """Why the listing may not be tagged on this video ('' when it may)."""
        if listing_id in self.removed:
            return "the creator or trust and safety removed this tag before"
        if listing_id in self.tags:
            return "the video carries this tag already"
        if automatic and (self.opted_out or creator_opted_out):
            return "the creator opted out of automatic tags"
        if len(self.tags) >= MAX_TAGS:
            return f"a video carries at most {MAX_TAGS} tags"
        return ""

    def add(
        self,
        listing_id: UUID,
        *,
        confidence: float,
        evidence: Mapping[str, Any],
        by: str,
        automatic: bool,
        creator_opted_out: bool,
        at: datetime,
    ) -> None:
        refusal = self.may_tag(listing_id, automatic=automatic, creator_opted_out=creator_opted_out)
        if refusal:
            raise TagRefused(refusal)
        if not 0.0 <= confidence <= 1.0:
            raise InvalidValue("a tag's confidence lies between 0 and 1")
        self._tag_added(
            listing_id=listing_id,
            confidence=confidence,
            evidence=dict(evidence),
            added_by=by,
            added_at=checked_instant(at),
        )

    @event(TagAdded)
    def _tag_added(
        self,
        listing_id: UUID,
        confidence: float,
        evidence: dict[str, Any],
        added_by: str,
        added_at: datetime,
    ) -> None:
        self.tags[listing_id] = Tag(listing_id, confidence, dict(evidence), added_by, added_at)

    def record_notice(self, listing_id: UUID, *, notice_id: str, at: datetime) -> None:
        tag = self._tag(listing_id)
        if TagState(tag.state) is TagState.SHOWN:
            raise RuleViolated("the creator was already told of this tag")
        self._creator_notified(
            listing_id=listing_id, notice_id=notice_id, notified_at=checked_instant(at)
        )

    @event(CreatorNotified)
    def _creator_notified(self, listing_id: UUID, notice_id: str, notified_at: datetime) -> None:
        self.tags[listing_id] = attrs.evolve(self.tags[listing_id], state=TagState.SHOWN)

    def remove(self, listing_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        self._tag(listing_id)
        if not checked_free_text(reason, "the reason for removing a tag").strip():
            raise InvalidValue("removing a tag needs a reason")
        self._tag_removed(
            listing_id=listing_id,
            removed_by=by,
            reason=reason.strip(),
            removed_at=checked_instant(at),
        )

    @event(TagRemoved)
    def _tag_removed(
        self, listing_id: UUID, removed_by: str, reason: str, removed_at: datetime
    ) -> None:
        self.tags.pop(listing_id, None)
        self.removed.add(listing_id)

    def opt_out(self, *, at: datetime) -> None:
        if self.opted_out:
            raise RuleViolated("automatic tags are already off for this video")
        self._opted_out(opted_out_at=checked_instant(at))

    @event(AutoTagsOptedOut)
    def _opted_out(self, opted_out_at: datetime) -> None:
        self.opted_out = True

    def opt_in(self, *, at: datetime) -> None:
        if not self.opted_out:
            raise RuleViolated("automatic tags are already on for this video")
        self._opted_in(opted_in_at=checked_instant(at))

    @event(AutoTagsOptedIn)
    def _opted_in(self, opted_in_at: datetime) -> None:
        self.opted_out = False

    def _tag(self, listing_id: UUID) -> Tag:
        tag = self.tags.get(listing_id)
        if tag is None:
            raise NoSuchTag(f"video {self.video_id} has no tag of listing {listing_id}")
        return tag


class ShopPreferences(DomainAggregate):
    """A creator's choices for all their videos: automatic tags, and the affiliate share."""

    TOPIC = "spotlight.tags:ShopPreferences"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.tags:ShopPreferencesOpened"
        creator: str

    class Changed(Aggregate.Event):
        TOPIC = "spotlight.tags:ShopPreferencesChanged"
        auto_tags: bool
        affiliate: bool
        changed_at: datetime

    @staticmethod
    def id_for(creator: str) -> UUID:
        return uuid5(_PREFERENCES, creator)

    @classmethod
    def open(cls, creator: str) -> ShopPreferences:
        return cls(id=cls.id_for(creator), creator=creator)

    @event(Opened)
    def __init__(self, id: UUID, creator: str) -> None:
        self.creator = creator
        self.auto_tags = True
        self.affiliate = False

    def change(self, *, auto_tags: bool, affiliate: bool, at: datetime) -> None:
        if (auto_tags, affiliate) == (self.auto_tags, self.affiliate):
            raise RuleViolated("these are the preferences already")
        self._changed(auto_tags=auto_tags, affiliate=affiliate, changed_at=checked_instant(at))

    @event(Changed)
    def _changed(self, auto_tags: bool, affiliate: bool, changed_at: datetime) -> None:
        self.auto_tags = auto_tags
        self.affiliate = affiliate
