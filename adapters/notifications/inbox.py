"""The in-app inbox: notices are messages in a log of their own ('inbox'), read by their
recipients in the app. Delivery is a saved event, so it is as durable as every other fact,
and the message's derived id makes a retried notice a no-op. The inboxes are read from the
persisted projection of that log (``application.inbox``)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress

from application.errors import StaleVersion
from application.inbox import InboxReads
from application.logs import InboxLog
from application.notifications import InboxFilter, Notice
from application.ports import Clock
from domain.inbox import InboxMessage, NoticeKind


class InAppNotifier:
    def __init__(self, inbox: InboxLog, *, clock: Clock, reads: InboxReads) -> None:
        self._log = inbox
        self.clock = clock
        self.reads = reads

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
        message = InboxMessage.deliver(
            recipient=recipient,
            subject=subject,
            body=body,
            key=key,
            at=self.clock.now(),
            kind=kind,
            about=about,
            reason=reason,
        )
        with suppress(StaleVersion):  # delivered before under the same key: once is enough
            self._log.commit(message)
        return str(message.id)

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, only: InboxFilter | None = None
    ) -> list[Notice]:
        return self.reads.page(recipient, after=after, limit=limit, only=only)
