"""A brand's campaigns (business and Pulse), a campaign's branded effects, and the branded
effects of the campaigns live today, listed a page at a time (``application.paging``).

A persisted projection of the revenue log (``BrandListsProjection``; port
``BrandListTables``, rows in ``adapters.projections.brand_lists``): a row per campaign of
either program, keyed for its brand by the position it was launched at; a row per branded
effect, keyed for its campaign by the position it was registered at, and keeping its
campaign's flight (first and last day, the last moved earlier when the brand ends the
campaign early) so that the public list of live effects is a seek on (last day, position)
from today. The service holds nothing that grows with the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, whose_list
from application.errors import NotFound, NotPermitted
from application.logs import RevenueLog
from application.paging import Key, KeysetCursors, Page, int_at
from application.persisted_lists import PersistedLists, keyset_page, position_page
from application.ports import Clock
from application.projections import Batch, ProjectionRunner
from application.read_models import LogPositions
from application.topic_projection import TopicProjection, unmoved
from domain.business.campaigns import Campaign
from domain.business.effects import BrandedEffect
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.pulse import PulseCampaign

NAME = "brand campaigns and effects"
CAMPAIGNS = KeysetCursors("brand campaigns", int)
CAMPAIGN_EFFECTS = KeysetCursors("campaign effects", int)
LIVE_EFFECTS = KeysetCursors("live branded effects", str, int)


class Program(StrEnum):
    BUSINESS = "business"
    PULSE = "pulse"


@attrs.frozen
class BrandCampaign:
    campaign_id: UUID
    program: Program
    brand: str
    name: str
    budget: Money
    #: The flight: ISO dates (the last day inclusive) for a business campaign, ISO instants
    #: (the end exclusive) for a Pulse campaign.
    starts: str
    ends: str
    ended: bool  # a business campaign its brand ended (before or on its last day)
    launched_at: datetime
    position: int  # of its launch in the revenue log: its place in the brand's list


@attrs.frozen
class EffectRow:
    effect_id: UUID
    campaign_id: UUID
    brand: str
    name: str
    asset: str
    registered_at: datetime
    starts_on: date  # the campaign's first day
    last_day: date  # the campaign's last day (earlier if it was ended early)
    position: int  # of its registration in the revenue log


class BrandListTables(Protocol):
    """The rows of campaigns and branded effects, by generation (a port)."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def add_campaign(self, batch: Batch, row: BrandCampaign) -> None: ...

    def end_campaign(self, batch: Batch, campaign_id: UUID, ended_on: date) -> None:
        """The business campaign ended early: its last day and its effects' move to
        ``ended_on`` if earlier."""
        ...

    def campaign(self, batch: Batch, campaign_id: UUID) -> BrandCampaign | None: ...

    def add_effect(self, batch: Batch, row: EffectRow) -> None: ...

    def brand_of(self, generation: int, campaign_id: UUID) -> str | None: ...

    def campaigns(
        self,
        generation: int,
        brand: str,
        *,
        program: Program | None,
        after: int | None,
        limit: int,
    ) -> list[BrandCampaign]:
        """At most ``limit`` of the brand's campaigns (of ``program``, if named) launched
        after the position ``after`` (none: from the first), in the order launched."""
        ...

    def campaign_effects(
        self, generation: int, campaign_id: UUID, *, after: int | None, limit: int
    ) -> list[EffectRow]: ...

    def live_effects(
        self, generation: int, today: date, *, after: tuple[date, int] | None, limit: int
    ) -> list[EffectRow]:
        """At most ``limit`` of the effects whose campaign's flight holds ``today``, by
        (last day, position), after the key ``after`` (none: from the first)."""
        ...

    def every_campaign(self, generation: int) -> Iterator[BrandCampaign]: ...

    def every_effect(self, generation: int) -> Iterator[EffectRow]: ...


