"""Who the caller is: the principal acting, the built-in account of that name (its roles and
verified identities) when there is one, and the records each program keeps for the person
in each of their roles."""

from __future__ import annotations

import attrs

from application.auth import Principal, Role
from application.identity.accounts import Accounts, AccountView
from application.logs import CatalogueLog, MusicLog, RevenueLog
from domain.music.artists import Artist
from domain.revenue.creators import Creator
from domain.revenue.pulse import PulseEnrolment
from domain.shop.listings import Seller


@attrs.frozen
class ProgramRecord:
    """A record a program keeps for one of the person's roles."""

    program: str
    kind: str
    role: Role
    id: str
    state: str


@attrs.frozen
class MeView:
    principal: Principal
    account: AccountView | None
    roles: tuple[Role, ...]
    records: tuple[ProgramRecord, ...]


class WhoAmI:
    def __init__(
        self,
        accounts: Accounts,
        *,
        catalogue: CatalogueLog,
        music: MusicLog,
        revenue: RevenueLog,
    ) -> None:
        self.accounts = accounts
        self._catalogue = catalogue
        self._music = music
        self._revenue = revenue

    def me(self, actor: Principal) -> MeView:
        """Who the caller is: their principal, their built-in account if it is theirs in this role,
        their roles, and the records the programs keep about them (any signed-in caller)."""
        account = self.accounts.find(actor.subject)
        # A token from elsewhere (the operator, an identity provider) may name a subject
        # that has a built-in account in other roles only: that account is not this person's.
        if account is not None and actor.role not in account.roles:
            account = None
        roles = account.roles if account is not None else (actor.role,)
        return MeView(
            principal=actor,
            account=account,
            roles=roles,
            records=tuple(self._records(actor.subject, roles)),
        )

    def _records(self, subject: str, roles: tuple[Role, ...]) -> list[ProgramRecord]:
        found: list[ProgramRecord] = []
        if Role.CREATOR in roles:
            creator = self._catalogue.find(Creator, Creator.id_for(subject))
            if creator is not None:
                band = creator.age_band or "age unknown"
                found.append(
                    ProgramRecord(
                        "revenue",
                        "creator",
                        Role.CREATOR,
                        subject,
                        f"region {creator.region}, {band}",
                    )
                )
            enrolment = self._revenue.find(PulseEnrolment, PulseEnrolment.id_for(subject))
            if enrolment is not None:
                found.append(
                    ProgramRecord(
                        "revenue",
                        "pulse-enrolment",
                        Role.CREATOR,
                        str(enrolment.id),
                        enrolment.status.value,
                    )
                )
        if Role.ARTIST in roles:
            artist = self._music.find(Artist, Artist.id_for(subject))
            if artist is not None:
                state = "verified" if artist.verified else "registered"
                found.append(ProgramRecord("music", "artist", Role.ARTIST, subject, state))
        if Role.SELLER in roles:
            seller = self._revenue.find(Seller, Seller.id_for(subject))
            if seller is not None:
                state = "suspended" if seller.suspended else f"{len(seller.strikes)} strikes"
                found.append(ProgramRecord("shop", "seller", Role.SELLER, subject, state))
        return found
