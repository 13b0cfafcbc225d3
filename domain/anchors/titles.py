"""A movie or show registered by a studio, with the portal its anchors lead to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.anchors.matching import MatchPolicy, TimeRange
from domain.anchors.portal import MAX_TEXT, Portal, checked_portal
from domain.errors import InvalidValue, RuleViolated
from domain.hashtags import normalise_hashtags
from domain.media import StoredBlob
from domain.text import checked_line
from domain.time import checked_instant

MAX_REFERENCES = 500
MAX_KEYWORDS = 100
MAX_EXCLUSIONS = 100


class TitleKind(StrEnum):
    MOVIE = "movie"
    SHOW = "show"


class PortalUnchanged(RuleViolated):
    """The offered portal is identical to the current one, so nothing would be recorded."""


class UnknownReference(RuleViolated):
    """The title has no reference clip with that id."""


class DuplicateReference(RuleViolated):
    """The same media (by digest) or the same id is already a reference of this title."""


def _ranges(values: Iterable[TimeRange]) -> tuple[TimeRange, ...]:
    return tuple(values)


@attrs.frozen
class Reference:
    """A clip the studio supplied as ground truth for audio and visual matching."""

    reference_id: UUID
    label: str
    digest: str
    duration_seconds: float
    excluded: tuple[TimeRange, ...] = attrs.field(default=(), converter=_ranges)


def _checked_exclusions(
    excluded: tuple[TimeRange, ...] | list[TimeRange], duration_seconds: float
) -> tuple[TimeRange, ...]:
    ranges = tuple(sorted(excluded, key=lambda r: (r.start, r.end)))
    if len(ranges) > MAX_EXCLUSIONS:
        raise InvalidValue(f"a reference holds at most {MAX_EXCLUSIONS} exclusions")
    for excluded_range in ranges:
        if excluded_range.start >= duration_seconds:
            raise InvalidValue(
                f"exclusion {excluded_range.start}..{excluded_range.end} s starts after the "
                f"reference ends ({duration_seconds:.1f} s)"
            )
    return ranges


def _checked_keywords(keywords: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    cleaned = tuple(
        dict.fromkeys(checked_line(k, "a keyword").strip() for k in keywords if k.strip())
    )
    if len(cleaned) > MAX_KEYWORDS or any(len(k) > MAX_TEXT for k in cleaned):
        raise InvalidValue(f"at most {MAX_KEYWORDS} keywords of up to {MAX_TEXT} characters")
    return cleaned


def _checked_name(name: str, what: str = "a title's name") -> str:
    stripped = checked_line(name, what).strip()
    if not stripped or len(stripped) > MAX_TEXT:
        raise InvalidValue(f"a title's name must have 1 to {MAX_TEXT} characters")
    return stripped


class Title(DomainAggregate):
    TOPIC = "spotlight.titles:Title"

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.titles:TitleRegistered"
        studio_id: str
        name: str
        kind: TitleKind
        portal: Portal
        registered_at: datetime

    class PortalUpdated(Aggregate.Event):
        TOPIC = "spotlight.titles:PortalUpdated"
        portal: Portal
        updated_by: str
        updated_at: datetime

    class ReferenceAdded(Aggregate.Event):
        TOPIC = "spotlight.titles:ReferenceAdded"
        reference: Reference
        added_by: str
        added_at: datetime

    class ReferenceMediaStored(Aggregate.Event):
        """A reference clip's bytes were kept in the media store (for reviewers)."""

        TOPIC = "spotlight.titles:ReferenceMediaStored"
        reference_id: UUID
        address: str
        size: int
        content_type: str
        stored_at: datetime

    class ReferenceExclusionsSet(Aggregate.Event):
        TOPIC = "spotlight.titles:ReferenceExclusionsSet"
        reference_id: UUID
        excluded: tuple[TimeRange, ...]
        set_by: str
        set_at: datetime

    class MatchWordsSet(Aggregate.Event):
        TOPIC = "spotlight.titles:MatchWordsSet"
        hashtags: tuple[str, ...]
        keywords: tuple[str, ...]
        set_by: str
        set_at: datetime

    class MatchPolicySet(Aggregate.Event):
        TOPIC = "spotlight.titles:MatchPolicySet"
        # 2: the policy may hold an engagement rule (``MatchPolicy.engagement``).
        # 3: the policy may hold an engagement bonus (``MatchPolicy.engagement_bonus``).
        class_version = 3
        policy: MatchPolicy
        set_by: str
        set_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # A policy set before the rule existed let engagement play no part.
            state["policy"] = attrs.evolve(state["policy"], engagement=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # A policy set before the bonus existed added nothing for engagement.
            state["policy"] = attrs.evolve(state["policy"], engagement_bonus=None)

    @classmethod
    def register(
        cls,
        title_id: UUID,
        *,
        studio_id: str,
        name: str,
        kind: TitleKind,
        portal: Portal,
        at: datetime,
    ) -> Title:
        if not studio_id:
            raise InvalidValue("a title belongs to a studio")
        return cls(
            id=title_id,
            studio_id=studio_id,
            name=_checked_name(name),
            kind=TitleKind(kind),
            portal=checked_portal(portal),
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        studio_id: str,
        name: str,
        kind: TitleKind,
        portal: Portal,
        registered_at: datetime,
    ) -> None:
        self.studio_id = studio_id
        self.name = name
        self.kind = TitleKind(kind)  # stored as its plain string value
        self.portal = portal
        self.registered_at = registered_at
        self.references: dict[UUID, Reference] = {}
        self.reference_media: dict[UUID, StoredBlob] = {}
        self.hashtags: tuple[str, ...] = ()
        self.keywords: tuple[str, ...] = ()
        self.policy = MatchPolicy()

    def is_owned_by(self, studio_id: str) -> bool:
        return self.studio_id == studio_id

    def update_portal(self, portal: Portal, *, by: str, at: datetime) -> None:
        if portal == self.portal:
            raise PortalUnchanged("the portal already has exactly this content")
        self._portal_updated(
            portal=checked_portal(portal), updated_by=by, updated_at=checked_instant(at)
        )

    @event(PortalUpdated)
    def _portal_updated(self, portal: Portal, updated_by: str, updated_at: datetime) -> None:
        self.portal = portal

    # Matching material ------------------------------------------------------------------

    def add_reference(
        self,
        reference_id: UUID,
        *,
        label: str,
        digest: str,
        duration_seconds: float,
        excluded: tuple[TimeRange, ...] | list[TimeRange] = (),
        by: str,
        at: datetime,
    ) -> Reference:
        if reference_id in self.references:
            raise DuplicateReference(f"reference {reference_id} is already on this title")
        if any(existing.digest == digest for existing in self.references.values()):
            raise DuplicateReference("this exact media is already a reference of this title")
        if len(self.references) >= MAX_REFERENCES:
            raise RuleViolated(f"a title holds at most {MAX_REFERENCES} reference clips")
        if duration_seconds <= 0:
            raise InvalidValue("a reference clip must last longer than zero seconds")
        reference = Reference(
            reference_id=reference_id,
            label=_checked_name(label or "reference", "a reference's label"),
            digest=digest,
            duration_seconds=duration_seconds,
            excluded=_checked_exclusions(excluded, duration_seconds),
        )
        self._reference_added(reference=reference, added_by=by, added_at=checked_instant(at))
        return reference

    @event(ReferenceAdded)
    def _reference_added(self, reference: Reference, added_by: str, added_at: datetime) -> None:
        self.references[reference.reference_id] = reference

    def store_reference_media(self, reference_id: UUID, blob: StoredBlob, *, at: datetime) -> None:
        """Record where a reference clip's bytes are kept (once per reference)."""
        reference = self.references.get(reference_id)
        if reference is None:
            raise UnknownReference(f"no reference {reference_id} on this title")
        if reference_id in self.reference_media:
            raise RuleViolated(f"reference {reference_id} already has its media stored")
        self._reference_media_stored(
            reference_id=reference_id, **blob.recorded(reference.digest, at)
        )

    @event(ReferenceMediaStored)
    def _reference_media_stored(
        self, reference_id: UUID, address: str, size: int, content_type: str, stored_at: datetime
    ) -> None:
        self.reference_media[reference_id] = StoredBlob(
            address=address, size=size, content_type=content_type
        )

    def set_exclusions(
        self,
        reference_id: UUID,
        excluded: tuple[TimeRange, ...] | list[TimeRange],
        *,
        by: str,
        at: datetime,
    ) -> None:
        reference = self.references.get(reference_id)
        if reference is None:
            raise UnknownReference(f"title {self.id} has no reference {reference_id}")
        self._reference_exclusions_set(
            reference_id=reference_id,
            excluded=_checked_exclusions(excluded, reference.duration_seconds),
            set_by=by,
            set_at=checked_instant(at),
        )

    @event(ReferenceExclusionsSet)
    def _reference_exclusions_set(
        self, reference_id: UUID, excluded: tuple[TimeRange, ...], set_by: str, set_at: datetime
    ) -> None:
        reference = self.references[reference_id]
        self.references[reference_id] = attrs.evolve(reference, excluded=_ranges(excluded))

    def set_match_words(
        self,
        *,
        hashtags: tuple[str, ...] | list[str],
        keywords: tuple[str, ...] | list[str],
        by: str,
        at: datetime,
    ) -> None:
        self._match_words_set(
            hashtags=normalise_hashtags(hashtags),
            keywords=_checked_keywords(keywords),
            set_by=by,
            set_at=checked_instant(at),
        )

    @event(MatchWordsSet)
    def _match_words_set(
        self, hashtags: tuple[str, ...], keywords: tuple[str, ...], set_by: str, set_at: datetime
    ) -> None:
        self.hashtags = tuple(hashtags)
        self.keywords = tuple(keywords)

    def set_policy(self, policy: MatchPolicy, *, by: str, at: datetime) -> None:
        self._match_policy_set(policy=policy, set_by=by, set_at=checked_instant(at))

    @event(MatchPolicySet)
    def _match_policy_set(self, policy: MatchPolicy, set_by: str, set_at: datetime) -> None:
        self.policy = policy
