"""A message in a person's in-app inbox. Its id is derived from the sender's key, so the same
notice is delivered once however often it is sent."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.time import checked_instant

MAX_SUBJECT = 200
MAX_BODY = 5_000
_MESSAGES = uuid5(NAMESPACE_URL, "urn:spotlight:inbox-message")


class InboxMessage(DomainAggregate):
    TOPIC = "spotlight.inbox:InboxMessage"

    class Delivered(Aggregate.Created):
        TOPIC = "spotlight.inbox:MessageDelivered"
        recipient: str
        subject: str
        body: str
        key: str
        delivered_at: datetime

    @staticmethod
    def id_for(key: str) -> UUID:
        return uuid5(_MESSAGES, key)

    @classmethod
    def deliver(
        cls, *, recipient: str, subject: str, body: str, key: str, at: datetime
    ) -> InboxMessage:
        if not recipient or not key:
            raise InvalidValue("a message has a recipient and a key")
        if not subject.strip() or len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
            raise InvalidValue(f"a subject of 1 to {MAX_SUBJECT}, a body up to {MAX_BODY}")
        return cls(
            id=cls.id_for(key),
            recipient=recipient,
            subject=subject.strip(),
            body=body,
            key=key,
            delivered_at=checked_instant(at),
        )

    @event(Delivered)
    def __init__(
        self, id: UUID, recipient: str, subject: str, body: str, key: str, delivered_at: datetime
    ) -> None:
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.key = key
        self.delivered_at = delivered_at
