"""Fingerprints of one piece of media (a video's upload or a title's reference clip).

Kept apart from Title and Video so that loading those aggregates never decodes fingerprints,
and so that matching indexes can be rebuilt from these events alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.time import checked_instant

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:media-fingerprints")


class MediaFingerprints(DomainAggregate):
    TOPIC = "spotlight.media:MediaFingerprints"

    class Taken(Aggregate.Created):
        TOPIC = "spotlight.media:FingerprintsTaken"
        owner: str
        digest: str
        duration_seconds: float
        fingerprints: dict[str, bytes]
        engine_versions: dict[str, str]

    @staticmethod
    def id_for(owner: str) -> UUID:
        """One set of fingerprints per owner ('video:<id>' or 'reference:<id>')."""
        return uuid5(_NAMESPACE, owner)

    @classmethod
    def take(
        cls,
        *,
        owner: str,
        digest: str,
        duration_seconds: float,
        fingerprints: Mapping[str, bytes],
        engine_versions: Mapping[str, str],
    ) -> MediaFingerprints:
        if duration_seconds <= 0:
            raise InvalidValue("media must last longer than zero seconds")
        if set(fingerprints) != set(engine_versions):
            raise InvalidValue("every fingerprint names the engine version that took it")
        return cls(
            id=cls.id_for(owner),
            owner=owner,
            digest=digest,
            duration_seconds=duration_seconds,
            fingerprints=dict(fingerprints),
            engine_versions=dict(engine_versions),
        )

    @event(Taken)
    def __init__(
        self,
        id: UUID,
        owner: str,
        digest: str,
        duration_seconds: float,
        fingerprints: dict[str, bytes],
        engine_versions: dict[str, str],
    ) -> None:
        self.owner = owner
        self.digest = digest
        self.duration_seconds = duration_seconds
        self.fingerprints = dict(fingerprints)
        self.engine_versions = dict(engine_versions)


@attrs.frozen
class StoredBlob:
    """Where an object's media is kept: the media store's content address (the sha256 of the
    bytes, the same as the upload's digest), its size and the type it is served with."""

    address: str
    size: int
    content_type: str

    def recorded(self, digest: str | None, at: datetime) -> dict[str, Any]:
        """The fields of the event that records this blob for an object whose upload had
        ``digest``: the media store keeps the very bytes that were decoded, never others."""
        if digest is None:
            raise InvalidValue("media is stored only for an object that has its media")
        if self.address != digest:
            raise InvalidValue("the stored media is not the upload this object was matched from")
        if self.size <= 0 or not self.content_type:
            raise InvalidValue("stored media has a size and a content type")
        return {**attrs.asdict(self), "stored_at": checked_instant(at)}
