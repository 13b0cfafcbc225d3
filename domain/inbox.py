"""A message in a person's in-app inbox, and what its recipient has read.

A message is typed: a ``kind`` (a stable string, ``NoticeKind``), the ids of the objects it is
about (``about``: field name to id, the names in ``ABOUT_FIELDS``) and a reason where the
decision gave one. Its id is derived from the sender's key, so the same notice is delivered
once however often it is sent. Version 1 of ``MessageDelivered`` carried free text only; it
is read as kind ``message``, or as the kind its key names where the key's shape is certain
(product tags, campaign invitations).

What a person has read is a log of its own per recipient (``ReadMarks``): each
``NoticesRead`` names notices read one by one, or every notice up to a position of the inbox
log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.time import checked_instant

MAX_SUBJECT = 200
MAX_BODY = 5_000
MAX_REASON = 2_000
#: Notices named in one ``NoticesRead`` at most.
MAX_READ_AT_ONCE = 500
_MESSAGES = uuid5(NAMESPACE_URL, "urn:spotlight:inbox-message")
_READ_MARKS = uuid5(NAMESPACE_URL, "urn:spotlight:inbox-read-marks")


class NoticeKind(StrEnum):
    """What a notice is about; the values are stable (clients filter on them)."""

    MESSAGE = "message"
    PRODUCT_TAG_ADDED = "product_tag_added"
    INVITATION_OFFERED = "invitation_offered"
    INVITATION_COUNTERED = "invitation_countered"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_REVISED = "invitation_revised"
    INVITATION_DECLINED = "invitation_declined"
    INVITATION_WITHDRAWN = "invitation_withdrawn"
    INVITATION_DELIVERED = "invitation_delivered"
    INVITATION_APPROVED = "invitation_approved"
    INVITATION_REJECTED = "invitation_rejected"
    INVITATION_DRAFT_SUBMITTED = "invitation_draft_submitted"
    INVITATION_DRAFT_APPROVED = "invitation_draft_approved"
    INVITATION_DRAFT_CHANGES = "invitation_draft_changes_requested"
    ANCHOR_PROPOSED = "anchor_proposed"
    ANCHOR_REJECTED = "anchor_rejected"
    ANCHOR_ATTACHED = "anchor_attached"
    ANCHOR_REVOKED = "anchor_revoked"
    DISPUTE_UPHELD = "dispute_upheld"
    DISPUTE_DISMISSED = "dispute_dismissed"
    TRACK_CLEARED = "track_cleared"
    TRACK_REJECTED = "track_rejected"
    PULSE_APPROVED = "pulse_application_approved"
    PULSE_REJECTED = "pulse_application_rejected"
    PAYOUT_SENT = "payout_sent"
    PAYOUT_RETURNED = "payout_returned"
    REPORT_UPHELD = "counterfeit_report_upheld"
    REPORT_DISMISSED = "counterfeit_report_dismissed"
    VIDEO_MODERATED = "video_moderated"
    ROUND_OPENED = "round_opened"
    ROUND_CLOSED = "round_closed"
    ROUND_ADVANCED = "round_advanced"
    ROUND_ELIMINATED = "round_eliminated"
    ROUND_WON = "round_won"
    VERIFICATION_GRANTED = "verification_granted"
    VERIFICATION_DECLINED = "verification_declined"
    VIDEO_REPORT_DISMISSED = "video_report_dismissed"
    VIDEO_REPORT_UPHELD = "video_report_upheld"
    APPEAL_UPHELD = "moderation_appeal_upheld"
    APPEAL_OVERTURNED = "moderation_appeal_overturned"


#: The objects a notice may name, each by its id.
ABOUT_FIELDS = frozenset(
    {
        "title",
        "video",
        "track",
        "round",
        "season",
        "campaign",
        "invitation",
        "application",
        "payout",
        "report",
        "listing",
        "order",
        "dispute",
    }
)

#: Version 1 invitation keys ``invitation:<id>:<step>:<version>``: the step names the kind.
_V1_INVITATION_STEPS = {
    "sent": NoticeKind.INVITATION_OFFERED,
    "agreed": NoticeKind.INVITATION_ACCEPTED,
    "revised": NoticeKind.INVITATION_REVISED,
    "withdrawn": NoticeKind.INVITATION_WITHDRAWN,
    "rejected": NoticeKind.INVITATION_REJECTED,
    "paid": NoticeKind.INVITATION_APPROVED,
}


def _valid_id(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def typed_from_v1_key(key: str) -> tuple[NoticeKind, dict[str, str]]:
    """The kind and ids a version 1 message's key names for certain, else ``message``."""
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "product-tag" and all(map(_valid_id, parts[1:])):
        return NoticeKind.PRODUCT_TAG_ADDED, {"video": parts[1], "listing": parts[2]}
    if len(parts) == 4 and parts[0] == "invitation" and _valid_id(parts[1]):
        kind = _V1_INVITATION_STEPS.get(parts[2])
        if kind is not None:
            return kind, {"invitation": parts[1]}
    return NoticeKind.MESSAGE, {}


