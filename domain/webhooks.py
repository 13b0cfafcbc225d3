"""A person's webhook subscription: an HTTP(S) address that is called back with the notices
of their inbox, of the kinds they chose, signed as the Standard Webhooks specification says.

The subscription's signing secret is never recorded in clear: the events carry it sealed
(encrypted with a key kept for that subscription alone, outside the log, the way personal
data is kept), and the key is destroyed when the subscription ends, so a secret of the past
is noise in the log. A rotation records the new secret, sealed the same way.

Subscriptions live in the inbox log, beside the notices they are fed from: a notice is
called back to the subscriptions in force at its place in the log, which every process and
every replay agree on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.inbox import NoticeKind
from domain.time import checked_instant

MAX_URL = 2_000
#: Subscriptions one person may hold at once.
MAX_SUBSCRIPTIONS = 20
SCHEMES = ("https", "http")


class SubscriptionEnded(InvalidValue):
    """The subscription was deleted: it can be neither rotated nor ended again."""


def checked_url(url: str, *, allow_http: bool) -> str:
    """An absolute http(s) address with a host, without credentials or a fragment; plain
    http only where the operator allows it (a test's loopback receiver)."""
    text = url.strip()
    if not text or len(text) > MAX_URL:
        raise InvalidValue(f"a webhook address has 1 to {MAX_URL} characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidValue(f"not a webhook address: {error}") from None
    if parts.scheme not in SCHEMES:
        raise InvalidValue("a webhook address is https:// (http:// only where allowed)")
    if parts.scheme == "http" and not allow_http:
        raise InvalidValue("a webhook address is https://; plain http:// is not allowed here")
    if not parts.hostname:
        raise InvalidValue("a webhook address names a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidValue("a webhook address carries no credentials")
    if parts.fragment:
        raise InvalidValue("a webhook address has no #fragment")
    if port == 0:
        raise InvalidValue("a webhook address has a port from 1 to 65535")
    if any(ch.isspace() for ch in text):
        raise InvalidValue("a webhook address has no spaces")
    return text


def checked_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The notice kinds, known and sorted, without repeats (none: every kind)."""
    chosen = sorted(set(kinds))
    known = {kind.value for kind in NoticeKind}
    unknown = [kind for kind in chosen if kind not in known]
    if unknown:
        raise InvalidValue(f"unknown notice kinds {unknown}; known: {sorted(known)}")
    return tuple(chosen)


class WebhookSubscription(DomainAggregate):
    TOPIC = "spotlight.webhooks:WebhookSubscription"

    class Subscribed(Aggregate.Created):
        TOPIC = "spotlight.webhooks:WebhookSubscribed"
        owner: str  # the person (role:subject) whose notices are called back
        url: str
        kinds: tuple[str, ...]  # notice kinds; empty: every kind
        sealed_secret: bytes
        subscribed_at: datetime

    class SecretRotated(Aggregate.Event):
        TOPIC = "spotlight.webhooks:WebhookSecretRotated"
        sealed_secret: bytes
        rotated_at: datetime

    class Unsubscribed(Aggregate.Event):
        TOPIC = "spotlight.webhooks:WebhookUnsubscribed"
        unsubscribed_at: datetime
        by: str

    @classmethod
    def subscribe(
        cls,
        *,
        subscription_id: UUID,
        owner: str,
        url: str,
        kinds: Iterable[str],
        sealed_secret: bytes,
        at: datetime,
        allow_http: bool = False,
    ) -> WebhookSubscription:
        if not owner:
            raise InvalidValue("a subscription belongs to a person")
        if not sealed_secret:
            raise InvalidValue("a subscription's secret is recorded sealed")
        return cls(
            id=subscription_id,
            owner=owner,
            url=checked_url(url, allow_http=allow_http),
            kinds=checked_kinds(kinds),
            sealed_secret=sealed_secret,
            subscribed_at=checked_instant(at),
        )

    @event(Subscribed)
    def __init__(
        self,
        id: UUID,
        owner: str,
        url: str,
        kinds: tuple[str, ...],
        sealed_secret: bytes,
        subscribed_at: datetime,
    ) -> None:
        self.owner = owner
        self.url = url
        self.kinds = tuple(kinds)
        self.sealed_secret = sealed_secret
        self.subscribed_at = subscribed_at
        self.rotated_at: datetime | None = None
        #: The secret a rotation replaced: it signs beside the new one for a while.
        self.previous_sealed_secret: bytes | None = None
        self.ended = False

    def wants(self, kind: str) -> bool:
        return not self.ended and (not self.kinds or kind in self.kinds)

    def rotate(self, sealed_secret: bytes, *, at: datetime) -> None:
        if self.ended:
            raise SubscriptionEnded("the subscription was deleted")
        if not sealed_secret:
            raise InvalidValue("a subscription's secret is recorded sealed")
        self._rotate(sealed_secret=sealed_secret, rotated_at=checked_instant(at))

    @event(SecretRotated)
    def _rotate(self, sealed_secret: bytes, rotated_at: datetime) -> None:
        self.previous_sealed_secret = self.sealed_secret
        self.sealed_secret = sealed_secret
        self.rotated_at = rotated_at

    def unsubscribe(self, *, by: str, at: datetime) -> bool:
        """End the subscription; False (nothing recorded) when it had ended already."""
        if self.ended:
            return False
        self._unsubscribe(unsubscribed_at=checked_instant(at), by=by)
        return True

    @event(Unsubscribed)
    def _unsubscribe(self, unsubscribed_at: datetime, by: str) -> None:
        self.ended = True