class BrandListsProjection(TopicProjection):
    """Campaigns of both programs and branded effects as rows, in log order."""

    name = NAME
    version = 1

    def __init__(self, tables: BrandListTables) -> None:
        self.tables = tables
        super().__init__(
            RevenueLog.name,
            tables,
            {
                Campaign.Launched.TOPIC: self._launched,
                Campaign.Ended.TOPIC: self._ended,
                PulseCampaign.Launched.TOPIC: self._pulse_launched,
                BrandedEffect.Registered.TOPIC: self._effect,
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """Every campaign and effect as it stands, positions in the audited log's."""
        position_of = positions.get(RevenueLog.name, unmoved)
        view: dict[str, object] = {}
        for campaign in self.tables.every_campaign(generation):
            view[f"campaign:{campaign.campaign_id}"] = attrs.evolve(
                campaign, position=position_of(campaign.position)
            )
        for effect in self.tables.every_effect(generation):
            view[f"effect:{effect.effect_id}"] = attrs.evolve(
                effect, position=position_of(effect.position)
            )
        return view

    def _launched(self, batch: Batch, event: Any, position: int) -> None:
        self._add(batch, event, position, Program.BUSINESS, event.starts_on, event.ends_on)

    def _ended(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.end_campaign(batch, event.originator_id, event.ended_at.date())

    def _pulse_launched(self, batch: Batch, event: Any, position: int) -> None:
        self._add(batch, event, position, Program.PULSE, event.starts_at, event.ends_at)

    def _add(
        self,
        batch: Batch,
        event: Any,
        position: int,
        program: Program,
        starts: date | datetime,
        ends: date | datetime,
    ) -> None:
        """A launched campaign of either program: its flight as ISO text."""
        self.tables.add_campaign(
            batch,
            BrandCampaign(
                campaign_id=event.originator_id,
                program=program,
                brand=event.brand,
                name=event.name,
                budget=event.budget,
                starts=starts.isoformat(),
                ends=ends.isoformat(),
                ended=False,
                launched_at=event.launched_at,
                position=position,
            ),
        )

    def _effect(self, batch: Batch, event: Any, position: int) -> None:
        campaign = self.tables.campaign(batch, event.campaign_id)
        if campaign is None:  # an effect is registered for a launched campaign only
            raise LookupError(f"effect {event.originator_id}: no campaign {event.campaign_id}")
        # A campaign takes effects only while it runs, never once ended: its planned last day.
        self.tables.add_effect(
            batch,
            EffectRow(
                effect_id=event.originator_id,
                campaign_id=event.campaign_id,
                brand=event.brand,
                name=event.name,
                asset=event.asset,
                registered_at=event.registered_at,
                starts_on=date.fromisoformat(campaign.starts),
                last_day=date.fromisoformat(campaign.ends),
                position=position,
            ),
        )


class BrandLists(PersistedLists[BrandListTables]):
    """A brand's campaigns, a campaign's branded effects, and the effects live today."""

    def __init__(
        self, runner: ProjectionRunner, projection: BrandListsProjection, *, clock: Clock
    ) -> None:
        super().__init__(runner, projection)
        self.clock = clock

    def campaigns(
        self,
        actor: Principal,
        brand: str | None = None,
        *,
        program: Program | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[BrandCampaign]:
        """The brand's campaigns (none named: the actor's own, a brand's) of both programs
        (or of ``program``), in the order launched, ended ones included."""
        brand = whose_list(actor, Role.BRAND, brand, "its campaigns")
        return self._position_page(
            CAMPAIGNS,
            cursor,
            limit,
            partial(self.tables.campaigns, brand=brand, program=program),
            lambda row: row.position,
        )

    def campaign_effects(
        self,
        actor: Principal,
        campaign_id: UUID,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[EffectRow]:
        """A business campaign's branded effects, in the order registered (its brand,
        admins, auditors)."""

        def read(after: int | None, ask: int) -> list[EffectRow]:
            generation = self._generation()
            brand = self.tables.brand_of(generation, campaign_id)
            if brand is None:
                raise NotFound("campaign", campaign_id)
            if actor.role not in (Role.ADMIN, Role.AUDITOR) and not owns(actor, Role.BRAND, brand):
                raise NotPermitted(
                    "a campaign's effects are listed to its brand, admins and auditors"
                )
            return self.tables.campaign_effects(generation, campaign_id, after=after, limit=ask)

        return position_page(
            CAMPAIGN_EFFECTS, cursor, limit, read=read, position=lambda row: row.position
        )

    def live_effects(self, *, limit: int = 50, cursor: str | None = None) -> Page[EffectRow]:
        """The branded effects of the campaigns in flight today (anyone): those ending
        soonest first, then in the order registered. A campaign ended early leaves the list
        the day after it ended."""
        return keyset_page(
            LIVE_EFFECTS,
            cursor,
            limit,
            after=_last_day_and_position,
            read=lambda after, ask: self.tables.live_effects(
                self._generation(), self.clock.now().date(), after=after, limit=ask
            ),
            key=lambda row: (row.last_day.isoformat(), row.position),
        )


def _last_day_and_position(key: Key) -> tuple[date, int]:
    try:
        return date.fromisoformat(str(key[0])), int_at(key, 1)
    except ValueError:
        raise InvalidValue("the cursor is not one 'live branded effects' gave") from None
