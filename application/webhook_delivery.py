"""Webhook delivery, in two passes that any number of processes may run.

- The fan-out (``WebhookFanout``) is a persisted projection of the inbox log: it keeps the
  subscriptions in force (``WebhookSubscribed``, ``WebhookUnsubscribed``) and turns each
  ``MessageDelivered`` into one delivery per subscription of its recipient that wants its
  kind, in the same transaction that moves its position, so each notice is fanned out once.
  A delivery's id is derived from the notice and the subscription and the table refuses a
  second one, so a rebuilt fan-out makes no new deliveries for old notices.
- The sender (``WebhookSender``) takes the deliveries that are due under a lease, POSTs
  them signed, records every attempt, and schedules the next one on failure
  (``RETRY_SCHEDULE``, with jitter) until the schedule runs out. A process killed mid-send
  leaves its lease to run out; the delivery is then sent again with the same
  ``webhook-id``, so a receiver that saw it drops it (at least once, never lost).

It depends only on ``MessageDelivered`` events in the inbox log, not on what writes them."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.logs import InboxLog
from application.ports import Clock
from application.projections import Batch
from application.read_models import LogPositions
from application.trust.personal_data import KeyStore, Sealer
from application.webhook_model import (
    RETRY_SCHEDULE,
    ROTATION_GRACE,
    Attempt,
    Delivery,
    DeliveryState,
    Settlement,
    Subscription,
    WebhookTables,
    delivery_id_for,
    headers_for,
    key_subject,
    notice_body,
)
from domain.inbox import InboxMessage
from domain.webhooks import WebhookSubscription

log = logging.getLogger("spotlight.webhooks")

NAME = "webhook fan-out"


class WebhookFanout:
    """Subscriptions in force, and a delivery per notice and subscription that wants it."""

    name = NAME
    version = 1

    def __init__(self, tables: WebhookTables) -> None:
        self.tables = tables

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {
            InboxLog.name: (
                InboxMessage.Delivered.TOPIC,
                WebhookSubscription.Subscribed.TOPIC,
                WebhookSubscription.SecretRotated.TOPIC,
                WebhookSubscription.Unsubscribed.TOPIC,
            )
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self.apply_page(batch, log, [(event, position)])

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        # The subscriptions of each recipient met in this page, as the page changes them.
        known: dict[str, list[Subscription]] = {}
        made: list[Delivery] = []
        for event, position in events:
            if isinstance(event, WebhookSubscription.Subscribed):
                self.tables.subscribed(
                    batch,
                    Subscription(
                        subscription_id=str(event.originator_id),
                        owner=event.owner,
                        url=event.url,
                        kinds=tuple(event.kinds),
                        subscribed_at=event.subscribed_at,
                        position=position,
                    ),
                )
                known.pop(event.owner, None)
            elif isinstance(event, WebhookSubscription.SecretRotated):
                self.tables.rotated(batch, str(event.originator_id), event.rotated_at)
            elif isinstance(event, WebhookSubscription.Unsubscribed):
                # Deliveries made in this page first, so that they are cancelled with the rest.
                self.tables.add_deliveries(batch, made)
                made = []
                self.tables.unsubscribed(
                    batch, str(event.originator_id), event.unsubscribed_at.timestamp()
                )
                known.clear()
            elif isinstance(event, InboxMessage.Delivered):
                subscriptions = known.get(event.recipient)
                if subscriptions is None:
                    subscriptions = self.tables.subscribers(batch, event.recipient)
                    known[event.recipient] = subscriptions
                for subscription in subscriptions:
                    if subscription.kinds and event.kind not in subscription.kinds:
                        continue
                    made.append(_delivery(subscription, event, position))
        self.tables.add_deliveries(batch, made)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        position_of = positions.get(InboxLog.name, _unmoved)
        return {
            s.subscription_id: attrs.evolve(s, position=position_of(s.position))
            for s in self.tables.subscriptions(generation, None, after=0, limit=1_000_000)
        }


def _unmoved(position: int) -> int:
    return position


def _delivery(subscription: Subscription, event: Any, position: int) -> Delivery:
    notice_id = str(event.originator_id)
    return Delivery(
        delivery_id=delivery_id_for(subscription.subscription_id, notice_id),
        subscription_id=subscription.subscription_id,
        owner=subscription.owner,
        notice_id=notice_id,
        kind=event.kind,
        position=position,
        body=notice_body(event, position),
        state=DeliveryState.PENDING,
        attempts=0,
        tries=0,
        # Due as soon as it is made; the notice's own time orders nothing here.
        next_attempt_at=0.0,
        created_at=event.delivered_at.timestamp(),
    )


@attrs.frozen
class Answer:
    """What the receiver answered: its status, or why there was no answer."""

    status: int | None
    error: str = ""


class WebhookPoster(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float) -> Answer:
        """POST once, following no redirect; never raises for what the receiver does
        (refused, timed out, an address it may not call): the answer says it."""
        ...


#: Told of each settled attempt: its outcome (delivered, retrying, failed, cancelled) and
#: how long the receiver took (seconds; None when nothing was sent).
OutcomeListener = Callable[[str, float | None], None]


def _no_listener(_outcome: str, _seconds: float | None) -> None:
    return None


@attrs.frozen
class SenderSettings:
    schedule: tuple[float, ...] = RETRY_SCHEDULE
    timeout: float = 10.0
    #: How long a taken delivery is held; longer than a send can take.
    lease_seconds: float = 60.0
    #: Deliveries a pass sends at most.
    batch: int = 100
    #: Sends under way at once: deliveries are taken this many at a time.
    parallel: int = 8
    #: The largest share of a wait added or taken at random (0.1: 10%).
    jitter: float = 0.1
    #: Seconds a rotated-away secret signs beside the new one.
    rotation_grace: float = ROTATION_GRACE
    #: Seconds after which a pass takes no new round (slow receivers must not hold the
    #: worker's tick, and the projections it runs, for minutes).
    pass_seconds: float = 10.0


class WebhookSender:
    """Sends the deliveries that are due, a batch per pass."""

    def __init__(
        self,
        tables: WebhookTables,
        log: InboxLog,
        *,
        keys: KeyStore,
        sealer: Sealer,
        poster: WebhookPoster,
        clock: Clock,
        settings: SenderSettings | None = None,
        random: Callable[[], float] | None = None,
        listener: OutcomeListener = _no_listener,
    ) -> None:
        self.tables = tables
        self._log = log
        self.keys = keys
        self.sealer = sealer
        self.poster = poster
        self.clock = clock
        self.settings = settings or SenderSettings()
        self._random = random or (lambda: secrets.randbelow(1_000_001) / 1_000_000)
        self.listener = listener

    def run(self) -> str | None:
        """Send what is due now, up to a batch and for ``pass_seconds`` at most (a round
        begun is finished); answer what happened (None: nothing was due).

        Deliveries are taken a round at a time, as many as are sent at once, so that each is
        held only while its own round is sent (one timeout at most), well within its lease."""
        holder = secrets.token_hex(8)
        targets: dict[str, _Target | None] = {}
        outcomes: dict[str, int] = {}
        taken_in_all = 0
        parallel = max(1, self.settings.parallel)
        ends = time.monotonic() + self.settings.pass_seconds
        with ThreadPoolExecutor(parallel) as pool:
            while taken_in_all < self.settings.batch and time.monotonic() < ends:
                now = self.clock.now().timestamp()
                taken = self.tables.claim(
                    now=now,
                    limit=min(parallel, self.settings.batch - taken_in_all),
                    holder=holder,
                    lease_until=now + self.settings.lease_seconds,
                )
                if not taken:
                    break
                taken_in_all += len(taken)
                for delivery in taken:
                    if delivery.subscription_id not in targets:
                        targets[delivery.subscription_id] = self._target(delivery.subscription_id)
                settled = list(
                    pool.map(lambda d: self._attempt(d, targets[d.subscription_id]), taken)
                )
                recorded = set(self.tables.settle(holder, [s for s, _ in settled]))
                for settlement, seconds in settled:
                    outcome = settlement.outcome
                    if settlement.delivery_id not in recorded:
                        log.warning(
                            "%s: its lease ran out before its attempt was recorded; another "
                            "process sends it again",
                            settlement.delivery_id,
                        )
                        outcome = "lease lost"
                    else:
                        self.listener(outcome, seconds)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if not outcomes:
            return None
        return ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))

    def drain(self, *, passes: int = 1_000) -> int:
        """Run passes until nothing is due (or ``passes`` ran); answer how many ran."""
        for done in range(passes):
            if self.run() is None:
                return done
        return passes

    def _target(self, subscription_id: str) -> _Target | None:
        """Where a subscription's deliveries go and the secret that signs them (None: it
        was deleted, or its key destroyed)."""
        subscription = self._log.find(WebhookSubscription, UUID(subscription_id))
        key = self.keys.key_for(key_subject(subscription_id))
        if subscription is None or subscription.ended or key is None:
            return None
        subject = key_subject(subscription_id)
        secret = self.sealer.open(key, subscription.sealed_secret, subject=subject).decode()
        previous = None
        rotated = subscription.rotated_at
        if (
            subscription.previous_sealed_secret is not None
            and rotated is not None
            and self.clock.now().timestamp() - rotated.timestamp() < self.settings.rotation_grace
        ):
            previous = self.sealer.open(
                key, subscription.previous_sealed_secret, subject=subject
            ).decode()
        return _Target(url=subscription.url, secret=secret, previous=previous)

    def _attempt(
        self, delivery: Delivery, target: _Target | None
    ) -> tuple[Settlement, float | None]:
        """One attempt of a delivery, and what it settles (with the receiver's time)."""
        if target is None:
            return Settlement(delivery.delivery_id, None, DeliveryState.CANCELLED, None), None
        body = delivery.body.encode()
        at = self.clock.now().timestamp()
        headers = headers_for(
            target.secret,
            delivery.delivery_id,
            int(at),
            body,
            also=() if target.previous is None else (target.previous,),
        )
        started = time.perf_counter()
        answer = self.poster.post(target.url, body, headers, timeout=self.settings.timeout)
        seconds = time.perf_counter() - started
        attempt = Attempt(
            delivery_id=delivery.delivery_id,
            number=delivery.attempts + 1,
            at=at,
            status=answer.status,
            latency_ms=round(seconds * 1000, 3),
            error=answer.error[:500],
        )
        if attempt.succeeded:
            return Settlement(delivery.delivery_id, attempt, DeliveryState.DELIVERED, None), seconds
        if delivery.tries < len(self.settings.schedule):
            wait = self.settings.schedule[delivery.tries]
            spread = self.settings.jitter * (2 * self._random() - 1)
            return (
                Settlement(
                    delivery.delivery_id, attempt, DeliveryState.PENDING, at + wait * (1 + spread)
                ),
                seconds,
            )
        return Settlement(delivery.delivery_id, attempt, DeliveryState.FAILED, None), seconds


@attrs.frozen
class _Target:
    url: str
    secret: str = attrs.field(repr=False)
    #: The secret a rotation replaced, while it still signs beside the new one.
    previous: str | None = attrs.field(default=None, repr=False)
