"""In-process read models that follow an application's log, applying each event exactly once.

The built-in SQLite recorder cannot push notifications, so followers poll: ``catch_up()`` reads
the notifications after the last position applied (only the topics they handle) and hands the
decoded events to their handlers in log order. A fresh follower rebuilds its read models from
zero; running several service processes on one store stays consistent because each follows
the same log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

Handler = Callable[[Any, int], None]  # (domain event, notification position)


class LogFollower:
    def __init__(
        self, application: Application[UUID], handlers: Mapping[str, Handler], page: int = 500
    ) -> None:
        self._application = application
        self._handlers = dict(handlers)
        self._topics = tuple(self._handlers)
        self._page = page
        self._lock = threading.RLock()
        self.position = 0

    def catch_up(self) -> int:
        """Apply every new event; answer how many were applied.

        The follower reads up to the log's end as it was when it started, and then moves
        its position to that end even if the last events were of topics it does not follow.
        Without that, a follower of rare topics (campaigns in a log of impressions) would
        read the same long tail of other events again at every catch-up. It is safe because
        every store here makes positions visible in order: one writer at a time on SQLite,
        an exclusive table lock around each insert on PostgreSQL (the library's recorder and
        the SQLAlchemy one alike), a lock in memory; so when the end is visible, so is every
        event before it."""
        applied = 0
        with self._lock:
            end = self._application.recorder.max_notification_id() or 0
            while self.position < end:
                notifications = self._application.recorder.select_notifications(
                    start=self.position,
                    limit=self._page,
                    stop=end,
                    topics=self._topics,
                    inclusive_of_start=False,
                )
                for notification in notifications:
                    domain_event = self._application.mapper.to_domain_event(notification)
                    self._handlers[notification.topic](domain_event, notification.id)
                    self.position = notification.id
                    applied += 1
                if len(notifications) < self._page:
                    self.position = max(self.position, end)
            return applied
