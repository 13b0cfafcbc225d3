"""`spotlight webhooks`: an operator sees the subscriptions and their deliveries, sends what
is due, looks at a delivery's attempts, redelivers it and deletes a subscription; a wrong id
is refused with one line and exit status 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.auth import Principal, Role
from domain.inbox import InboxMessage
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.webhook_receiver import Receiver, Reply, receiving


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.setenv("SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE", "1")
    with receiving() as running:
        core = bootstrap(Settings.from_environ())
        made = core.webhooks.subscribe(Principal(Role.SELLER, "acme"), running.url)
        running.secrets.append(made.secret)
        core._inbox.save(
            InboxMessage.deliver(
                recipient="seller:acme", subject="A report", body="", key="r1", at=core.clock.now()
            )
        )
        core.close()
        yield running


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> object:
    assert main(["webhooks", *arguments]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_operator_sends_inspects_redelivers_and_deletes(
    receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = run(capsys, "list", "--owner", "seller:acme")
    assert isinstance(listed, dict)
    (subscription,) = listed["items"]
    assert run(capsys, "stats") == {
        "deliveries": {"pending": 1, "delivered": 0, "failed": 0, "cancelled": 0},
        "due_now": 1,
    }

    receiver.replies.append(Reply(500))
    sent = run(capsys, "send")
    assert sent == {"events_fanned_out": 0, "passes": ["1 retrying"], "due_now": 0}
    deliveries = run(capsys, "deliveries", subscription["subscription_id"])
    assert isinstance(deliveries, dict)
    (delivery,) = deliveries["items"]
    shown = run(capsys, "show", delivery["delivery_id"])
    assert isinstance(shown, dict)
    assert [a["status"] for a in shown["attempt_log"]] == [500]

    assert main(["webhooks", "redeliver", delivery["delivery_id"]]) == 2
    assert "still being sent" in capsys.readouterr().err

    deleted = run(capsys, "delete", subscription["subscription_id"])
    assert isinstance(deleted, dict)
    assert deleted["subscription_id"] == subscription["subscription_id"]
    assert run(capsys, "list") == {"items": [], "next_cursor": None}
    stats = run(capsys, "stats")
    assert isinstance(stats, dict)
    assert stats["deliveries"]["cancelled"] == 1
    assert receiver.ids() == [delivery["delivery_id"]]


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["deliveries", "not-a-uuid"], "not a subscription id"),
        (["delete", "00000000-0000-0000-0000-000000000009"], "webhook subscription"),
        (["show", "msg_nope"], "a delivery id is msg_"),
    ],
)
def test_a_wrong_id_is_refused_with_a_reason(
    receiver: Receiver,
    arguments: list[str],
    reason: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["webhooks", *arguments]) == 2
    assert reason in capsys.readouterr().err
