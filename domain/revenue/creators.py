"""Creators as the platform knows them: home region, follower counts and moderation strikes.

These are recorded facts that programs decide on (Pulse eligibility reads them); none of them
is ever taken from the request that asks for a decision. The id is derived from the account,
so an account has one creator record.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.bounds import checked_quantity
from domain.errors import InvalidValue, RuleViolated, one_of
from domain.identifiers import checked_account
from domain.music.artists import checked_region
from domain.text import checked_free_text
from domain.time import checked_instant
from domain.trust.moderation import AgeBand

MAX_REASON = 1_000
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:creator")


class NoSuchStrike(RuleViolated):
    """The creator has no active strike with that id."""


class ProtectionNotLifted(RuleViolated):
    """A declared age band may only make a minor's protection stronger; an older band needs
    an admin's verified decision."""


class StaleFollowerCount(RuleViolated):
    """A follower count older than the one recorded would rewrite the present."""


@attrs.frozen
class Strike:
    strike_id: UUID
    reason: str
    policy: str
    issued_by: str
    issued_at: datetime


def _younger(band: AgeBand, than: AgeBand) -> bool:
    """Whether ``band`` is a younger band than ``than`` (bands are declared youngest first)."""
    order = list(AgeBand)
    return order.index(band) < order.index(than)


def _reason(text: str, what: str) -> str:
    stripped = checked_free_text(text, what).strip()
    if not stripped or len(stripped) > MAX_REASON:
        raise InvalidValue(f"{what} has 1 to {MAX_REASON} characters")
    return stripped


class Creator(DomainAggregate):
    TOPIC = "spotlight.creators:Creator"

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.creators:CreatorRegistered"
        account: str
        region: str
        registered_at: datetime

    class FollowersCounted(Aggregate.Event):
        TOPIC = "spotlight.creators:FollowersCounted"
        followers: int
        counted_at: datetime
        reported_by: str

    class StrikeIssued(Aggregate.Event):
        TOPIC = "spotlight.creators:StrikeIssued"
        strike: Strike

    class StrikeLifted(Aggregate.Event):
        TOPIC = "spotlight.creators:StrikeLifted"
        strike_id: UUID
        lifted_by: str
        reason: str
        lifted_at: datetime

    class AgeBandRecorded(Aggregate.Event):
        """A band as declared (by the creator, or recorded by an admin before verified
        decisions had their own event)."""

        TOPIC = "spotlight.creators:AgeBandRecorded"
        band: str
        recorded_by: str
        recorded_at: datetime

    class AgeBandVerified(Aggregate.Event):
        """An admin's decision on the band after checking the creator's age, with why: the
        only way a minor's protection is lifted."""

        TOPIC = "spotlight.creators:AgeBandVerified"
        band: str
        reason: str
        verified_by: str
        verified_at: datetime

    @staticmethod
    def id_for(account: str) -> UUID:
        return uuid5(_NAMESPACE, account)

    @classmethod
    def register(cls, *, account: str, region: str, at: datetime) -> Creator:
        return cls(
            id=cls.id_for(checked_account(account, "a creator's account")),
            account=account,
            region=checked_region(region),
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(self, id: UUID, account: str, region: str, registered_at: datetime) -> None:
        self.account = account
        self.region = region
        self.registered_at = registered_at
        self.followers = 0
        self.followers_counted_at: datetime | None = None
        self.strikes: dict[UUID, Strike] = {}
        self.age_band: str | None = None  # unknown until declared or verified

    @property
    def has_active_strike(self) -> bool:
        return bool(self.strikes)

    @property
    def is_minor(self) -> bool:
        """Under 18 by the band recorded; an account whose age is unknown is not taken for
        a minor (see ARCHITECTURE.md, Decisions)."""
        return self.age_band is not None and AgeBand(self.age_band).is_minor

    def record_age_band(self, band: AgeBand | str, *, by: str, at: datetime) -> bool:
        """Record a declared age band; False when it was already this band. A declaration
        may only make protection stronger: once a minor's band is recorded, an older band
        is refused (``ProtectionNotLifted``) and needs ``verify_age_band``."""
        checked = one_of(AgeBand, band, "age band")
        if self.age_band is not None and AgeBand(self.age_band) is checked:
            return False
        if self.age_band is not None and _younger(AgeBand(self.age_band), checked):
            raise ProtectionNotLifted(
                f"creator {self.account} is recorded as {self.age_band}; a declared band may "
                f"only be younger, so {checked.value} needs an admin's verified decision"
            )
        self._age_band_recorded(band=checked.value, recorded_by=by, recorded_at=checked_instant(at))
        return True

    @event(AgeBandRecorded)
    def _age_band_recorded(self, band: str, recorded_by: str, recorded_at: datetime) -> None:
        self.age_band = band

    def verify_age_band(self, band: AgeBand | str, *, reason: str, by: str, at: datetime) -> bool:
        """An admin's verified band, in either direction, with the reason it was decided
        on; False when it was already this band."""
        checked = one_of(AgeBand, band, "age band")
        why = _reason(reason, "a verified age band's reason")
        if self.age_band is not None and AgeBand(self.age_band) is checked:
            return False
        self._age_band_verified(
            band=checked.value, reason=why, verified_by=by, verified_at=checked_instant(at)
        )
        return True

    @event(AgeBandVerified)
    def _age_band_verified(
        self, band: str, reason: str, verified_by: str, verified_at: datetime
    ) -> None:
        self.age_band = band

    def count_followers(self, followers: int, *, at: datetime, by: str) -> None:
        checked_quantity(followers, "a follower count")
        counted = checked_instant(at)
        if self.followers_counted_at is not None and counted < self.followers_counted_at:
            raise StaleFollowerCount(
                f"a count of {self.followers_counted_at.isoformat()} is already recorded"
            )
        self._followers_counted(followers=followers, counted_at=counted, reported_by=by)

    @event(FollowersCounted)
    def _followers_counted(self, followers: int, counted_at: datetime, reported_by: str) -> None:
        self.followers = followers
        self.followers_counted_at = counted_at

    def issue_strike(
        self, strike_id: UUID, *, reason: str, policy: str, by: str, at: datetime
    ) -> Strike:
        if strike_id in self.strikes:
            raise RuleViolated(f"strike {strike_id} is already active")
        strike = Strike(
            strike_id=strike_id,
            reason=_reason(reason, "a strike's reason"),
            policy=_reason(policy, "a strike's policy reference"),
            issued_by=by,
            issued_at=checked_instant(at),
        )
        self._strike_issued(strike=strike)
        return strike

    @event(StrikeIssued)
    def _strike_issued(self, strike: Strike) -> None:
        self.strikes[strike.strike_id] = strike

    def lift_strike(self, strike_id: UUID, *, reason: str, by: str, at: datetime) -> None:
        if strike_id not in self.strikes:
            raise NoSuchStrike(f"creator {self.account} has no active strike {strike_id}")
        self._strike_lifted(
            strike_id=strike_id,
            lifted_by=by,
            reason=_reason(reason, "lifting a strike's reason"),
            lifted_at=checked_instant(at),
        )

    @event(StrikeLifted)
    def _strike_lifted(
        self, strike_id: UUID, lifted_by: str, reason: str, lifted_at: datetime
    ) -> None:
        self.strikes.pop(strike_id, None)
