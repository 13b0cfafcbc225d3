"""Typed notices and what their recipients have read: a notice carries a kind, the ids of
what it is about and a reason; a version 1 message (free text) reads as kind ``message``, or
as the kind its key names for certain; marking notices read is a ``NoticesRead`` in the
inbox log, projected into each notice's read flag."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.notifications.inbox import InAppNotifier
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.inbox import SqlInboxTables
from adapters.storage import close_application, parse_store
from application.errors import NotFound
from application.inbox import Inboxes, InboxProjection, InboxReads
from application.logs import InboxLog
from application.notifications import InboxFilter
from application.projections import ProjectionRunner
from domain.errors import InvalidValue
from domain.inbox import InboxMessage, NoticeKind, ReadMarks, typed_from_v1_key
from tests.fakes import FixedClock

# Fixed ids: they name parametrized cases, which every pytest-xdist worker must collect alike.
INVITATION = UUID("24918101-565d-40c0-adc7-f03f9ad84c35")
VIDEO = UUID("af3d1f9a-fc68-4f21-b255-83c981ea6e6a")
LISTING = UUID("6fdddb96-78a2-40b2-ae8d-512fbff397c8")


class Inbox:
    """An inbox log, its persisted projection, the notifier and the readers' service."""

    def __init__(self) -> None:
        self.clock = FixedClock()
        self.log = InboxLog(parse_store("memory://").env_for(InboxLog.name))
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        runner = ProjectionRunner(self.store, {InboxLog.name: self.log})
        self.reads = InboxReads(runner, InboxProjection(SqlInboxTables(self.store)))
        self.notifier = InAppNotifier(self.log, clock=self.clock, reads=self.reads)
        self.inboxes = Inboxes(self.log, self.reads, clock=self.clock)

    def close(self) -> None:
        self.store.close()
        close_application(self.log)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    made = Inbox()
    yield made
    made.close()


def offered(inbox: Inbox, recipient: str = "mia", key: str = "offer-1") -> str:
    return inbox.notifier.notify(
        recipient,
        subject="A brand campaign invitation",
        body="Acme invites you",
        key=key,
        kind=NoticeKind.INVITATION_OFFERED,
        about={"invitation": INVITATION},
        reason="",
    )


# Kinds and ids -------------------------------------------------------------------------------


def test_a_notice_carries_its_kind_the_ids_it_is_about_and_a_reason(inbox: Inbox) -> None:
    inbox.notifier.notify(
        "mia",
        subject="Delivery not approved",
        body="Please reshoot",
        key="rejected-1",
        kind=NoticeKind.INVITATION_REJECTED,
        about={"invitation": INVITATION, "video": VIDEO},
        reason="  the logo is not shown  ",
    )

    (notice,) = inbox.notifier.inbox("mia")
    assert notice.kind == "invitation_rejected"
    assert notice.about == {"invitation": str(INVITATION), "video": str(VIDEO)}
    assert notice.reason == "the logo is not shown"
    assert notice.read is False


def test_a_notice_names_only_known_objects() -> None:
    with pytest.raises(InvalidValue, match="names objects among"):
        InboxMessage.deliver(
            recipient="mia",
            subject="s",
            body="",
            key="k",
            at=FixedClock().now(),
            about={"spaceship": "1"},
        )


def test_a_page_is_filtered_by_kind(inbox: Inbox) -> None:
    offered(inbox)
    inbox.notifier.notify("mia", subject="Hello", body="free text", key="hello")

    (notice,) = inbox.notifier.inbox("mia", only=InboxFilter(kind=NoticeKind.MESSAGE))
    assert notice.subject == "Hello"
    (notice,) = inbox.notifier.inbox("mia", only=InboxFilter(kind=NoticeKind.INVITATION_OFFERED))
    assert notice.about == {"invitation": str(INVITATION)}


# Version 1 messages ------------------------------------------------------------------------


def as_version_one(notification: Notification) -> Notification:
    """The same stored event as version 1 of MessageDelivered wrote it: free text only."""
    state: dict[str, Any] = json.loads(notification.state)
    for field in ("kind", "about", "reason", "class_version"):
        del state[field]
    return dataclasses.replace(notification, state=json.dumps(state).encode())


@pytest.mark.parametrize(
    ("key", "kind", "about"),
    [
        (
            f"product-tag:{VIDEO}:{LISTING}",
            "product_tag_added",
            {"video": str(VIDEO), "listing": str(LISTING)},
        ),
        (f"invitation:{INVITATION}:sent:1", "invitation_offered", {"invitation": str(INVITATION)}),
        (f"invitation:{INVITATION}:paid:4", "invitation_approved", {"invitation": str(INVITATION)}),
        (f"invitation:{INVITATION}:mystery:4", "message", {}),
        ("product-tag:not-an-id:x", "message", {}),
        ("anything else", "message", {}),
    ],
)
def test_a_stored_version_one_message_reads_as_a_message_or_the_kind_its_key_names(
    inbox: Inbox, key: str, kind: str, about: dict[str, str]
) -> None:
    inbox.notifier.notify("mia", subject="Old", body="free text", key=key)
    (stored,) = inbox.log.recorder.select_notifications(start=1, limit=10)
    assert json.loads(stored.state)["class_version"] == 2

    old = inbox.log.mapper.to_domain_event(as_version_one(stored))

    assert isinstance(old, InboxMessage.Delivered)
    assert (old.kind, old.about, old.reason, old.body) == (kind, about, "", "free text")


