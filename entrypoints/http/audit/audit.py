"""The audit trail over HTTP: every log's records with their hash-chain links, a page at a
time, and the results of the audit runs (verify, replay), for auditors and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AliasChoices, Field

from application.audit.audit import AuditTrail
from application.audit.audit_runs import RunKind
from entrypoints.bootstrap import Spotlight
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.schemas import MAX_POSITION, Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["audit"])


class PublishedEventOut(Answer):
    """An event in its published form: plain JSON that does not depend on how the store
    encodes it (ARCHITECTURE.md, "The published form of events")."""

    form: int = Field(description="The version of the published form (1).")
    type: str = Field(description="The event's stable name, e.g. `AnchorAttached`.")
    topic: str = Field(description="The stored topic: `spotlight.<aggregate>:<event>`.")
    aggregate_id: str
    aggregate_version: int
    recorded_at: str | None = Field(description="When the store recorded it (ISO 8601).")
    data: dict[str, Any] = Field(
        description=(
            "The event's fields: ids as UUID text, decimals and times as text, money as "
            "`{minor, currency}`, value objects as objects of their fields."
        )
    )


class AuditedRecordOut(Answer):
    position: int = Field(description="The record's notification id: its place in the log.")
    topic: str
    originator_id: str
    version: int
    timestamp: str | None = Field(description="When the library recorded the event.")
    state: Any = Field(
        description=(
            "The stored JSON document (decrypted and decompressed), in the storage library's "
            "encoding; read `event` for the stable form."
        )
    )
    link: str | None = Field(
        description="The hash-chain link stored with the record (hex); null when none is."
    )
    state_bytes: str | None = Field(
        default=None, description="Base64 of the stored state when it cannot be decoded."
    )
    event: PublishedEventOut | None = Field(
        default=None,
        description=(
            "The event in the published form; null when its state cannot be read (sealed "
            "with an erased person's key, or damaged)."
        ),
    )


class AuditPageOut(Answer):
    log: str
    events: list[AuditedRecordOut] = Field(validation_alias=AliasChoices("events", "records"))
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page reaches the end."
    )


class LogHeadOut(Answer):
    log: str
    position: int = Field(description="The highest position of its records or links (0: empty).")
    link: str | None = Field(description="The hash-chain link stored there (hex); null: none.")


def audit_trail(core: Spotlight) -> AuditTrail:
    return core.audited_logs.trail()


@router.get("/v1/audit/events", response_model=AuditPageOut)
def audit_events(
    core: Core,
    caller: Caller,
    log: Annotated[str, Query(description="The log: catalogue, music, revenue or inbox.")],
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


@router.get("/v1/audit/heads", response_model=list[LogHeadOut])
def audit_heads(core: Core, caller: Caller) -> list[LogHeadOut]:
    """Each log's head now (catalogue, music, revenue): its highest position and the link
    stored there, for auditors and admins. Compare it with a signed checkpoint's head, or
    note it before `spotlight audit verify`, which verifies up to it."""
    return [
        LogHeadOut(
            log=head.log,
            position=head.position,
            link=None if head.link is None else head.link.hex(),
        )
        for head in audit_trail(core).heads(caller)
    ]


class LogPositionOut(Answer):
    log: str
    position: int = Field(description="The last position of the log the run read (0: empty).")


class AuditRunOut(Answer):
    number: int = Field(description="The run's number: each run's is higher than the last's.")
    kind: str = Field(description="`verify` (the hash chains) or `replay` (the read models).")
    started_at: datetime
    finished_at: datetime
    ran_by: str = Field(description="Who or what ran it, as the command was told or found.")
    positions: list[LogPositionOut] = Field(description="How far it read each log.")
    outcome: str = Field(
        description="verify: `intact`, `tampered` or `forged-checkpoint`; replay: `matches` "
        "or `differs`."
    )
    passed: bool
    summary: str
    first_failure: str | None = Field(
        description="The first finding, difference or violated invariant; null: none."
    )


@router.get("/v1/audit/runs", response_model=PageOut[AuditRunOut])
def audit_runs(
    core: Core,
    caller: Caller,
    kind: Annotated[
        RunKind | None, Query(description="Only runs of this kind: verify or replay.")
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> PageOut[AuditRunOut]:
    """The runs of `spotlight audit verify` and `spotlight audit replay`, newest first, each
    with when and by whom it ran, how far it read each log, its outcome and its first
    failure (auditors and admins, 403 otherwise)."""
    page = core.audit_runs.page(caller, kind=kind, limit=limit, cursor=cursor)
    return PageOut[AuditRunOut].model_validate(page)
