"""Personal data with erasure on request: sealed with a key per person, erased by destroying
the key (crypto-shredding).

Ports: ``KeyStore`` keeps one key per person outside the event log (erasable, unlike the
log); ``Sealer`` encrypts and decrypts with it (authenticated: the sealed bytes are bound to
the person they belong to, so one person's sealed data cannot be passed off as another's).

A person is a role and a subject (``creator:c1`` is not ``brand:c1``): their data is theirs
and an admin's to record, read and erase, and auditors may read it. It is kept under
``person_key`` (a creator's bare account, as before people were keyed by role).

A date of birth is turned into an age band when recorded, and the band is recorded on the
creator's account in the clear: the protection of a minor must outlive the erasure of their
data. A creator's own date of birth is their declaration (it may only make their protection
stronger); an admin's is a verified decision.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Protocol

import attrs

from application.auth import Principal, Role, owns, person_key
from application.errors import NotFound, NotPermitted
from application.logs import CatalogueLog
from application.media_store import MediaErasure
from application.ports import Clock
from application.trust.moderation import Moderation
from domain.errors import InvalidValue
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand
from domain.trust.people import Person, PersonErased, age_band_on

MAX_TEXT = 300


class KeyStore(Protocol):
    def key_for(self, subject: str) -> bytes | None:
        """The person's key, or None when there is none (never made, or destroyed)."""
        ...

    def create_key(self, subject: str) -> bytes:
        """The person's key, made now if they have none."""
        ...

    def destroy_key(self, subject: str) -> bool:
        """Destroy the key beyond recovery from the store; False when there was none."""
        ...


class Sealer(Protocol):
    def seal(self, key: bytes, plaintext: bytes, *, subject: str) -> bytes: ...

    def open(self, key: bytes, sealed: bytes, *, subject: str) -> bytes:
        """Raises ``ValueError`` when the bytes were not sealed with this key for this
        person."""
        ...


@attrs.frozen
class PersonalDataView:
    subject: str
    erased: bool
    name: str | None = None
    contact: str | None = None
    date_of_birth: date | None = None
    age_band: AgeBand | None = None


def _text(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise InvalidValue(f"{what} has 1 to {MAX_TEXT} characters")
    return cleaned


class PersonalData:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        keys: KeyStore,
        sealer: Sealer,
        moderation: Moderation,
        clock: Clock,
        media: MediaErasure | None = None,
    ) -> None:
        self._catalogue = catalogue
        #: The person's uploads go with their data (None: no media is kept).
        self.media = media
        self.keys = keys
        self.sealer = sealer
        self.moderation = moderation
        self.clock = clock

    def record(
        self,
        actor: Principal,
        person: Principal,
        *,
        name: str,
        contact: str,
        date_of_birth: date,
    ) -> PersonalDataView:
        """The person's own (or an admin's) record of their name, contact and date of
        birth; a later record replaces an earlier one."""
        owner = self._owner(actor, person, doing="record personal data")
        now = self.clock.now()
        fields = {
            "name": _text(name, "a name"),
            "contact": _text(contact, "a contact"),
            "date_of_birth": date_of_birth.isoformat(),
        }
        band = age_band_on(date_of_birth, now.date())
        found = self._catalogue.find(Person, Person.id_for(owner)) or Person.open(owner, at=now)
        if found.erased:
            raise PersonErased(f"{owner}'s personal data was erased")
        if person.role is Role.CREATOR and (
            self._catalogue.find(Creator, Creator.id_for(person.subject)) is not None
        ):
            # The band first, as the actor: a creator's own date of birth may not lift the
            # protection recorded for them, and then nothing of it is stored.
            self.moderation.record_age_band(
                actor, person.subject, band, reason="date of birth recorded in personal data"
            )
        key = self.keys.create_key(owner)
        sealed = self.sealer.seal(key, json.dumps(fields).encode(), subject=owner)
        found.record(sealed, fields=tuple(fields), by=actor.label, at=now)
        self._catalogue.commit(found)
        return PersonalDataView(
            subject=owner,
            erased=False,
            name=fields["name"],
            contact=fields["contact"],
            date_of_birth=date_of_birth,
            age_band=band,
        )

    def read(self, actor: Principal, person: Principal) -> PersonalDataView:
        """A person's personal data, for that person, an admin or an auditor (anyone else is
        ``NotPermitted``); a person with none kept is ``NotFound``."""
        owner = self._owner(actor, person, doing="read personal data", auditor_may=True)
        found = self._catalogue.find(Person, Person.id_for(owner))
        if found is None:
            raise NotFound("personal data of", owner)
        return self._view(found)

    def erase(self, actor: Principal, person: Principal) -> PersonalDataView:
        """Erase on request: record the erasure (naming nobody's data), then destroy the
        key and delete the person's stored media (a blob another person's object also holds
        stays for them). Asking again finishes an erasure whose key or media outlived a
        failure."""
        owner = self._owner(actor, person, doing="erase personal data")
        found = self._catalogue.find(Person, Person.id_for(owner))
        if found is None:
            raise NotFound("personal data of", owner)
        if found.erase(by=actor.label, at=self.clock.now()):
            self._catalogue.commit(found)
        self.keys.destroy_key(owner)
        if self.media is not None:
            self.media.erase(owner)
        return PersonalDataView(subject=owner, erased=True)

    def _view(self, person: Person) -> PersonalDataView:
        key = None if person.erased else self.keys.key_for(person.subject)
        if key is None or person.sealed is None:
            return PersonalDataView(subject=person.subject, erased=True)
        fields = json.loads(self.sealer.open(key, person.sealed, subject=person.subject))
        born = date.fromisoformat(fields["date_of_birth"])
        return PersonalDataView(
            subject=person.subject,
            erased=False,
            name=fields["name"],
            contact=fields["contact"],
            date_of_birth=born,
            age_band=age_band_on(born, self.clock.now().date()),
        )

    @staticmethod
    def _owner(
        actor: Principal, person: Principal, *, doing: str, auditor_may: bool = False
    ) -> str:
        """The person's key, once the actor may act on their data: the person (same role and
        subject), an admin, or an auditor where reading is allowed."""
        allowed = actor.role is Role.ADMIN or (auditor_may and actor.role is Role.AUDITOR)
        if not allowed and not owns(actor, person.role, person.subject):
            raise NotPermitted(f"only {person.label} themselves (or an admin) may {doing}")
        return person_key(person)
