"""What webhooks are made of, shared by their use cases and their delivery: subscriptions as
the fan-out keeps them, deliveries and their attempts, the port of their tables, the
signature of the Standard Webhooks specification, and the retry schedule.

Standard Webhooks (https://www.standardwebhooks.com): each call carries ``webhook-id`` (the
same on every attempt of one message, so that a receiver drops duplicates),
``webhook-timestamp`` (seconds since the epoch, of the attempt) and ``webhook-signature``:
``v1,`` and the base64 of the HMAC-SHA256 of ``id.timestamp.body`` under the secret, whose
text form is ``whsec_`` and the base64 of its bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from application.projections import Batch
from domain.errors import InvalidValue

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not one)
SECRET_BYTES = 32
#: Seconds a rotated-away secret keeps signing beside the new one, so that a receiver can
#: switch to the new secret without refusing calls meanwhile.
ROTATION_GRACE = 24 * 3600.0
#: Seconds to wait after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h; an attempt
#: failing after the last is the delivery's last (seven attempts in all, over about 17 hours).
RETRY_SCHEDULE: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0)
_DELIVERIES = uuid5(NAMESPACE_URL, "urn:spotlight:webhook-delivery")


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidValue(f"a webhook secret starts with {SECRET_PREFIX}")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under the secret's bytes."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_for(
    secret: str, message_id: str, timestamp: int, body: bytes, *, also: Sequence[str] = ()
) -> dict[str, str]:
    """The headers of one call, signed with ``secret`` and with each of ``also`` (a secret
    just rotated away): the specification's signatures separated by spaces, any of which a
    receiver accepts."""
    signatures = [signature(key, message_id, timestamp, body) for key in (secret, *also)]
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


def delivery_id_for(subscription_id: str, notice_id: str) -> str:
    """One message per notice and subscription, named the same wherever it is made."""
    return "msg_" + uuid5(_DELIVERIES, f"{subscription_id}:{notice_id}").hex


def key_subject(subscription_id: UUID | str) -> str:
    """Under which name the key that seals a subscription's secret is kept."""
    return f"webhook:{subscription_id}"


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at ``next_attempt_at``
    DELIVERED = "delivered"  # a 2xx answered
    FAILED = "failed"  # every attempt of the schedule failed
    CANCELLED = "cancelled"  # the subscription was deleted before it was delivered


@attrs.frozen
class Subscription:
    subscription_id: str
    owner: str
    url: str
    kinds: tuple[str, ...]
    subscribed_at: datetime
    position: int  # where it was subscribed in the inbox log: the order of a person's list
    rotated_at: datetime | None = None


@attrs.frozen
class Delivery:
    delivery_id: str  # the message's webhook-id
    subscription_id: str
    owner: str
    notice_id: str
    kind: str
    position: int  # the notice's in the inbox log
    body: str
    state: DeliveryState
    attempts: int  # made so far, in all
    tries: int  # made since it was last queued (the retry schedule counts these)
    next_attempt_at: float | None  # epoch seconds; None once it is settled
    created_at: float
    last_status: int | None = None
    last_error: str = ""


@attrs.frozen
class Attempt:
    delivery_id: str
    number: int  # 1 for the first
    at: float  # epoch seconds
    status: int | None  # the receiver's HTTP status; None: no answer (refused, timed out)
    latency_ms: float
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@attrs.frozen
class Settlement:
    """What one attempt (none: the subscription was deleted) leaves a delivery in."""

    delivery_id: str
    attempt: Attempt | None
    state: DeliveryState
    next_attempt_at: float | None

    @property
    def outcome(self) -> str:
        if self.state is DeliveryState.PENDING:
            return "retrying"
        return self.state.value


def notice_body(event: Any, position: int) -> str:
    """The JSON a notice is called back with (the same bytes on every attempt)."""
    document = {
        "type": f"notice.{event.kind}",
        "timestamp": event.delivered_at.isoformat(),
        "data": {
            "notice_id": str(event.originator_id),
            "recipient": event.recipient,
            "kind": event.kind,
            "subject": event.subject,
            "body": event.body,
            "about": dict(event.about),
            "reason": event.reason,
            "sent_at": event.delivered_at.isoformat(),
            "position": position,
        },
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


class WebhookTables(Protocol):
    """Subscriptions as the fan-out keeps them (by generation: rebuilt with it), and the
    deliveries with their attempts (one table for all generations: a delivery made is kept,
    and made once per notice and subscription whatever rebuilds the fan-out)."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def subscribed(self, batch: Batch, subscription: Subscription) -> None: ...

    def rotated(self, batch: Batch, subscription_id: str, at: datetime) -> None: ...

    def unsubscribed(self, batch: Batch, subscription_id: str, at: float) -> None:
        """Forget the subscription and cancel its deliveries still pending."""
        ...

    def subscribers(self, batch: Batch, owner: str) -> list[Subscription]:
        """The owner's subscriptions in force, as this batch sees them."""
        ...

    def add_deliveries(self, batch: Batch, deliveries: Sequence[Delivery]) -> int:
        """Add the deliveries not made yet; answer how many were new."""
        ...

    def subscriptions(
        self, generation: int, owner: str | None, *, after: int, limit: int
    ) -> list[Subscription]:
        """An owner's (None: everyone's) subscriptions after a position, oldest first."""
        ...

    def subscription(self, generation: int, subscription_id: str) -> Subscription | None: ...

    def deliveries(
        self,
        subscription_id: str,
        *,
        after: int,
        limit: int,
        state: DeliveryState | None = None,
    ) -> list[Delivery]:
        """A subscription's deliveries after a notice's position, oldest first."""
        ...

    def delivery(self, delivery_id: str) -> Delivery | None: ...

    def attempts(self, delivery_id: str) -> list[Attempt]: ...

    def claim(self, *, now: float, limit: int, holder: str, lease_until: float) -> list[Delivery]:
        """Take up to ``limit`` pending deliveries due at ``now`` that nobody holds (a lease
        run out counts as none), for ``holder`` until ``lease_until``; two processes never
        take the same one (PostgreSQL: ``FOR UPDATE SKIP LOCKED``)."""
        ...

    def settle(self, holder: str, settlements: Sequence[Settlement]) -> list[str]:
        """Record each attempt and what follows, in one transaction, for the deliveries
        ``holder`` still holds; answer their ids (one missing: its lease ran out and another
        took it; nothing of it is recorded)."""
        ...

    def requeue(self, delivery_id: str, *, now: float) -> Delivery | None:
        """Queue a delivery again at once with a fresh schedule (a manual redelivery)."""
        ...

    def counts(self) -> Mapping[str, int]:
        """Deliveries by state."""
        ...

    def due(self, now: float) -> int:
        """Pending deliveries due at ``now``."""
        ...
