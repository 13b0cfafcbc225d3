"""Webhooks: a person has the notices of their inbox called back to an address of theirs.

Any person (any role) subscribes an address to kinds of their own notices; the answer shows
the subscription's signing secret, once (``whsec_...``): it is recorded sealed, with a key
kept for the subscription alone, and never shown again. A rotation makes a new secret,
shown once the same way. Deleting a subscription destroys its key (its secrets are then
noise in the log) and cancels what it had still to deliver.

A person lists their subscriptions, each one's deliveries (with their attempts) and asks
for a delivery again; an admin may do so for anyone (operators mostly use
``spotlight webhooks``). Delivery itself is ``application.webhook_delivery``.

An address must not reach the service's own network: a ``TargetGuard`` refuses private,
loopback and link-local destinations unless the operator allows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, person_key
from application.errors import NotFound
from application.logs import InboxLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock, IdentityProvider
from application.projections import ProjectionRunner
from application.trust.personal_data import KeyStore, Sealer
from application.webhook_delivery import NAME, WebhookFanout
from application.webhook_model import (
    Attempt,
    Delivery,
    DeliveryState,
    Subscription,
    key_subject,
    new_secret,
)
from domain.errors import InvalidValue
from domain.webhooks import MAX_SUBSCRIPTIONS, WebhookSubscription, checked_kinds, checked_url

SUBSCRIPTIONS = KeysetCursors("webhook subscriptions", int)
DELIVERIES = KeysetCursors("webhook deliveries", int)


class TargetGuard(Protocol):
    def check(self, url: str) -> None:
        """Raise ``InvalidValue`` when the address may not be called (it resolves to a
        private, loopback or link-local address, or to nothing)."""
        ...


@attrs.frozen
class Subscribed:
    """A subscription as made or rotated, with its secret: the only time it is shown."""

    subscription: Subscription
    secret: str


@attrs.frozen
class DeliveryWithAttempts:
    delivery: Delivery
    attempts: tuple[Attempt, ...]


class Webhooks:
    def __init__(
        self,
        log: InboxLog,
        *,
        runner: ProjectionRunner,
        fanout: WebhookFanout,
        keys: KeyStore,
        sealer: Sealer,
        guard: TargetGuard,
        clock: Clock,
        identities: IdentityProvider,
        allow_http: bool = False,
    ) -> None:
        self._log = log
        self.runner = runner
        self.fanout = fanout
        self.tables = fanout.tables
        self.keys = keys
        self.sealer = sealer
        self.guard = guard
        self.clock = clock
        self.identities = identities
        self.allow_http = allow_http
        runner.register(fanout)

    # Subscriptions ---------------------------------------------------------------------

    def subscribe(self, caller: Principal, url: str, kinds: Iterable[str] = ()) -> Subscribed:
        """Subscribe an address to the caller's notices of ``kinds`` (none: every kind)."""
        owner = person_key(caller)
        generation = self.runner.up_to_date(NAME)
        held = self.tables.subscriptions(generation, owner, after=0, limit=MAX_SUBSCRIPTIONS)
        if len(held) >= MAX_SUBSCRIPTIONS:
            raise InvalidValue(f"a person holds at most {MAX_SUBSCRIPTIONS} subscriptions")
        # Checked before a key is made for it.
        address = checked_url(url, allow_http=self.allow_http)
        chosen = checked_kinds(kinds)
        self.guard.check(address)
        subscription_id = self.identities.new_id()
        secret = new_secret()
        subscription = WebhookSubscription.subscribe(
            subscription_id=subscription_id,
            owner=owner,
            url=address,
            kinds=chosen,
            sealed_secret=self._seal(subscription_id, secret),
            at=self.clock.now(),
            allow_http=self.allow_http,
        )
        recordings = self._log.save(subscription)
        position = recordings[-1].notification.id if recordings else 0
        return Subscribed(_view(subscription, position), secret)

    def rotate(self, caller: Principal, subscription_id: UUID) -> Subscribed:
        """A new secret for the subscription, shown once; calls are signed with the new one
        and, for a day (``ROTATION_GRACE``), with the one it replaces too."""
        subscription = self._own(caller, subscription_id)
        secret = new_secret()
        subscription.rotate(self._seal(subscription_id, secret), at=self.clock.now())
        self._log.commit(subscription)
        found = self._listed(subscription_id)
        return Subscribed(found or _view(subscription, 0), secret)

    def unsubscribe(self, caller: Principal, subscription_id: UUID) -> Subscription:
        """End the subscription: its key is destroyed and its pending deliveries cancelled."""
        subscription = self._own(caller, subscription_id)
        listed = self._listed(subscription_id)
        if subscription.unsubscribe(by=caller.label, at=self.clock.now()):
            self._log.commit(subscription)
        self.keys.destroy_key(key_subject(subscription_id))
        return listed or _view(subscription, 0)

    def subscription(self, caller: Principal, subscription_id: UUID) -> Subscription:
        """One of the caller's live webhook subscriptions (an admin's: anyone's); someone else's,
        or an ended one, is ``NotFound`` so that ids tell nothing."""
        subscription = self._own(caller, subscription_id, ended_ok=False)
        return self._listed(subscription_id) or _view(subscription, 0)

    def subscriptions(
        self, caller: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Subscription]:
        """The caller's subscriptions in force, oldest first."""
        key = SUBSCRIPTIONS.decode(cursor)
        size = limited(limit)
        rows = self.tables.subscriptions(
            self.runner.fresh(NAME),
            person_key(caller),
            after=int_at(key, 0) if key is not None else 0,
            limit=size + 1,
        )
        return SUBSCRIPTIONS.page(rows, size, lambda s: (s.position,))

    def subscriptions_of(
        self, owner: str | None, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Subscription]:
        """The subscriptions in force of one person (``role:subject``, a creator's bare
        account) or, None, of everyone (operators)."""
        key = SUBSCRIPTIONS.decode(cursor)
        size = limited(limit)
        rows = self.tables.subscriptions(
            self.runner.fresh(NAME),
            owner,
            after=int_at(key, 0) if key is not None else 0,
            limit=size + 1,
        )
        return SUBSCRIPTIONS.page(rows, size, lambda s: (s.position,))

    # Deliveries ------------------------------------------------------------------------

    def deliveries(
        self,
        caller: Principal,
        subscription_id: UUID,
        *,
        limit: int = 50,
        cursor: str | None = None,
        state: DeliveryState | None = None,
    ) -> Page[Delivery]:
        """A subscription's deliveries (an ended one's too), oldest notice first."""
        self._own(caller, subscription_id, ended_ok=True)
        self.runner.fresh(NAME)
        key = DELIVERIES.decode(cursor)
        size = limited(limit)
        rows = self.tables.deliveries(
            str(subscription_id),
            after=int_at(key, 0) if key is not None else 0,
            limit=size + 1,
            state=state,
        )
        return DELIVERIES.page(rows, size, lambda d: (d.position,))

    def delivery(self, caller: Principal, delivery_id: str) -> DeliveryWithAttempts:
        """A delivery and every attempt made of it, the first first."""
        found = self._delivery(caller, delivery_id)
        return DeliveryWithAttempts(found, tuple(self.tables.attempts(delivery_id)))

    def redeliver(self, caller: Principal, delivery_id: str) -> Delivery:
        """Send a delivery again, now and with a fresh retry schedule (the same webhook-id:
        a receiver that had it drops it)."""
        found = self._delivery(caller, delivery_id)
        subscription = self._log.find(WebhookSubscription, UUID(found.subscription_id))
        if subscription is None or subscription.ended:
            raise InvalidValue("the subscription was deleted: its deliveries are not sent")
        if found.state is DeliveryState.PENDING:
            raise InvalidValue("the delivery is still being sent; it is not queued twice")
        queued = self.tables.requeue(delivery_id, now=self.clock.now().timestamp())
        if queued is None:
            raise NotFound("delivery", delivery_id)
        return queued

    def counts(self) -> Mapping[str, int]:
        """Deliveries by state, every subscription's (operators)."""
        return self.tables.counts()

    def due(self) -> int:
        """How many pending deliveries are due now."""
        return self.tables.due(self.clock.now().timestamp())

    # ------------------------------------------------------------------------------------

    def _seal(self, subscription_id: UUID, secret: str) -> bytes:
        subject = key_subject(subscription_id)
        key = self.keys.create_key(subject)
        return self.sealer.seal(key, secret.encode(), subject=subject)

    def _own(
        self, caller: Principal, subscription_id: UUID, *, ended_ok: bool = False
    ) -> WebhookSubscription:
        """The caller's subscription (an admin's: anyone's); NotFound for someone else's,
        so that ids of others' subscriptions tell nothing."""
        found = self._log.find(WebhookSubscription, subscription_id)
        if found is None or (found.ended and not ended_ok):
            raise NotFound("webhook subscription", subscription_id)
        if caller.role is not Role.ADMIN and found.owner != person_key(caller):
            raise NotFound("webhook subscription", subscription_id)
        return found

    def _listed(self, subscription_id: UUID) -> Subscription | None:
        return self.tables.subscription(self.runner.up_to_date(NAME), str(subscription_id))

    def _delivery(self, caller: Principal, delivery_id: str) -> Delivery:
        if not delivery_id.startswith("msg_") or len(delivery_id) != 36:
            raise InvalidValue("a delivery id is msg_ and 32 hexadecimal digits")
        self.runner.fresh(NAME)
        found = self.tables.delivery(delivery_id)
        if found is None or (caller.role is not Role.ADMIN and found.owner != person_key(caller)):
            raise NotFound("delivery", delivery_id)
        return found


def _view(subscription: WebhookSubscription, position: int) -> Subscription:
    return Subscription(
        subscription_id=str(subscription.id),
        owner=subscription.owner,
        url=subscription.url,
        kinds=tuple(subscription.kinds),
        subscribed_at=subscription.subscribed_at,
        position=position,
        rotated_at=subscription.rotated_at,
    )
