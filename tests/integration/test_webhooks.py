"""Webhooks end to end on a SQLite file and on PostgreSQL: a person subscribes a receiver on
loopback to their notices; each notice in the inbox log is fanned out to a delivery, POSTed
signed as the Standard Webhooks specification says (checked by the specification's own
library), tried again on a 500 and on a timeout with the backoff schedule, marked failed
when the schedule runs out, sent again on request, and never sent by two processes at once.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from application.auth import Principal, Role
from application.errors import NotFound
from application.webhook_delivery import NAME as FANOUT
from application.webhook_model import DeliveryState, key_subject
from domain.errors import InvalidValue
from domain.inbox import InboxMessage, NoticeKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities
from tests.webhook_receiver import Receiver, Reply, receiving, webhook_settings

ANA = Principal(Role.CREATOR, "ana")
BRUNO = Principal(Role.BRAND, "bruno")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "webhooks")


@pytest.fixture
def settings(store: StoreUnderTest, tmp_path: Path) -> Settings:
    return webhook_settings(store.url, tmp_path, webhook_timeout=0.5, webhook_lease_seconds=5.0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def core(settings: Settings, clock: FixedClock) -> Iterator[Spotlight]:
    spotlight = bootstrap(settings, clock=clock, identities=SequentialIdentities())
    yield spotlight
    spotlight.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def tell(core: Spotlight, recipient: str, key: str, kind: NoticeKind = NoticeKind.MESSAGE) -> str:
    """A notice in the inbox log, however the service comes to write it."""
    message = InboxMessage.deliver(
        recipient=recipient,
        subject=f"about {key}",
        body="something was decided",
        key=key,
        at=core.clock.now(),
        kind=kind,
        about={"video": "v1"} if kind is not NoticeKind.MESSAGE else {},
    )
    core._inbox.save(message)
    return str(message.id)


def send(core: Spotlight) -> str | None:
    core.projections.catch_up(FANOUT)
    return core.webhook_sender.run()


def test_a_notice_is_called_back_signed_to_each_subscription_that_wants_its_kind(
    core: Spotlight, receiver: Receiver
) -> None:
    every = core.webhooks.subscribe(ANA, receiver.url)
    tags_only = core.webhooks.subscribe(ANA, receiver.url, [NoticeKind.PRODUCT_TAG_ADDED])
    receiver.secrets += [every.secret, tags_only.secret]
    assert every.secret.startswith("whsec_")
    assert every.secret != tags_only.secret

    tagged = tell(core, "ana", "tag-1", NoticeKind.PRODUCT_TAG_ADDED)
    tell(core, "ana", "plain-1")
    tell(core, "brand:bruno", "not-ana")
    assert send(core) == "3 delivered"

    assert len(receiver.received) == 3
    assert all(r.verified for r in receiver.received)
    assert len(set(receiver.ids())) == 3
    bodies = [json.loads(r.body) for r in receiver.received]
    assert sorted(b["type"] for b in bodies) == [
        "notice.message",
        "notice.product_tag_added",
        "notice.product_tag_added",
    ]
    assert {b["data"]["recipient"] for b in bodies} == {"ana"}
    tag_bodies = [b for b in bodies if b["data"]["kind"] == "product_tag_added"]
    assert {b["data"]["notice_id"] for b in tag_bodies} == {tagged}
    assert tag_bodies[0]["data"]["about"] == {"video": "v1"}

    page = core.webhooks.deliveries(ANA, UUID(tags_only.subscription.subscription_id))
    (only,) = page.items
    assert (only.notice_id, only.state, only.attempts) == (tagged, DeliveryState.DELIVERED, 1)
    (attempt,) = core.webhooks.delivery(ANA, only.delivery_id).attempts
    assert attempt.status == 200
    assert attempt.error == ""
    assert attempt.latency_ms > 0
    # Nothing more is due, and a second fan-out of the same log adds nothing.
    assert send(core) is None


def test_a_receiver_answering_500_gets_it_again_after_the_backoff_with_the_same_id(
    core: Spotlight, receiver: Receiver, clock: FixedClock
) -> None:
    made = core.webhooks.subscribe(ANA, receiver.url)
    receiver.secrets.append(made.secret)
    receiver.replies += [Reply(500), Reply(503)]
    tell(core, "ana", "n1")

    assert send(core) == "1 retrying"
    (delivery,) = core.webhooks.deliveries(ANA, UUID(made.subscription.subscription_id)).items
    assert delivery.state is DeliveryState.PENDING
    assert delivery.last_status == 500
    wait = (delivery.next_attempt_at or 0) - clock.now().timestamp()
    assert 4.5 <= wait <= 5.5  # 5 s, give or take 10%
    assert send(core) is None  # not due yet

    clock.advance(timedelta(seconds=6))
    assert send(core) == "1 retrying"
    (delivery,) = core.webhooks.deliveries(ANA, UUID(made.subscription.subscription_id)).items
    wait = (delivery.next_attempt_at or 0) - clock.now().timestamp()
    assert 270 <= wait <= 330  # then 5 minutes

    clock.advance(timedelta(minutes=6))
    assert send(core) == "1 delivered"
    assert len(set(receiver.ids())) == 1
    assert len(receiver.ids()) == 3
    assert all(r.verified for r in receiver.received)
    attempts = core.webhooks.delivery(ANA, delivery.delivery_id).attempts
    assert [a.status for a in attempts] == [500, 503, 200]
    assert [a.number for a in attempts] == [1, 2, 3]


def test_a_receiver_too_slow_to_answer_is_timed_out_and_tried_again(
    core: Spotlight, receiver: Receiver, clock: FixedClock
) -> None:
    made = core.webhooks.subscribe(ANA, receiver.url)
    receiver.secrets.append(made.secret)
    receiver.replies.append(Reply(200, delay=2.0))
    tell(core, "ana", "slow")

    assert send(core) == "1 retrying"
    (delivery,) = core.webhooks.deliveries(ANA, UUID(made.subscription.subscription_id)).items
    (attempt,) = core.webhooks.delivery(ANA, delivery.delivery_id).attempts
    assert attempt.status is None
    assert "timed out" in attempt.error

    clock.advance(timedelta(seconds=6))
    assert send(core) == "1 delivered"


def test_a_receiver_down_for_a_while_gets_it_once_it_is_back(
    core: Spotlight, clock: FixedClock
) -> None:
    with socket.socket() as probe:  # a port nothing listens on, until the receiver starts
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = core.webhooks.subscribe(ANA, f"http://127.0.0.1:{port}/hooks")
    tell(core, "ana", "while-down")
    assert send(core) == "1 retrying"
    clock.advance(timedelta(seconds=6))
    assert send(core) == "1 retrying"
    (delivery,) = core.webhooks.deliveries(ANA, UUID(made.subscription.subscription_id)).items
    errors = [a.error for a in core.webhooks.delivery(ANA, delivery.delivery_id).attempts]
    assert all("refused" in error.lower() for error in errors), errors

    with receiving(port) as receiver:
        receiver.secrets.append(made.secret)
        clock.advance(timedelta(minutes=6))
        assert send(core) == "1 delivered"
        (received,) = receiver.received
        assert received.verified
        assert received.webhook_id == delivery.delivery_id


def test_a_receiver_down_for_the_whole_schedule_fails_the_delivery_until_redelivered(
    settings: Settings, clock: FixedClock, receiver: Receiver
) -> None:
    quick = attrs.evolve(settings, webhook_retries=(1.0, 2.0))
    with_core = bootstrap(quick, clock=clock, identities=SequentialIdentities())
    try:
        made = with_core.webhooks.subscribe(ANA, receiver.url)
        receiver.secrets.append(made.secret)
        receiver.replies += [Reply(500)] * 3
        tell(with_core, "ana", "down")
        outcomes = []
        for _ in range(3):
            outcomes.append(send(with_core))
            clock.advance(timedelta(seconds=3))
        assert outcomes == ["1 retrying", "1 retrying", "1 failed"]
        subscription_id = UUID(made.subscription.subscription_id)
        (failed,) = with_core.webhooks.deliveries(
            ANA, subscription_id, state=DeliveryState.FAILED
        ).items
        assert failed.next_attempt_at is None
        assert failed.attempts == 3
        assert send(with_core) is None

        queued = with_core.webhooks.redeliver(ANA, failed.delivery_id)
        assert queued.state is DeliveryState.PENDING
        with pytest.raises(InvalidValue, match="still being sent"):
            with_core.webhooks.redeliver(ANA, failed.delivery_id)
        assert send(with_core) == "1 delivered"
        assert receiver.ids() == [failed.delivery_id] * 4
        assert with_core.webhooks.counts()["delivered"] == 1
    finally:
        with_core.close()


def test_a_rotated_secret_signs_from_then_on_and_a_deleted_subscription_gets_nothing(
    core: Spotlight, receiver: Receiver, clock: FixedClock
) -> None:
    made = core.webhooks.subscribe(ANA, receiver.url)
    subscription_id = UUID(made.subscription.subscription_id)
    rotated = core.webhooks.rotate(ANA, subscription_id)
    assert rotated.secret != made.secret
    assert rotated.subscription.rotated_at is not None
    tell(core, "ana", "after-rotation")
    assert send(core) == "1 delivered"
    # For a day both secrets sign: a receiver still on the old one accepts the call.
    assert len(receiver.received[-1].signature.split()) == 2
    receiver.secrets[:] = [made.secret]
    assert receiver.verify(*_signed(receiver))
    receiver.secrets[:] = [rotated.secret]
    assert receiver.verify(*_signed(receiver))
    clock.advance(timedelta(hours=25))
    tell(core, "ana", "a-day-later")
    assert send(core) == "1 delivered"
    assert len(receiver.received[-1].signature.split()) == 1
    assert receiver.received[-1].verified

    receiver.replies.append(Reply(500))
    tell(core, "ana", "before-deletion")
    assert send(core) == "1 retrying"
    core.webhooks.unsubscribe(ANA, subscription_id)
    # Its key is destroyed: the secrets in the log are noise from now on.
    assert core.keys.key_for(key_subject(subscription_id)) is None
    tell(core, "ana", "after-deletion")
    clock.advance(timedelta(minutes=1))
    assert send(core) is None
    assert len(receiver.received) == 3
    states = {d.state for d in core.webhooks.deliveries(ANA, subscription_id, limit=10).items}
    assert states == {DeliveryState.DELIVERED, DeliveryState.CANCELLED}
    assert core.webhooks.subscriptions(ANA).items == ()
    with pytest.raises(NotFound):
        core.webhooks.rotate(ANA, subscription_id)


def _signed(receiver: Receiver) -> tuple[str, int, str, bytes]:
    last = receiver.received[-1]
    return last.webhook_id, last.timestamp, last.signature, last.body


def test_someone_elses_subscription_is_not_found_and_an_admin_sees_it(
    core: Spotlight, receiver: Receiver
) -> None:
    made = core.webhooks.subscribe(ANA, receiver.url)
    subscription_id = UUID(made.subscription.subscription_id)
    as_brand = Principal(Role.BRAND, "ana")  # the same subject in another role
    with pytest.raises(NotFound):
        core.webhooks.unsubscribe(as_brand, subscription_id)
    assert core.webhooks.subscriptions(as_brand).items == ()
    admin = Principal(Role.ADMIN, "root")
    assert core.webhooks.subscription(admin, subscription_id).owner == "ana"
    (listed,) = core.webhooks.subscriptions(ANA).items
    assert listed.url == receiver.url
    assert listed.kinds == ()


def test_addresses_the_service_may_not_call_are_refused(
    settings: Settings, clock: FixedClock
) -> None:
    strict = attrs.evolve(settings, webhook_allow_private=False)
    with_core = bootstrap(strict, clock=clock, identities=SequentialIdentities())
    try:
        for url, reason in [
            ("https://127.0.0.1/hooks", "loopback"),
            ("https://10.1.2.3/hooks", "private"),
            ("https://169.254.169.254/latest", "private"),
            ("https://[::1]:8443/", "loopback"),
            ("https://localhost/hooks", "loopback"),
            ("http://hooks.example.org/", "https://"),
            ("ftp://hooks.example.org/", "https://"),
            ("https://user:pw@hooks.example.org/", "credentials"),
            ("not a url", "https://"),
        ]:
            with pytest.raises(InvalidValue, match=reason):
                with_core.webhooks.subscribe(ANA, url)
        with pytest.raises(InvalidValue, match="unknown notice kinds"):
            with_core.webhooks.subscribe(BRUNO, "https://hooks.example.org/", ["no_such_kind"])
        assert with_core.webhooks.subscriptions_of(None).items == ()
    finally:
        with_core.close()


def test_a_pass_takes_no_new_round_once_its_time_is_up(core: Spotlight, receiver: Receiver) -> None:
    made = core.webhooks.subscribe(ANA, receiver.url)
    receiver.secrets.append(made.secret)
    receiver.replies += [Reply(200, delay=0.3)] * 3
    for number in range(3):
        tell(core, "ana", f"slow-{number}")
    core.webhook_sender.settings = attrs.evolve(
        core.webhook_sender.settings, parallel=1, pass_seconds=0.2
    )
    assert [send(core) for _ in range(4)] == ["1 delivered"] * 3 + [None]


def test_two_processes_sending_at_once_send_each_delivery_once(
    settings: Settings, store: StoreUnderTest, receiver: Receiver, clock: FixedClock
) -> None:
    first = bootstrap(settings, clock=clock, identities=SequentialIdentities())
    second = bootstrap(settings, clock=clock, identities=SequentialIdentities(start=10_000))
    try:
        made = first.webhooks.subscribe(ANA, receiver.url)
        receiver.secrets.append(made.secret)
        for number in range(60):
            tell(first, "ana", f"n{number}")
        first.projections.catch_up(FANOUT)
        for core in (first, second):
            core.webhook_sender.settings = attrs.evolve(
                core.webhook_sender.settings, batch=7, parallel=2
            )
        barrier = threading.Barrier(2)

        def drain(core: Spotlight) -> None:
            barrier.wait()
            core.webhook_sender.drain()

        threads = [threading.Thread(target=drain, args=(core,)) for core in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        ids = receiver.ids()
        assert len(ids) == 60
        assert len(set(ids)) == 60
        assert first.webhooks.counts()["delivered"] == 60
    finally:
        second.close()
        first.close()
