"""The real clock and the real source of random ids."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdentities:
    def new_id(self) -> UUID:
        return uuid4()
