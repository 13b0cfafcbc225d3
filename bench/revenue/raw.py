"""The baseline of the impressions measurement: the eventsourcing library saving, in one
transaction, as many events of the same shapes as one billed impression batch records.

``RawBatch`` carries the fields of ``ImpressionBatch.Recorded`` (its placements as plain
mappings with the fields of ``BilledPlacement``), ``RawEntry`` those of
``JournalEntry.Recorded`` (postings as mappings), and ``RawAccount`` those of a
``LedgerAccount`` (opened once, then one ``Posted`` event per batch). Nothing is read, checked
or priced: the accounts stay in memory between saves. It lives in its own module so that its
event topics resolve when read back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

_RAW = uuid5(NAMESPACE_URL, "urn:spotlight-bench:raw-revenue")


class RawBatch(Aggregate):
    @staticmethod
    def id_for(reporter: str, batch_key: str) -> UUID:
        return uuid5(_RAW, f"batch/{reporter}/{batch_key}")

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        reporter: str,
        batch_key: str,
        campaign_id: UUID,
        currency: str,
        placements: list[dict[str, Any]],
        reported_at: datetime,
    ) -> None:
        self.placements = placements


class RawEntry(Aggregate):
    @staticmethod
    def id_for(cause: str) -> UUID:
        return uuid5(_RAW, f"entry/{cause}")

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        currency: str,
        postings: list[dict[str, Any]],
        kind: str,
        cause: str,
        recorded_at: datetime,
    ) -> None:
        self.postings = postings


class RawAccount(Aggregate):
    @event("Opened")
    def __init__(self, code: str, currency: str, limit: str, opened_at: datetime) -> None:
        self.code = code
        self.debits_posted = 0
        self.credits_posted = 0

    @event("Posted")
    def posted(self, entry_id: UUID, debits: int, credits: int) -> None:
        self.debits_posted += debits
        self.credits_posted += credits


class RawRevenue(Application[UUID]):
    name = "rawrevenue"


def now() -> datetime:
    # What the project's SystemClock returns, so both sides pay for the same clock.
    return datetime.now(UTC)
