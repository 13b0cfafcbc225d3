"""What the product recogniser made of a listing's photos, kept beside the listing.

Kept apart from ``Listing`` so that loading a listing to sell it never decodes descriptors,
and so that the recogniser's index is derived data that a replay rebuilds from these events.
The photos themselves are not kept (the listing holds their digests): a shop that upgrades
its recogniser asks sellers for the photos again.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.time import checked_instant

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:listing-descriptors")


class ListingDescriptors(DomainAggregate):
    TOPIC = "spotlight.shop:ListingDescriptors"

    class Described(Aggregate.Created):
        TOPIC = "spotlight.shop:ListingPhotosDescribed"
        listing_id: UUID
        recogniser: str  # the version of the recogniser that made the descriptors
        descriptors: bytes
        described_at: datetime

    @staticmethod
    def id_for(listing_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, str(listing_id))

    @classmethod
    def describe(
        cls, listing_id: UUID, *, recogniser: str, descriptors: bytes, at: datetime
    ) -> ListingDescriptors:
        if not descriptors:
            raise InvalidValue("a listing's descriptors may not be empty")
        if not recogniser.strip():
            raise InvalidValue("descriptors name the recogniser version that made them")
        return cls(
            id=cls.id_for(listing_id),
            listing_id=listing_id,
            recogniser=recogniser,
            descriptors=descriptors,
            described_at=checked_instant(at),
        )

    @event(Described)
    def __init__(
        self,
        id: UUID,
        listing_id: UUID,
        recogniser: str,
        descriptors: bytes,
        described_at: datetime,
    ) -> None:
        self.listing_id = listing_id
        self.recogniser = recogniser
        self.descriptors = descriptors
        self.described_at = described_at
