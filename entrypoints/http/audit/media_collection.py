"""Collecting the media store's unheld blobs over HTTP, for admins: the same use case as
`spotlight media gc` (``application.audit.media_collection``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["media"])


class UnheldBlobOut(Answer):
    address: str = Field(description="The blob's address: the sha256 of its bytes (hex).")
    size: int = Field(description="Its size in bytes.")
    stored_at: datetime = Field(description="When it was last put into the media store.")


class MediaCollectionOut(Answer):
    dry_run: bool = Field(description="True: nothing was deleted, `collected` would be.")
    at: datetime
    grace_hours: float = Field(description="Unheld blobs younger than this were kept.")
    blobs: int = Field(description="Blobs in the media store when the run began.")
    held: int = Field(description="Of those, blobs a live object holds (from the logs).")
    young: list[UnheldBlobOut] = Field(description="Unheld, but within the grace period.")
    collected: list[UnheldBlobOut] = Field(description="Unheld and older: deleted.")
    freed_bytes: int


@router.post("/v1/media/collections", response_model=MediaCollectionOut)
def collect_media(
    core: Core,
    caller: Caller,
    dry_run: Annotated[
        bool, Query(description="List what would be collected and delete nothing.")
    ] = False,
) -> MediaCollectionOut:
    """Delete the blobs of the media store that no live object holds (derived from the
    logs: an erased person's, a replaced photo's, a failed upload's) and that were last put
    longer ago than `SPOTLIGHT_MEDIA_GRACE_HOURS` (admins; 403 otherwise). A job that reads
    every event storing media: `spotlight media gc` runs the same."""
    found = core.media_collector.collect(caller, dry_run=dry_run)
    return MediaCollectionOut.model_validate(found.as_json())
