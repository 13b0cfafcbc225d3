"""Creators' recorded facts: home region, follower counts, moderation strikes.

Follower counts are reported by the platform's own services (an admin token), never taken
from a creator's request; strikes come from reviewers. Programs decide on these facts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from application.auth import Principal, Role, acting_for, require_role
from application.errors import ApplicationError, NotFound, StaleVersion
from application.logs import CatalogueLog
from application.ports import Clock, IdentityProvider
from domain.revenue.creators import Creator, Strike


class CreatorExists(ApplicationError):
    """The account has a creator record already."""


@attrs.frozen
class CreatorView:
    account: str
    version: int
    region: str
    followers: int
    followers_counted_at: datetime | None
    strikes: tuple[Strike, ...]
    registered_at: datetime

    @classmethod
    def of(cls, creator: Creator) -> CreatorView:
        return cls(
            account=creator.account,
            version=creator.version,
            region=creator.region,
            followers=creator.followers,
            followers_counted_at=creator.followers_counted_at,
            strikes=tuple(creator.strikes.values()),
            registered_at=creator.registered_at,
        )


class Creators:
    def __init__(
        self, catalogue: CatalogueLog, *, clock: Clock, identities: IdentityProvider
    ) -> None:
        self._catalogue = catalogue
        self.clock = clock
        self.identities = identities

    def register(self, actor: Principal, *, region: str, account: str | None = None) -> CreatorView:
        """A creator registers themself in a region (an admin names the account). An account
        registered already is ``CreatorExists``."""
        owner = acting_for(actor, account, Role.CREATOR, doing="register as a creator")
        if self._catalogue.find(Creator, Creator.id_for(owner)) is not None:
            raise CreatorExists(f"account {owner} is already registered as a creator")
        creator = Creator.register(account=owner, region=region, at=self.clock.now())
        try:
            self._catalogue.commit(creator)
        except StaleVersion:
            raise CreatorExists(f"account {owner} is already registered as a creator") from None
        return CreatorView.of(creator)

    def count_followers(
        self, actor: Principal, account: str, followers: int, *, counted_at: datetime | None = None
    ) -> CreatorView:
        """An admin records a creator's follower count, as counted at a moment (now by default)."""
        require_role(actor, Role.ADMIN, doing="record a follower count")
        creator = self.load(account)
        creator.count_followers(followers, at=counted_at or self.clock.now(), by=actor.label)
        self._catalogue.commit(creator)
        return CreatorView.of(creator)

    def issue_strike(
        self, actor: Principal, account: str, *, reason: str, policy: str
    ) -> CreatorView:
        """A reviewer or admin gives a creator a moderation strike under a policy, with a reason."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="issue a moderation strike")
        creator = self.load(account)
        creator.issue_strike(
            self.identities.new_id(),
            reason=reason,
            policy=policy,
            by=actor.label,
            at=self.clock.now(),
        )
        self._catalogue.commit(creator)
        return CreatorView.of(creator)

    def lift_strike(
        self, actor: Principal, account: str, strike_id: UUID, *, reason: str
    ) -> CreatorView:
        """A reviewer or admin lifts one of a creator's strikes, with a reason."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="lift a moderation strike")
        creator = self.load(account)
        creator.lift_strike(strike_id, reason=reason, by=actor.label, at=self.clock.now())
        self._catalogue.commit(creator)
        return CreatorView.of(creator)

    def creator(self, actor: Principal, account: str) -> CreatorView:
        """A creator's record: for the creator themself, an admin, an auditor, a reviewer or a
        brand (another creator is ``NotPermitted``); an unknown creator is ``NotFound``."""
        if actor.role not in (Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.BRAND):
            acting_for(actor, account, Role.CREATOR, doing="read a creator's record")
        return CreatorView.of(self.load(account))

    def load(self, account: str) -> Creator:
        """The creator aggregate of an account, for other use cases to read (no access check);
        ``NotFound`` if the account is not registered."""
        creator = self._catalogue.find(Creator, Creator.id_for(account))
        if creator is None:
            raise NotFound("creator", account)
        return creator
