"""Independent artists: a profile in a region, the partners they are signed to, and a badge.

An artist's id is derived from the account that registered it, so an account has one artist
profile and the same account always finds it. Affiliations (the labels, publishers and
management agencies an artist declares) are what conflict-of-interest checks compare judges
with.

The badge: an artist asks for verification (``VerificationRequested``, one request pending at
a time, never while verified); an admin grants it (``VerificationGranted``: the badge) or
declines it with a reason (``VerificationDeclined``: the artist may ask again). An admin may
also verify an artist who never asked (``Verified``, as before requests existed); verifying an
artist with a request pending grants that request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.identifiers import checked_account
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

MAX_NAME = 200
MAX_BIO = 2000
MAX_AFFILIATIONS = 10
_REGION = re.compile(r"^[A-Z]{2}$")
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:artist")


class AlreadyVerified(RuleViolated):
    """The artist already carries the verification badge."""


class NotVerified(RuleViolated):
    """The artist carries no badge to withdraw."""


class VerificationPending(RuleViolated):
    """The artist has asked for verification already and awaits the decision."""


class NoVerificationRequest(RuleViolated):
    """The artist has no request for verification awaiting a decision."""


MAX_NOTE = 1000


def checked_region(region: str) -> str:
    """A region is an ISO 3166-1 alpha-2 code in capitals (JP, KR, US)."""
    cleaned = region.strip().upper()
    if not _REGION.match(cleaned):
        raise InvalidValue(f"a region is a two-letter country code such as JP, not {region!r}")
    return cleaned


def partner_key(name: str) -> str:
    """How partner names compare: case, surrounding space and inner runs of space ignored."""
    return " ".join(name.split()).casefold()


def checked_affiliations(values: Iterable[str]) -> tuple[str, ...]:
    cleaned = tuple(
        dict.fromkeys(
            " ".join(checked_line(v, "an affiliation").split()) for v in values if v.strip()
        )
    )
    if len(cleaned) > MAX_AFFILIATIONS or any(len(v) > MAX_NAME for v in cleaned):
        raise InvalidValue(
            f"an artist declares at most {MAX_AFFILIATIONS} affiliations of up to "
            f"{MAX_NAME} characters"
        )
    return cleaned


def _checked_text(value: str, what: str, longest: int, *, required: bool) -> str:
    stripped = checked_free_text(value, what).strip()
    if required and not stripped:
        raise InvalidValue(f"{what} cannot be empty")
    if len(stripped) > longest:
        raise InvalidValue(f"{what} has at most {longest} characters")
    return stripped


def _checked_name(name: str) -> str:
    what = "an artist's name"
    return _checked_text(checked_line(name, what), what, MAX_NAME, required=True)


class Artist(DomainAggregate):
    TOPIC = "spotlight.artists:Artist"

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.artists:ArtistRegistered"
        account: str
        name: str
        region: str
        affiliations: tuple[str, ...]
        bio: str
        registered_at: datetime

    class ProfileUpdated(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistProfileUpdated"
        name: str
        region: str
        affiliations: tuple[str, ...]
        bio: str
        updated_by: str
        updated_at: datetime

    class Verified(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistVerified"
        verified_by: str
        verified_at: datetime

    class BadgeWithdrawn(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistBadgeWithdrawn"
        withdrawn_by: str
        reason: str
        withdrawn_at: datetime

    class VerificationRequested(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistVerificationRequested"
        note: str
        requested_at: datetime

    class VerificationGranted(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistVerificationGranted"
        granted_by: str
        granted_at: datetime

    class VerificationDeclined(Aggregate.Event):
        TOPIC = "spotlight.artists:ArtistVerificationDeclined"
        declined_by: str
        reason: str
        declined_at: datetime

    @staticmethod
    def id_for(account: str) -> UUID:
        return uuid5(_NAMESPACE, account)

    @classmethod
    def register(
        cls,
        *,
        account: str,
        name: str,
        region: str,
        affiliations: Iterable[str] = (),
        bio: str = "",
        at: datetime,
    ) -> Artist:
        return cls(
            id=cls.id_for(checked_account(account, "an artist's account")),
            account=account,
            name=_checked_name(name),
            region=checked_region(region),
            affiliations=checked_affiliations(affiliations),
            bio=_checked_text(bio, "a bio", MAX_BIO, required=False),
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        account: str,
        name: str,
        region: str,
        affiliations: tuple[str, ...],
        bio: str,
        registered_at: datetime,
    ) -> None:
        self.account = account
        self.name = name
        self.region = region
        self.affiliations = tuple(affiliations)
        self.bio = bio
        self.registered_at = registered_at
        self.verified = False
        #: When the pending request for verification was made (none: nothing pending).
        self.verification_requested_at: datetime | None = None
        self.verification_note = ""

    def is_affiliated_with(self, partner: str) -> bool:
        return partner_key(partner) in {partner_key(a) for a in self.affiliations}

    def update_profile(
        self,
        *,
        name: str,
        region: str,
        affiliations: Iterable[str],
        bio: str,
        by: str,
        at: datetime,
    ) -> None:
        self._profile_updated(
            name=_checked_name(name),
            region=checked_region(region),
            affiliations=checked_affiliations(affiliations),
            bio=_checked_text(bio, "a bio", MAX_BIO, required=False),
            updated_by=by,
            updated_at=checked_instant(at),
        )

    @event(ProfileUpdated)
    def _profile_updated(
        self,
        name: str,
        region: str,
        affiliations: tuple[str, ...],
        bio: str,
        updated_by: str,
        updated_at: datetime,
    ) -> None:
        self.name = name
        self.region = region
        self.affiliations = tuple(affiliations)
        self.bio = bio

    @property
    def verification_pending(self) -> bool:
        return self.verification_requested_at is not None

    def verify(self, *, by: str, at: datetime) -> None:
        """The badge, from an admin: the pending request granted, if there is one."""
        if self.verified:
            raise AlreadyVerified(f"artist {self.account} is already verified")
        if self.verification_pending:
            self._verification_granted(granted_by=by, granted_at=checked_instant(at))
            return
        self._verified(verified_by=by, verified_at=checked_instant(at))

    @event(Verified)
    def _verified(self, verified_by: str, verified_at: datetime) -> None:
        self.verified = True

    def request_verification(self, *, note: str = "", at: datetime) -> None:
        """The artist asks for the badge, with a note for the admins (links, press)."""
        if self.verified:
            raise AlreadyVerified(f"artist {self.account} is already verified")
        if self.verification_pending:
            raise VerificationPending(
                f"artist {self.account} asked for verification already; the request awaits "
                "an admin's decision"
            )
        cleaned = _checked_text(note, "a note to a verification request", MAX_NOTE, required=False)
        self._verification_requested(note=cleaned, requested_at=checked_instant(at))

    @event(VerificationRequested)
    def _verification_requested(self, note: str, requested_at: datetime) -> None:
        self.verification_requested_at = requested_at
        self.verification_note = note

    def _require_pending(self) -> None:
        if not self.verification_pending:
            raise NoVerificationRequest(
                f"artist {self.account} has no request for verification awaiting a decision"
            )

    def grant_verification(self, *, by: str, at: datetime) -> None:
        """An admin grants the pending request: the badge."""
        self._require_pending()
        self._verification_granted(granted_by=by, granted_at=checked_instant(at))

    @event(VerificationGranted)
    def _verification_granted(self, granted_by: str, granted_at: datetime) -> None:
        self.verified = True
        self.verification_requested_at = None
        self.verification_note = ""

    def decline_verification(self, *, by: str, reason: str, at: datetime) -> None:
        """An admin declines the pending request with a reason the artist is told."""
        self._require_pending()
        cleaned = _checked_text(reason, "the reason for declining", MAX_NOTE, required=True)
        self._verification_declined(declined_by=by, reason=cleaned, declined_at=checked_instant(at))

    @event(VerificationDeclined)
    def _verification_declined(self, declined_by: str, reason: str, declined_at: datetime) -> None:
        self.verification_requested_at = None
        self.verification_note = ""

    def withdraw_badge(self, *, by: str, reason: str, at: datetime) -> None:
        if not self.verified:
            raise NotVerified(f"artist {self.account} carries no badge")
        if not checked_free_text(reason, "the reason for withdrawing a badge").strip():
            raise InvalidValue("withdrawing a badge needs a reason")
        self._badge_withdrawn(
            withdrawn_by=by, reason=reason.strip(), withdrawn_at=checked_instant(at)
        )

    @event(BadgeWithdrawn)
    def _badge_withdrawn(self, withdrawn_by: str, reason: str, withdrawn_at: datetime) -> None:
        self.verified = False
