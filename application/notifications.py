"""The notifier port: how the platform tells a person something (an in-app inbox, e-mail,
push). Sending is idempotent by key, so a retried notice is delivered once."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs


@attrs.frozen
class Notice:
    notice_id: str
    recipient: str
    subject: str
    body: str
    sent_at: datetime
    position: int = 0  # a cursor: ask for the notices after it


class Notifier(Protocol):
    def notify(self, recipient: str, *, subject: str, body: str, key: str) -> str:
        """Deliver the notice once per ``key``; answer its id. Raise when it could not be
        delivered (the caller keeps what depends on it pending and tries again later)."""
        ...

    def inbox(self, recipient: str, *, after: int = 0, limit: int = 50) -> list[Notice]:
        """What a recipient was told, oldest first (adapters without an inbox answer [])."""
        ...
