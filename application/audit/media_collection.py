"""Collecting the media store's garbage: blobs that no live object holds any more.

A blob stays unheld when its person's data was erased while another copy of the address was
still held (the other holder has since gone), when an upload's events never committed (the
blob is written first), and when the object that held it no longer names it. Nothing else
ever deletes those bytes, so they are kept forever and paid for.

**Decision:** what is held is derived from the logs (``HeldMedia``), never from the holdings
kept beside the store: those are written before the commit, so a failed upload has one. A
blob is collected only when no live object's event names it **and** it was last put longer
ago than the grace period: an upload in flight has stored its blob but not yet committed the
event that names it, and a put of bytes already stored renews the blob's time, so a second
upload of an unheld blob is not lost either. The held set is read before the blobs are
listed, so a blob stored and committed meanwhile is young and stays. What remains is a window
one delete wide, as for erasure: an upload of the very bytes of an old unheld blob whose put
lands between the collector's look at that blob and its delete.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from application.audit.media_holders import HeldMedia
from application.auth import Principal, Role, require_role
from application.media_store import ContentAddress, MediaNotStored, MediaStore
from application.ports import Clock


@attrs.frozen
class UnheldBlob:
    address: ContentAddress
    size: int
    stored_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"address": self.address, "size": self.size, "stored_at": self.stored_at.isoformat()}


@attrs.frozen
class MediaCollection:
    """One run of the collector: how many blobs it found, how many a live object holds,
    those unheld but younger than the grace period (kept), and those collected (deleted, or
    on a dry run, that would be)."""

    dry_run: bool
    at: datetime
    grace: timedelta
    blobs: int
    held: int
    young: tuple[UnheldBlob, ...]
    collected: tuple[UnheldBlob, ...]

    @property
    def freed(self) -> int:
        return sum(blob.size for blob in self.collected)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "at": self.at.isoformat(),
            "grace_hours": self.grace.total_seconds() / 3600,
            "blobs": self.blobs,
            "held": self.held,
            "young": [blob.as_json() for blob in self.young],
            "collected": [blob.as_json() for blob in self.collected],
            "freed_bytes": self.freed,
        }


class MediaCollector:
    """Deletes the blobs no live object holds, once older than the grace period."""

    def __init__(
        self, store: MediaStore, held: HeldMedia, *, clock: Clock, grace: timedelta
    ) -> None:
        if grace < timedelta(0):
            raise ValueError("the grace period is not negative")
        self.store = store
        self.held = held
        self.clock = clock
        self.grace = grace

    def collect(self, actor: Principal, *, dry_run: bool = False) -> MediaCollection:
        """An admin's run (anyone else is ``NotPermitted``): list every unheld blob, and
        unless ``dry_run`` delete those last put longer ago than the grace period. Reads every
        event that stores media, so it is an operator's job: safe to repeat, safe while the
        service runs (see the module's docstring)."""
        require_role(actor, Role.ADMIN, doing="collect unheld media")
        return self.run(dry_run=dry_run)

    def run(self, *, dry_run: bool = False) -> MediaCollection:
        """The collection itself, for the operator's command and the background worker."""
        held = self.held.addresses()
        now = self.clock.now()
        blobs = kept = 0
        young: list[UnheldBlob] = []
        collected: list[UnheldBlob] = []
        for address in sorted(self.store.addresses()):
            blobs += 1
            if address in held:
                kept += 1
                continue
            try:
                blob = UnheldBlob(address, self.store.size(address), self.store.stored_at(address))
            except MediaNotStored:
                continue  # deleted meanwhile (an erasure)
            if now - blob.stored_at < self.grace:
                young.append(blob)
            elif dry_run or self.store.delete(address):
                collected.append(blob)
        return MediaCollection(
            dry_run=dry_run,
            at=now,
            grace=self.grace,
            blobs=blobs,
            held=kept,
            young=tuple(young),
            collected=tuple(collected),
        )
