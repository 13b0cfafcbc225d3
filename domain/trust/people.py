"""A person's personal data, kept sealed so that it can be erased without rewriting the log.

The log holds only the sealed bytes (encrypted with a key kept for that person alone, outside
the log) and which fields they hold; erasure is an event that names no personal data, and
the key is destroyed beside it. After that the sealed bytes are noise to everyone, the hash
chain over the stored records still verifies (nothing stored changed), and replays show the
person as erased. An erasure is final for that person.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.time import checked_instant
from domain.trust.moderation import AgeBand

FIELDS = ("name", "contact", "date_of_birth")
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:person")


class PersonErased(RuleViolated):
    """The person's data was erased; nothing of theirs is recorded again."""


def age_band_on(date_of_birth: date, day: date) -> AgeBand:
    """The band a person born on ``date_of_birth`` is in on ``day``."""
    if date_of_birth > day:
        raise InvalidValue("a date of birth lies in the past")
    birthday_to_come = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    years = day.year - date_of_birth.year - birthday_to_come
    if years > 130:
        raise InvalidValue("a date of birth more than 130 years ago is a typo")
    if years < 13:
        return AgeBand.UNDER_13
    if years < 16:
        return AgeBand.FROM_13_TO_15
    if years < 18:
        return AgeBand.FROM_16_TO_17
    return AgeBand.ADULT


class Person(DomainAggregate):
    TOPIC = "spotlight.people:Person"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.people:PersonOpened"
        subject: str
        opened_at: datetime

    class DataRecorded(Aggregate.Event):
        TOPIC = "spotlight.people:PersonalDataRecorded"
        sealed: bytes  # the fields, encrypted with the person's own key
        fields: tuple[str, ...]  # which fields the sealed bytes hold (names only)
        recorded_by: str
        recorded_at: datetime

    class Erased(Aggregate.Event):
        TOPIC = "spotlight.people:PersonalDataErased"
        erased_by: str
        erased_at: datetime

    @staticmethod
    def id_for(subject: str) -> UUID:
        return uuid5(_NAMESPACE, subject)

    @classmethod
    def open(cls, subject: str, *, at: datetime) -> Person:
        if not subject.strip():
            raise InvalidValue("a person is named by their account")
        return cls(id=cls.id_for(subject), subject=subject, opened_at=checked_instant(at))

    @event(Opened)
    def __init__(self, id: UUID, subject: str, opened_at: datetime) -> None:
        self.subject = subject
        self.sealed: bytes | None = None
        self.fields: tuple[str, ...] = ()
        self.erased = False

    def record(self, sealed: bytes, *, fields: tuple[str, ...], by: str, at: datetime) -> None:
        if self.erased:
            raise PersonErased(f"{self.subject}'s personal data was erased")
        unknown = set(fields) - set(FIELDS)
        if unknown or not fields:
            raise InvalidValue(f"personal data holds some of {', '.join(FIELDS)}")
        if not sealed:
            raise InvalidValue("personal data is recorded sealed")
        self._recorded(
            sealed=sealed, fields=fields, recorded_by=by, recorded_at=checked_instant(at)
        )

    def erase(self, *, by: str, at: datetime) -> bool:
        """Mark the data erased; False when it already was (the key may still need
        destroying: erasure is retried until the key is gone)."""
        if self.erased:
            return False
        self._erased(erased_by=by, erased_at=checked_instant(at))
        return True

    @event(DataRecorded)
    def _recorded(
        self, sealed: bytes, fields: tuple[str, ...], recorded_by: str, recorded_at: datetime
    ) -> None:
        self.sealed = sealed
        self.fields = tuple(fields)

    @event(Erased)
    def _erased(self, erased_by: str, erased_at: datetime) -> None:
        self.erased = True
