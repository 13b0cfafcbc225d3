"""Personal data with erasure on request: sealed with a key per person, erased by destroying
the key (crypto-shredding).

Ports: ``KeyStore`` keeps one key per person outside the event log (erasable, unlike the
log); ``Sealer`` encrypts and decrypts with it (authenticated: the sealed bytes are bound to
the person they belong to, so one person's sealed data cannot be passed off as another's).

A date of birth is turned into an age band when recorded, and the band is recorded on the
creator's account in the clear: the protection of a minor must outlive the erasure of their
data.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Protocol

import attrs

from application.auth import Principal, Role
from application.catalogue import Catalogue
from application.errors import NotFound, NotPermitted
from application.moderation import Moderation
from application.ports import Clock
from domain.creators import Creator
from domain.errors import InvalidValue
from domain.moderation import AgeBand
from domain.people import Person, PersonErased, age_band_on

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
        catalogue: Catalogue,
        *,
        keys: KeyStore,
        sealer: Sealer,
        moderation: Moderation,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.keys = keys
        self.sealer = sealer
        self.moderation = moderation
        self.clock = clock

    def record(
        self,
        actor: Principal,
        subject: str,
        *,
        name: str,
        contact: str,
        date_of_birth: date,
    ) -> PersonalDataView:
        """The person's own (or an admin's) record of their name, contact and date of
        birth; a later record replaces an earlier one."""
        owner = self._owner(actor, subject, doing="record personal data")
        now = self.clock.now()
        fields = {
            "name": _text(name, "a name"),
            "contact": _text(contact, "a contact"),
            "date_of_birth": date_of_birth.isoformat(),
        }
        band = age_band_on(date_of_birth, now.date())
        person = self.catalogue.find(Person, Person.id_for(owner)) or Person.open(owner, at=now)
        if person.erased:
            raise PersonErased(f"{owner}'s personal data was erased")
        key = self.keys.create_key(owner)
        sealed = self.sealer.seal(key, json.dumps(fields).encode(), subject=owner)
        person.record(sealed, fields=tuple(fields), by=actor.label, at=now)
        self.catalogue.commit(person)
        if self.catalogue.find(Creator, Creator.id_for(owner)) is not None:
            self.moderation.record_age_band(Principal(Role.ADMIN, "personal-data"), owner, band)
        return PersonalDataView(
            subject=owner,
            erased=False,
            name=fields["name"],
            contact=fields["contact"],
            date_of_birth=date_of_birth,
            age_band=band,
        )

    def read(self, actor: Principal, subject: str) -> PersonalDataView:
        owner = self._owner(actor, subject, doing="read personal data", auditor_may=True)
        person = self.catalogue.find(Person, Person.id_for(owner))
        if person is None:
            raise NotFound("personal data of", owner)
        return self._view(person)

    def erase(self, actor: Principal, subject: str) -> PersonalDataView:
        """Erase on request: record the erasure (naming nobody's data), then destroy the
        key. Asking again finishes an erasure whose key outlived a failure."""
        owner = self._owner(actor, subject, doing="erase personal data")
        person = self.catalogue.find(Person, Person.id_for(owner))
        if person is None:
            raise NotFound("personal data of", owner)
        if person.erase(by=actor.label, at=self.clock.now()):
            self.catalogue.commit(person)
        self.keys.destroy_key(owner)
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
    def _owner(actor: Principal, subject: str, *, doing: str, auditor_may: bool = False) -> str:
        if actor.role is Role.ADMIN or (auditor_may and actor.role is Role.AUDITOR):
            return subject
        if actor.subject != subject:
            raise NotPermitted(f"only the person themselves (or an admin) may {doing}")
        return subject
