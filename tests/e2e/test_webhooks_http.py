"""Webhooks over HTTP: a creator subscribes a receiver to kinds of their notices, sees the
secret once, follows the deliveries and their attempts, asks for one again, rotates the
secret and deletes the subscription; nobody else can see or touch it; bad addresses and
kinds are refused with a reason; /metrics counts deliveries by state and outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.webhook_delivery import NAME as FANOUT
from domain.inbox import InboxMessage, NoticeKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from tests.e2e.conftest import Headers, e2e_settings
from tests.prometheus_text import metric_value
from tests.webhook_receiver import Receiver, receiving

LOOPBACK = ("127.0.0.1", 50000)


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Spotlight]:
    running = bootstrap(e2e_settings(tmp_path, WEBHOOK_ALLOW_PRIVATE="1"))
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core), client=LOOPBACK)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def tag_notice(core: Spotlight, recipient: str, key: str) -> None:
    core._inbox.save(
        InboxMessage.deliver(
            recipient=recipient,
            subject="A product was linked to your video",
            body="",
            key=key,
            at=core.clock.now(),
            kind=NoticeKind.PRODUCT_TAG_ADDED,
            about={"video": "v1", "listing": "l1"},
        )
    )


def send(core: Spotlight) -> str | None:
    core.projections.catch_up(FANOUT)
    return core.webhook_sender.run()


def test_a_creator_follows_their_webhook_from_subscription_to_deletion(
    client: TestClient, core: Spotlight, auth: Any, receiver: Receiver
) -> None:
    maya: Headers = auth("creator", "maya")
    made = client.post(
        "/v1/me/webhooks",
        json={"url": receiver.url, "kinds": ["product_tag_added"]},
        headers=maya,
    )
    assert made.status_code == 201, made.text
    subscription = made.json()
    receiver.secrets.append(subscription["secret"])
    assert subscription["owner"] == "maya"
    assert subscription["kinds"] == ["product_tag_added"]
    listed = client.get("/v1/me/webhooks", headers=maya).json()
    assert [s["subscription_id"] for s in listed["items"]] == [subscription["subscription_id"]]
    assert "secret" not in listed["items"][0]

    tag_notice(core, "maya", "tag-1")
    core._inbox.save(
        InboxMessage.deliver(
            recipient="maya", subject="Not a tag", body="", key="other", at=core.clock.now()
        )
    )
    assert send(core) == "1 delivered"
    (received,) = receiver.received
    assert received.verified

    path = f"/v1/me/webhooks/{subscription['subscription_id']}"
    deliveries = client.get(f"{path}/deliveries", headers=maya).json()["items"]
    assert [(d["state"], d["attempts"]) for d in deliveries] == [("delivered", 1)]
    delivery_id = deliveries[0]["delivery_id"]
    assert delivery_id == received.webhook_id
    detail = client.get(f"/v1/me/webhook-deliveries/{delivery_id}", headers=maya).json()
    assert [a["status"] for a in detail["attempt_log"]] == [200]
    assert '"type":"notice.product_tag_added"' in detail["body"]

    again = client.post(f"/v1/me/webhook-deliveries/{delivery_id}/redelivery", headers=maya)
    assert again.status_code == 202, again.text
    assert again.json()["state"] == "pending"
    assert send(core) == "1 delivered"
    assert receiver.ids() == [delivery_id, delivery_id]

    metrics = client.get("/metrics").text
    assert metric_value(metrics, "spotlight_webhook_deliveries", state="delivered") == 1
    assert metric_value(metrics, "spotlight_webhook_deliveries_total", outcome="delivered") >= 2

    rotated = client.post(f"{path}/secret", headers=maya)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != subscription["secret"]
    assert client.get(path, headers=maya).json()["rotated_at"] is not None

    someone_else: Headers = auth("brand", "maya")
    for method, url in [
        ("GET", path),
        ("DELETE", path),
        ("POST", f"{path}/secret"),
        ("GET", f"{path}/deliveries"),
        ("GET", f"/v1/me/webhook-deliveries/{delivery_id}"),
        ("POST", f"/v1/me/webhook-deliveries/{delivery_id}/redelivery"),
    ]:
        answer = client.request(method, url, headers=someone_else)
        assert answer.status_code == 404, (method, url, answer.text)
    assert client.get("/v1/me/webhooks", headers=someone_else).json()["items"] == []

    deleted = client.delete(path, headers=maya)
    assert deleted.status_code == 200, deleted.text
    assert client.get(path, headers=maya).status_code == 404
    assert client.get("/v1/me/webhooks", headers=maya).json()["items"] == []
    # Its deliveries stay readable.
    assert client.get(f"{path}/deliveries", headers=maya).status_code == 200


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"url": "ftp://hooks.example.org/"}, "https://"),
        ({"url": "https://hooks.example.org/", "kinds": ["no_such_kind"]}, "kinds"),
        ({"url": "https://hooks.example.org/", "secret": "mine"}, "secret"),
        ({"url": "https://user:pw@hooks.example.org/"}, "credentials"),
    ],
)
def test_a_bad_subscription_is_refused_with_a_reason(
    client: TestClient, auth: Any, body: dict[str, Any], reason: str
) -> None:
    answer = client.post("/v1/me/webhooks", json=body, headers=auth("artist", "lua"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert reason in answer.text


def test_a_delivery_id_of_another_shape_is_refused(client: TestClient, auth: Any) -> None:
    answer = client.get("/v1/me/webhook-deliveries/not-an-id", headers=auth("viewer", "v"))
    assert answer.status_code == 422


def test_the_services_own_network_is_refused_unless_the_operator_allows_it(
    tmp_path: Path, auth: Any
) -> None:
    strict = bootstrap(e2e_settings(tmp_path / "strict"))
    try:
        client = TestClient(create_app(strict))
        token = auth("seller", "s1")
        for url in ["https://127.0.0.1:8000/hooks", "https://localhost/", "http://127.0.0.1/"]:
            answer = client.post("/v1/me/webhooks", json={"url": url}, headers=token)
            assert answer.status_code == 422, (url, answer.text)
    finally:
        strict.close()


def test_the_embedded_service_delivers_in_the_background_without_anyone_asking(
    tmp_path: Path, auth: Any, receiver: Receiver
) -> None:
    running = bootstrap(
        e2e_settings(tmp_path / "embedded", WEBHOOK_ALLOW_PRIVATE="1", SWEEP_INTERVAL="0.05")
    )
    try:
        with TestClient(create_app(running, background_sweeps=True)) as client:
            made = client.post(
                "/v1/me/webhooks", json={"url": receiver.url}, headers=auth("studio", "wb")
            ).json()
            receiver.secrets.append(made["secret"])
            running._inbox.save(
                InboxMessage.deliver(
                    recipient="studio:wb",
                    subject="An anchor was attached",
                    body="",
                    key="anchor-1",
                    at=running.clock.now(),
                    kind=NoticeKind.ANCHOR_ATTACHED,
                    about={"title": "t1", "video": "v1"},
                )
            )
            assert receiver.arrived.wait(20), "the sweeper never called the receiver"
        (received,) = receiver.received
        assert received.verified
    finally:
        running.close()


def test_the_service_itself_is_refused_even_where_private_receivers_are_allowed(
    tmp_path: Path, auth: Any, receiver: Receiver
) -> None:
    own = bootstrap(
        e2e_settings(
            tmp_path / "own",
            WEBHOOK_ALLOW_PRIVATE="1",
            PUBLIC_URL="https://localhost:9443/",
            LISTEN="0.0.0.0:8000",
        )
    )
    try:
        client = TestClient(create_app(own))
        token = auth("seller", "s1")
        for url, reason in [
            ("https://LOCALHOST.:9443/hooks", "own public address"),
            ("https://127.0.0.1:9443/", "own public address"),  # localhost's address
            ("http://127.0.0.1:8000/v1/me/webhooks", "where the service itself listens"),
            ("http://[::1]:8000/", "where the service itself listens"),
        ]:
            answer = client.post("/v1/me/webhooks", json={"url": url}, headers=token)
            assert answer.status_code == 422, (url, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert reason in answer.json()["detail"], url
        # A receiver on another port of the same loopback is someone else's.
        made = client.post("/v1/me/webhooks", json={"url": receiver.url}, headers=token)
        assert made.status_code == 201, made.text
        assert client.get("/v1/me/webhooks", headers=token).json()["items"][0]["url"] == (
            receiver.url
        )
    finally:
        own.close()
