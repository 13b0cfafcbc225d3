"""Webhooks over HTTP: a person subscribes an address to kinds of their own notices, lists
and deletes their subscriptions, rotates a secret (shown once), and follows each
subscription's deliveries and their attempts, asking again for one that failed.

Every call acts on the caller's own subscriptions (an admin's: anyone's); someone else's id
answers 404, as if it did not exist."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from application.webhook_model import Attempt, Delivery, DeliveryState, Subscription
from application.webhooks import Subscribed
from domain.inbox import NoticeKind
from domain.webhooks import MAX_URL
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.problems import documented
from entrypoints.http.schemas import Answer, Strict
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["webhooks"])

DeliveryPath = Annotated[
    str,
    Path(
        min_length=36,
        max_length=36,
        pattern=r"^msg_[0-9a-f]{32}$",
        description="A delivery's id: its messages' `webhook-id`.",
    ),
]


class SubscriptionBody(Strict):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        examples=["https://hooks.example.org/spotlight"],
        description="An https:// address on the public internet (private, loopback and "
        "link-local addresses are refused unless the operator allows them).",
    )
    kinds: list[NoticeKind] = Field(
        default_factory=list,
        max_length=len(NoticeKind),
        description="The kinds of your notices to call back; empty: every kind.",
    )


class SubscriptionOut(Answer):
    subscription_id: str
    owner: str = Field(description="Whose notices: the person, `role:subject`.")
    url: str
    kinds: list[str]
    subscribed_at: datetime
    rotated_at: datetime | None
    position: int = Field(description="Where it was subscribed in the inbox log.")

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        return cls.model_validate(subscription)


class SubscribedOut(SubscriptionOut):
    secret: str = Field(
        description="The signing secret (`whsec_` and base64), shown this once: keep it. "
        "Each call carries `webhook-signature: v1,<base64 HMAC-SHA256 of "
        "'webhook-id.webhook-timestamp.body'>` under its bytes (Standard Webhooks)."
    )

    @classmethod
    def made(cls, subscribed: Subscribed) -> SubscribedOut:
        view = SubscriptionOut.of(subscribed.subscription)
        return cls(**view.model_dump(), secret=subscribed.secret)


class DeliveryOut(Answer):
    delivery_id: str = Field(description="The `webhook-id` of every attempt of it.")
    subscription_id: str
    notice_id: str
    kind: str
    position: int = Field(description="The notice's position in the inbox log.")
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None = Field(
        description="When a pending delivery is tried next; null: due now, or settled."
    )
    last_status: int | None
    last_error: str

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            delivery_id=delivery.delivery_id,
            subscription_id=delivery.subscription_id,
            notice_id=delivery.notice_id,
            kind=delivery.kind,
            position=delivery.position,
            state=delivery.state,
            attempts=delivery.attempts,
            next_attempt_at=_instant(delivery.next_attempt_at),
            last_status=delivery.last_status,
            last_error=delivery.last_error,
        )


class AttemptOut(Answer):
    number: int
    at: datetime
    status: int | None = Field(description="The receiver's HTTP status; null: no answer.")
    latency_ms: float
    error: str

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        at = _instant(attempt.at)
        assert at is not None
        return cls(
            number=attempt.number,
            at=at,
            status=attempt.status,
            latency_ms=attempt.latency_ms,
            error=attempt.error,
        )


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(description="The JSON body every attempt sends.")
    attempt_log: list[AttemptOut]


def _instant(epoch: float | None) -> datetime | None:
    if epoch is None or epoch <= 0:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC)


SUBSCRIPTIONS = "/v1/me/webhooks"
SUBSCRIPTION = "/v1/me/webhooks/{subscription_id}"
NOT_FOUND = (404, "`not-found`: no subscription of yours has this id")


@router.post(
    SUBSCRIPTIONS,
    response_model=SubscribedOut,
    status_code=status.HTTP_201_CREATED,
    responses=documented(
        (
            422,
            "`invalid-value`: not an http(s) address, a private or loopback address, an "
            "unknown kind, or too many subscriptions",
        ),
    ),
)
def subscribe(body: SubscriptionBody, core: Core, caller: Caller) -> SubscribedOut:
    """Subscribe an address to your notices of `kinds` (none: every kind). The answer holds
    the signing secret, the only time it is shown. Each notice is POSTed as JSON
    (`type: notice.<kind>`, `data`: the notice) with the headers `webhook-id` (the same on
    every attempt: drop duplicates by it), `webhook-timestamp` and `webhook-signature`; a
    2xx answer within the timeout delivers it, anything else is tried again after 5 s,
    5 min, 30 min, 2 h, 5 h and 10 h (with jitter), then marked failed."""
    made = core.webhooks.subscribe(caller, body.url, [kind.value for kind in body.kinds])
    return SubscribedOut.made(made)


@router.get(SUBSCRIPTIONS, response_model=PageOut[SubscriptionOut])
def subscriptions(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[SubscriptionOut]:
    """Your subscriptions in force, oldest first (never their secrets)."""
    page = core.webhooks.subscriptions(caller, limit=limit, cursor=cursor)
    return PageOut[SubscriptionOut](
        items=[SubscriptionOut.of(s) for s in page.items], next_cursor=page.next_cursor
    )


@router.get(SUBSCRIPTION, response_model=SubscriptionOut, responses=documented(NOT_FOUND))
def subscription(subscription_id: UUID, core: Core, caller: Caller) -> SubscriptionOut:
    """One of your subscriptions in force."""
    return SubscriptionOut.of(core.webhooks.subscription(caller, subscription_id))


@router.delete(SUBSCRIPTION, response_model=SubscriptionOut, responses=documented(NOT_FOUND))
def unsubscribe(subscription_id: UUID, core: Core, caller: Caller) -> SubscriptionOut:
    """Delete a subscription: nothing more is called back, what it had still to deliver is
    cancelled, and its secret is destroyed."""
    return SubscriptionOut.of(core.webhooks.unsubscribe(caller, subscription_id))


@router.post(
    f"{SUBSCRIPTION}/secret", response_model=SubscribedOut, responses=documented(NOT_FOUND)
)
def rotate(subscription_id: UUID, core: Core, caller: Caller) -> SubscribedOut:
    """A new signing secret, shown this once. Every call from now on is signed with it and,
    for 24 hours, also with the secret it replaces (`webhook-signature` then holds two
    signatures separated by a space; either verifies), so that a receiver switches to the new
    secret without refusing calls meanwhile."""
    return SubscribedOut.made(core.webhooks.rotate(caller, subscription_id))


@router.get(
    f"{SUBSCRIPTION}/deliveries",
    response_model=PageOut[DeliveryOut],
    responses=documented(NOT_FOUND),
)
def deliveries(
    subscription_id: UUID,
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    state: Annotated[
        DeliveryState | None, Query(description="Only the deliveries in this state.")
    ] = None,
) -> PageOut[DeliveryOut]:
    """A subscription's deliveries (a deleted one's too), oldest notice first."""
    page = core.webhooks.deliveries(
        caller, subscription_id, limit=limit, cursor=cursor, state=state
    )
    return PageOut[DeliveryOut](
        items=[DeliveryOut.of(d) for d in page.items], next_cursor=page.next_cursor
    )


DELIVERY = "/v1/me/webhook-deliveries/{delivery_id}"
NO_DELIVERY = (404, "`not-found`: no delivery of yours has this id")


@router.get(DELIVERY, response_model=DeliveryDetailOut, responses=documented(NO_DELIVERY))
def delivery(delivery_id: DeliveryPath, core: Core, caller: Caller) -> DeliveryDetailOut:
    """A delivery, its body and every attempt made of it (status, latency, error)."""
    found = core.webhooks.delivery(caller, delivery_id)
    return DeliveryDetailOut(
        **DeliveryOut.of(found.delivery).model_dump(),
        body=found.delivery.body,
        attempt_log=[AttemptOut.of(a) for a in found.attempts],
    )


@router.post(
    f"{DELIVERY}/redelivery",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=documented(
        NO_DELIVERY,
        (422, "`invalid-value`: still being sent, or its subscription was deleted"),
    ),
)
def redeliver(delivery_id: DeliveryPath, core: Core, caller: Caller) -> DeliveryOut:
    """Send a delivery again now, with a fresh retry schedule and the same `webhook-id`."""
    return DeliveryOut.of(core.webhooks.redeliver(caller, delivery_id))