def checked_about(about: Mapping[str, object]) -> dict[str, str]:
    unknown = sorted(set(about) - ABOUT_FIELDS)
    if unknown:
        raise InvalidValue(f"a notice names objects among {sorted(ABOUT_FIELDS)}, not {unknown}")
    checked = {name: str(value) for name, value in sorted(about.items())}
    if any(not value or len(value) > 200 for value in checked.values()):
        raise InvalidValue("an object's id is 1 to 200 characters")
    return checked


class InboxMessage(DomainAggregate):
    TOPIC = "spotlight.inbox:InboxMessage"

    class Delivered(Aggregate.Created):
        TOPIC = "spotlight.inbox:MessageDelivered"
        # v2 typed the message: kind, the ids it is about, the decision's reason.
        class_version = 2
        recipient: str
        subject: str
        body: str
        key: str
        delivered_at: datetime
        kind: str
        about: dict[str, str]
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            kind, about = typed_from_v1_key(str(state.get("key", "")))
            state["kind"] = kind.value
            state["about"] = about
            state["reason"] = ""

    @staticmethod
    def id_for(key: str) -> UUID:
        return uuid5(_MESSAGES, key)

    @classmethod
    def deliver(
        cls,
        *,
        recipient: str,
        subject: str,
        body: str,
        key: str,
        at: datetime,
        kind: NoticeKind = NoticeKind.MESSAGE,
        about: Mapping[str, object] | None = None,
        reason: str = "",
    ) -> InboxMessage:
        if not recipient or not key:
            raise InvalidValue("a message has a recipient and a key")
        if not subject.strip() or len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
            raise InvalidValue(f"a subject of 1 to {MAX_SUBJECT}, a body up to {MAX_BODY}")
        if len(reason) > MAX_REASON:
            raise InvalidValue(f"a reason of up to {MAX_REASON} characters")
        return cls(
            id=cls.id_for(key),
            recipient=recipient,
            subject=subject.strip(),
            body=body,
            key=key,
            delivered_at=checked_instant(at),
            kind=NoticeKind(kind).value,
            about=checked_about(about or {}),
            reason=reason.strip(),
        )

    @event(Delivered)
    def __init__(
        self,
        id: UUID,
        recipient: str,
        subject: str,
        body: str,
        key: str,
        delivered_at: datetime,
        kind: str,
        about: dict[str, str],
        reason: str,
    ) -> None:
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.key = key
        self.delivered_at = delivered_at
        self.kind = kind
        self.about = dict(about)
        self.reason = reason


class ReadMarks(DomainAggregate):
    """What one recipient has marked read in their inbox."""

    TOPIC = "spotlight.inbox:ReadMarks"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.inbox:ReadMarksStarted"
        recipient: str

    class NoticesRead(Aggregate.Event):
        TOPIC = "spotlight.inbox:NoticesRead"
        recipient: str
        notice_ids: tuple[str, ...]
        up_to: int  # every notice at or before this inbox log position; 0: none that way
        read_at: datetime

    @staticmethod
    def id_for(recipient: str) -> UUID:
        return uuid5(_READ_MARKS, recipient)

    @classmethod
    def start(cls, recipient: str) -> ReadMarks:
        if not recipient:
            raise InvalidValue("read marks belong to a recipient")
        return cls(id=cls.id_for(recipient), recipient=recipient)

    @event(Started)
    def __init__(self, id: UUID, recipient: str) -> None:
        self.recipient = recipient
        self.up_to = 0

    def read(self, *, notice_ids: tuple[str, ...] = (), up_to: int = 0, at: datetime) -> None:
        if up_to < 0:
            raise InvalidValue("a position is 0 or more")
        if not notice_ids and up_to <= 0:
            raise InvalidValue("name the notices read, or the position read up to")
        if len(notice_ids) > MAX_READ_AT_ONCE:
            raise InvalidValue(f"at most {MAX_READ_AT_ONCE} notices at once")
        self._read(
            recipient=self.recipient,
            notice_ids=tuple(dict.fromkeys(notice_ids)),
            up_to=up_to,
            read_at=checked_instant(at),
        )

    @event(NoticesRead)
    def _read(
        self, recipient: str, notice_ids: tuple[str, ...], up_to: int, read_at: datetime
    ) -> None:
        self.up_to = max(self.up_to, up_to)
