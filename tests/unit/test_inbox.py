"""The in-app inbox: a notice is a message in the inbox log, named by the sender's key, so a
retried notice is delivered once; recipients read their own messages, oldest first, a page
at a time after a cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.notifications.inbox import InAppNotifier
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.inbox import SqlInboxTables
from adapters.storage import close_application, parse_store
from application.inbox import InboxProjection, InboxReads
from application.logs import InboxLog
from application.notifications import Notifier
from application.projections import ProjectionRunner
from domain.errors import InvalidValue
from domain.inbox import MAX_BODY, MAX_SUBJECT, InboxMessage
from tests.fakes import OPENING_NIGHT, FixedClock

NOW = OPENING_NIGHT


# The message --------------------------------------------------------------------------------


def test_a_message_is_named_by_its_key() -> None:
    message = InboxMessage.deliver(
        recipient="mia", subject="  A product link  ", body="We linked it.", key="tag:1", at=NOW
    )

    assert message.id == InboxMessage.id_for("tag:1")
    assert message.id != InboxMessage.id_for("tag:2")
    assert (message.recipient, message.subject, message.body, message.key) == (
        "mia",
        "A product link",
        "We linked it.",
        "tag:1",
    )
    assert message.delivered_at == NOW


@pytest.mark.parametrize(
    "changes",
    [
        {"recipient": ""},
        {"key": ""},
        {"subject": "   "},
        {"subject": "s" * (MAX_SUBJECT + 1)},
        {"body": "b" * (MAX_BODY + 1)},
        {"at": NOW.replace(tzinfo=None)},
    ],
)
def test_a_message_has_a_recipient_a_key_a_subject_and_a_bounded_body(
    changes: dict[str, object],
) -> None:
    fields: dict[str, object] = {
        "recipient": "mia",
        "subject": "Hello",
        "body": "",
        "key": "k",
        "at": NOW,
    }
    fields.update(changes)
    with pytest.raises(InvalidValue):
        InboxMessage.deliver(**fields)  # type: ignore[arg-type]


def test_an_empty_body_and_the_longest_subject_are_fine() -> None:
    message = InboxMessage.deliver(
        recipient="mia", subject="s" * MAX_SUBJECT, body="b" * MAX_BODY, key="k", at=NOW
    )
    assert len(message.subject) == MAX_SUBJECT


# The notifier -------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def inbox_log() -> Iterator[InboxLog]:
    log = InboxLog(parse_store("memory://").env_for(InboxLog.name))
    yield log
    close_application(log)


@pytest.fixture
def projection_store() -> Iterator[SqlProjectionStore]:
    store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
    yield store
    store.close()


def reads_of(inbox_log: InboxLog, store: SqlProjectionStore) -> InboxReads:
    """The inboxes' read model as a process builds it: a runner of its own over the log."""
    runner = ProjectionRunner(store, {InboxLog.name: inbox_log})
    return InboxReads(runner, InboxProjection(SqlInboxTables(store)))


@pytest.fixture
def notifier(
    inbox_log: InboxLog, clock: FixedClock, projection_store: SqlProjectionStore
) -> InAppNotifier:
    return InAppNotifier(inbox_log, clock=clock, reads=reads_of(inbox_log, projection_store))


def test_the_in_app_notifier_is_a_notifier(notifier: InAppNotifier) -> None:
    port: Notifier = notifier
    assert port.inbox("mia") == []


def test_a_notice_is_delivered_to_its_recipients_inbox(
    notifier: InAppNotifier, clock: FixedClock
) -> None:
    notice_id = notifier.notify("mia", subject="A product link", body="We linked it.", key="k-1")

    (notice,) = notifier.inbox("mia")
    assert notice_id == notice.notice_id == str(InboxMessage.id_for("k-1"))
    assert (notice.recipient, notice.subject, notice.body, notice.sent_at) == (
        "mia",
        "A product link",
        "We linked it.",
        clock.now(),
    )
    assert notice.position > 0
    assert notifier.inbox("leo") == []


def test_a_retried_notice_is_delivered_once(
    notifier: InAppNotifier, inbox_log: InboxLog, clock: FixedClock
) -> None:
    first = notifier.notify("mia", subject="A product link", body="We linked it.", key="k-1")
    clock.advance(timedelta(minutes=5))

    again = notifier.notify("mia", subject="A product link", body="We linked it.", key="k-1")
    changed = notifier.notify("mia", subject="Another subject", body="Other.", key="k-1")

    assert first == again == changed
    assert inbox_log.recorder.max_notification_id() == 1
    (notice,) = notifier.inbox("mia")
    assert (notice.subject, notice.sent_at) == ("A product link", NOW)  # the first one stands


def test_an_invalid_notice_raises_and_delivers_nothing(
    notifier: InAppNotifier, inbox_log: InboxLog
) -> None:
    with pytest.raises(InvalidValue):
        notifier.notify("mia", subject=" ", body="", key="k-1")
    assert not inbox_log.recorder.max_notification_id()
    assert notifier.inbox("mia") == []


def test_an_inbox_is_read_oldest_first_a_page_after_a_cursor(
    notifier: InAppNotifier, clock: FixedClock
) -> None:
    for n in range(7):
        notifier.notify("mia", subject=f"Notice {n}", body="", key=f"mia-{n}")
        notifier.notify("leo", subject=f"Notice {n}", body="", key=f"leo-{n}")
        clock.advance(timedelta(minutes=1))

    first_page = notifier.inbox("mia", limit=3)
    second_page = notifier.inbox("mia", after=first_page[-1].position, limit=3)
    last_page = notifier.inbox("mia", after=second_page[-1].position, limit=3)

    subjects = [n.subject for n in first_page + second_page + last_page]
    assert subjects == [f"Notice {n}" for n in range(7)]
    assert [len(p) for p in (first_page, second_page, last_page)] == [3, 3, 1]
    assert notifier.inbox("mia", after=last_page[-1].position) == []
    assert all(n.recipient == "mia" for n in first_page + second_page + last_page)
    positions = [n.position for n in first_page + second_page + last_page]
    assert positions == sorted(positions)
    assert len(notifier.inbox("leo", limit=50)) == 7


def test_a_new_notifier_on_the_same_log_reads_the_same_inbox(
    notifier: InAppNotifier,
    inbox_log: InboxLog,
    clock: FixedClock,
    projection_store: SqlProjectionStore,
) -> None:
    for n in range(3):
        notifier.notify("mia", subject=f"Notice {n}", body="", key=f"k-{n}")
    before = notifier.inbox("mia")

    restarted = InAppNotifier(inbox_log, clock=clock, reads=reads_of(inbox_log, projection_store))

    assert restarted.inbox("mia") == before
    restarted.notify("mia", subject="Notice 3", body="", key="k-3")
    assert [n.subject for n in notifier.inbox("mia")] == [f"Notice {n}" for n in range(4)]
