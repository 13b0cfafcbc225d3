"""The notifier port: how the platform tells a person something (an in-app inbox, e-mail,
push). Sending is idempotent by key, so a retried notice is delivered once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

from application.paging import KeysetCursors, Page, int_at, limited
from domain.errors import InvalidValue
from domain.inbox import NoticeKind

#: An inbox's cursors: the inbox log position of a page's last notice.
INBOX = KeysetCursors("inbox", int)


@attrs.frozen
class Notice:
    notice_id: str
    recipient: str
    subject: str
    body: str
    sent_at: datetime
    position: int = 0  # a cursor: ask for the notices after it
    kind: str = NoticeKind.MESSAGE.value
    #: The objects the notice is about: field name (``domain.inbox.ABOUT_FIELDS``) to id.
    about: Mapping[str, str] = attrs.field(factory=dict)
    reason: str = ""
    read: bool = False


@attrs.frozen
class InboxFilter:
    """Which of a recipient's notices a page holds: the unread ones only, of one kind."""

    unread: bool = False
    kind: NoticeKind | None = None


class Notifier(Protocol):
    def notify(
        self,
        recipient: str,
        *,
        subject: str,
        body: str,
        key: str,
        kind: NoticeKind = NoticeKind.MESSAGE,
        about: Mapping[str, object] | None = None,
        reason: str = "",
    ) -> str:
        """Deliver the notice once per ``key``; answer its id. Raise when it could not be
        delivered (the caller keeps what depends on it pending and tries again later)."""
        ...

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, only: InboxFilter | None = None
    ) -> list[Notice]:
        """What a recipient was told, oldest first (adapters without an inbox answer [])."""
        ...


def inbox_page(
    notifier: Notifier,
    recipient: str,
    *,
    limit: int = 50,
    cursor: str | None = None,
    after: int | None = None,
    only: InboxFilter | None = None,
) -> Page[Notice]:
    """A page of what the recipient was told, oldest first, from just after the notice the
    ``cursor`` names (or, deprecated, after the position ``after``)."""
    if cursor is not None and after is not None:
        raise InvalidValue("pass cursor or the deprecated after, not both")
    key = INBOX.decode(cursor)
    start = int_at(key, 0) if key is not None else (after or 0)
    size = limited(limit)
    notices = notifier.inbox(recipient, after=start, limit=size + 1, only=only)
    return INBOX.page(notices, size, lambda notice: (notice.position,))
