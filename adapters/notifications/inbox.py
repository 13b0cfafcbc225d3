"""The in-app inbox: notices are messages in a log of their own ('inbox'), read by their
recipients in the app. Delivery is a saved event, so it is as durable as every other fact,
and the message's derived id makes a retried notice a no-op."""

from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import suppress
from typing import Any

from application.errors import StaleVersion
from application.log_follower import LogFollower
from application.logs import InboxLog
from application.notifications import Notice
from application.ports import Clock
from domain.inbox import InboxMessage


class InAppNotifier:
    def __init__(self, inbox: InboxLog, *, clock: Clock) -> None:
        self.log = inbox
        self.clock = clock
        self._lock = threading.RLock()
        self._messages: dict[str, list[Notice]] = defaultdict(list)
        self._follower = LogFollower(inbox, {InboxMessage.Delivered.TOPIC: self._delivered})

    def notify(self, recipient: str, *, subject: str, body: str, key: str) -> str:
        message = InboxMessage.deliver(
            recipient=recipient, subject=subject, body=body, key=key, at=self.clock.now()
        )
        with suppress(StaleVersion):  # delivered before under the same key: once is enough
            self.log.commit(message)
        return str(message.id)

    def inbox(self, recipient: str, *, after: int = 0, limit: int = 50) -> list[Notice]:
        with self._lock:
            self._follower.catch_up()
            mine = list(self._messages.get(recipient, []))
        return [notice for notice in mine if notice.position > after][:limit]

    def _delivered(self, event: Any, position: int) -> None:
        self._messages[event.recipient].append(
            Notice(
                notice_id=str(event.originator_id),
                recipient=event.recipient,
                subject=event.subject,
                body=event.body,
                sent_at=event.delivered_at,
                position=position,
            )
        )
