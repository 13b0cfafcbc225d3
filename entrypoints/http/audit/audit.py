"""The audit trail over HTTP: every log's records with their hash-chain links, a page at a
time, for auditors and admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AliasChoices, Field

from application.audit.audit import (
    AuditSource,
    AuditTrail,
    ChainedLogReader,
    plain_state,
)
from entrypoints.bootstrap import Spotlight
from entrypoints.http.schemas import MAX_POSITION, Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["audit"])


class AuditedRecordOut(Answer):
    position: int = Field(description="The record's notification id: its place in the log.")
    topic: str
    originator_id: str
    version: int
    timestamp: str | None = Field(description="When the library recorded the event.")
    state: Any = Field(description="The stored JSON document (decrypted and decompressed).")
    link: str | None = Field(
        description="The hash-chain link stored with the record (hex); null when none is."
    )
    state_bytes: str | None = Field(
        default=None, description="Base64 of the stored state when it cannot be decoded."
    )


class AuditPageOut(Answer):
    log: str
    events: list[AuditedRecordOut] = Field(validation_alias=AliasChoices("events", "records"))
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page reaches the end."
    )


def audit_trail(core: Spotlight) -> AuditTrail:
    sources = {}
    for application in (core.catalogue, core.music, core.revenue):
        recorder = application.recorder
        if not isinstance(recorder, ChainedLogReader):
            raise TypeError(f"the {application.name} log is not recorded with a hash chain")
        sources[application.name] = AuditSource(recorder, plain_state(application.mapper))
    return AuditTrail(sources)


@router.get("/v1/audit/events", response_model=AuditPageOut)
def audit_events(
    core: Core,
    caller: Caller,
    log: Annotated[str, Query(description="The log: catalogue, music or revenue.")],
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="Records after this position (0: all).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=AuditTrail.MAX_PAGE, description="Records.")] = 100,
) -> AuditPageOut:
    """A log's records in log order, each with its stored hash-chain link, for auditors and
    admins (403 otherwise); an unknown log is a 404. Recompute the links with the framing
    in ARCHITECTURE.md ("Tamper evidence") to check them independently."""
    return AuditPageOut.model_validate(
        audit_trail(core).page(caller, log, after=after, limit=limit)
    )
