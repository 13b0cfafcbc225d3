"""Branded effects: a brand's AR asset ("Branded Scan") tied to a campaign, and the videos
that declare they used it. Rendering the effect is the app's business; recording its use,
once per video, is ours: a video that declares a campaign's effect counts toward it."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.text import checked_line
from domain.time import checked_instant

MAX_NAME = 200
MAX_ASSET = 2_048
_USES = uuid5(NAMESPACE_URL, "urn:spotlight:effect-use")


class BrandedEffect(DomainAggregate):
    TOPIC = "spotlight.effects:BrandedEffect"

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.effects:BrandedEffectRegistered"
        brand: str
        campaign_id: UUID
        name: str
        asset: str  # where the app fetches the AR asset from: a reference, not the file
        registered_at: datetime

    @classmethod
    def register(
        cls,
        effect_id: UUID,
        *,
        brand: str,
        campaign_id: UUID,
        name: str,
        asset: str,
        at: datetime,
    ) -> BrandedEffect:
        cleaned = " ".join(checked_line(name, "an effect's name").split())
        if not cleaned or len(cleaned) > MAX_NAME:
            raise InvalidValue(f"an effect's name has 1 to {MAX_NAME} characters")
        reference = checked_line(asset, "an asset reference").strip()
        if not reference or len(reference) > MAX_ASSET or any(c.isspace() for c in reference):
            raise InvalidValue(
                f"an asset reference is 1 to {MAX_ASSET} characters without spaces "
                "(e.g. assets://glowco/scan-v2.glb)"
            )
        return cls(
            id=effect_id,
            brand=brand,
            campaign_id=campaign_id,
            name=cleaned,
            asset=reference,
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        brand: str,
        campaign_id: UUID,
        name: str,
        asset: str,
        registered_at: datetime,
    ) -> None:
        self.brand = brand
        self.campaign_id = campaign_id
        self.name = name
        self.asset = asset
        self.registered_at = registered_at


class EffectUse(DomainAggregate):
    """A video's declaration that it used an effect, once per effect and video."""

    TOPIC = "spotlight.effects:EffectUse"

    class Declared(Aggregate.Created):
        TOPIC = "spotlight.effects:EffectUseDeclared"
        effect_id: UUID
        video_id: UUID
        creator: str
        declared_at: datetime

    @staticmethod
    def id_for(effect_id: UUID, video_id: UUID) -> UUID:
        return uuid5(_USES, f"{effect_id}/{video_id}")

    @classmethod
    def declare(
        cls, effect: BrandedEffect, *, video_id: UUID, creator: str, at: datetime
    ) -> EffectUse:
        return cls(
            id=cls.id_for(effect.id, video_id),
            effect_id=effect.id,
            video_id=video_id,
            creator=creator,
            declared_at=checked_instant(at),
        )

    @event(Declared)
    def __init__(
        self, id: UUID, effect_id: UUID, video_id: UUID, creator: str, declared_at: datetime
    ) -> None:
        self.effect_id = effect_id
        self.video_id = video_id
        self.creator = creator