def test_a_version_one_message_in_the_log_is_projected_as_typed(inbox: Inbox) -> None:
    scratch = Inbox()
    try:
        scratch.notifier.notify(
            "mia", subject="Old", body="free", key=f"invitation:{INVITATION}:sent:1"
        )
        (stored,) = scratch.log.recorder.select_notifications(start=1, limit=10)
    finally:
        scratch.close()
    inbox.log.recorder.insert_events([as_version_one(stored)])

    (notice,) = inbox.notifier.inbox("mia")
    assert (notice.kind, notice.about) == ("invitation_offered", {"invitation": str(INVITATION)})
    assert typed_from_v1_key("hello") == (NoticeKind.MESSAGE, {})


# Read and unread ----------------------------------------------------------------------------


def test_marking_one_notice_read_leaves_the_others_unread(inbox: Inbox) -> None:
    first = offered(inbox, key="a")
    offered(inbox, key="b")
    assert inbox.inboxes.unread("mia") == 2

    marked = inbox.inboxes.mark_read("mia", first)

    assert marked.read is True
    assert inbox.inboxes.unread("mia") == 1
    (unread,) = inbox.notifier.inbox("mia", only=InboxFilter(unread=True))
    assert unread.notice_id != first
    assert [n.read for n in inbox.notifier.inbox("mia")] == [True, False]


def test_marking_read_up_to_a_position_reads_every_notice_at_or_before_it(inbox: Inbox) -> None:
    for key in ("a", "b", "c"):
        offered(inbox, key=key)
    second = inbox.notifier.inbox("mia")[1]

    assert inbox.inboxes.mark_read_up_to("mia", second.position) == 1
    assert [n.read for n in inbox.notifier.inbox("mia")] == [True, True, False]


def test_a_reading_is_an_event_in_the_inbox_log(inbox: Inbox) -> None:
    notice_id = offered(inbox)
    inbox.inboxes.mark_read("mia", notice_id)

    marks = inbox.log.load(ReadMarks, ReadMarks.id_for("mia"))
    topics = [n.topic for n in inbox.log.recorder.select_notifications(start=1, limit=10)]
    assert topics[-1] == ReadMarks.NoticesRead.TOPIC
    assert marks.recipient == "mia"


def test_nobody_marks_anothers_notice_read(inbox: Inbox) -> None:
    notice_id = offered(inbox, recipient="mia")

    with pytest.raises(NotFound):
        inbox.inboxes.mark_read("leo", notice_id)
    assert inbox.inboxes.unread("mia") == 1


def test_reading_up_to_nothing_is_refused(inbox: Inbox) -> None:
    with pytest.raises(InvalidValue):
        inbox.inboxes.mark_read_up_to("mia", 0)


Step = tuple[str, str, int]  # (what, recipient, which)


steps = st.lists(
    st.tuples(
        st.sampled_from(["deliver", "read-one", "read-up-to"]),
        st.sampled_from(["mia", "leo"]),
        st.integers(min_value=0, max_value=20),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_the_unread_count_is_the_notices_less_the_ones_read_under_any_interleaving(
    steps: list[Step],
) -> None:
    inbox = Inbox()
    try:
        delivered: dict[str, list[tuple[str, int]]] = {"mia": [], "leo": []}
        read: dict[str, set[str]] = {"mia": set(), "leo": set()}
        for number, (what, recipient, which) in enumerate(steps):
            mine = delivered[recipient]
            if what == "deliver":
                offered(inbox, recipient=recipient, key=f"k{number}")
                latest = inbox.notifier.inbox(recipient, after=mine[-1][1] if mine else 0)
                mine.extend((n.notice_id, n.position) for n in latest)
            elif what == "read-one" and mine:
                notice_id = mine[which % len(mine)][0]
                inbox.inboxes.mark_read(recipient, notice_id)
                read[recipient].add(notice_id)
            elif what == "read-up-to" and mine:
                position = mine[which % len(mine)][1]
                inbox.inboxes.mark_read_up_to(recipient, position)
                read[recipient] |= {n for n, at in mine if at <= position}
            for person in ("mia", "leo"):
                expected = len(delivered[person]) - len(read[person])
                assert inbox.inboxes.unread(person) == expected
                unread = inbox.notifier.inbox(person, limit=100, only=InboxFilter(unread=True))
                assert {n.notice_id for n in unread} == {n for n, _ in delivered[person]} - read[
                    person
                ]
    finally:
        inbox.close()
