"""Request and response bodies. Requests forbid unknown fields: nothing is mass-assigned."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from application.projections import ProjectionStatus
from domain.anchors.portal import CastMember, Link, Portal
from domain.bounds import MAX_QUANTITY
from domain.identifiers import ACCOUNT_CHARACTERS, ACCOUNT_PATTERN, MAX_ACCOUNT
from domain.text import unsafe_character

#: The largest integer the stores hold (signed 64 bits): a log position or a count of rows
#: past it would reach a query as a bind the database refuses.
MAX_POSITION = 2**63 - 1

#: Where a page of a ranked list starts: no list holds more than ``MAX_QUANTITY`` entries.
Cursor = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_QUANTITY,
        description="The `next_cursor` of the previous page (0: from the start).",
    ),
]


def _text_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_in(key)
            yield from _text_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _text_in(item)


class Answer(BaseModel):
    """Every response body that is the application's view as it stands: validated from the
    view's attributes (``Answer.model_validate(view)``), so a field is named once, in the
    view, and the body follows it. A body whose shape differs keeps a mapper of its own."""

    model_config = ConfigDict(from_attributes=True)


class Strict(BaseModel):
    """Every request body: unknown fields are refused, and so is text holding a character
    that free text may not hold (``domain.text``), in any field, at any depth."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _only_safe_text(cls, data: Any) -> Any:
        for text in _text_in(data):
            character = unsafe_character(text)
            if character is not None:
                raise ValueError(
                    f"text holds the character U+{ord(character):04X}, which is refused"
                )
        return data


# The account rule of domain.identifiers, checked before a request reaches a use case; the
# domain checks it again for callers of the Python API.
Account = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_ACCOUNT,
        pattern=ACCOUNT_PATTERN,
        examples=["fan-1"],
        description=f"An account: {ACCOUNT_CHARACTERS}.",
    ),
]
AccountPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ACCOUNT,
        pattern=ACCOUNT_PATTERN,
        examples=["fan-1"],
        description=f"An account: {ACCOUNT_CHARACTERS}.",
    ),
]


# Dates and times come as ISO 8601 text only. Pydantic would also take a number as seconds
# since 1970 (``"starts_at": 0`` is 1970-01-01, ``as_of=0`` a day), which no client means
# and the schema does not say; every date and time of a request body or a query uses these.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*", re.DOTALL)


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("a date is ISO 8601 text, YYYY-MM-DD (such as 2025-03-01)")


def _iso_date_time(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE_TIME.fullmatch(value)):
        return value
    raise ValueError(
        f"a time is ISO 8601 text with its offset (such as 2025-03-01T20:00:00Z), not {value!r}"
    )


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_date_time)]


class LinkBody(Strict, Answer):
    label: str = Field(max_length=200, examples=["Buy tickets"])
    url: str = Field(max_length=2048, examples=["https://tickets.example/dune"])


class CastMemberBody(Strict, Answer):
    name: str = Field(max_length=200, examples=["Zendaya"])
    role: str = Field(max_length=200, examples=["Chani"])
    bio: str = Field(default="", max_length=2000)


class PortalBody(Strict, Answer):
    tickets: list[LinkBody] = Field(default_factory=list)
    streaming: list[LinkBody] = Field(default_factory=list)
    cast: list[CastMemberBody] = Field(default_factory=list)
    official: list[LinkBody] = Field(default_factory=list)

    def to_domain(self) -> Portal:
        return Portal(
            tickets=[Link(label=link.label, url=link.url) for link in self.tickets],
            streaming=[Link(label=link.label, url=link.url) for link in self.streaming],
            cast=[CastMember(name=m.name, role=m.role, bio=m.bio) for m in self.cast],
            official=[Link(label=link.label, url=link.url) for link in self.official],
        )


class TitleRegistration(Strict):
    name: str = Field(max_length=200, examples=["Dune: Part Two"])
    kind: Literal["movie", "show"]
    portal: PortalBody | None = None
    studio_id: Account | None = Field(default=None, description="Only an admin names the studio.")


class TitleOut(Answer):
    id: UUID
    version: int
    studio_id: str
    name: str
    kind: str
    portal: PortalBody
    registered_at: datetime


class VideoPublication(Strict):
    caption: str = Field(max_length=2200, examples=["Sandworm ride recreated! #dune"])
    hashtags: list[str] = Field(default_factory=list, max_length=50, examples=[["dune", "scifi"]])
    category: str = Field(max_length=50, examples=["film-and-tv"])
    creator_id: Account | None = Field(default=None, description="Only an admin names the creator.")
    sound: UUID | None = Field(
        default=None,
        description='The cleared track the video uses ("use this sound"): declared with it, '
        "and checked against its media's audio (GET /v1/videos/{id}/sound).",
    )


class EngagementOut(Answer):
    views: int
    likes: int
    shares: int
    comments: int


class EvidenceOut(Answer):
    signal: str
    score: float
    matched_seconds: float
    reference_id: str
    details: dict[str, Any]


class AnchorOut(Answer):
    title_id: UUID
    attached_by: str
    attached_at: datetime
    note: str
    evidence: list[EvidenceOut] = Field(description="Why the video was anchored.")


class DisputeOut(Answer):
    title_id: UUID
    disputed_by: str
    reason: str
    disputed_at: datetime


class ProposalOut(Answer):
    title_id: UUID
    proposed_at: datetime
    evidence: list[EvidenceOut]


class PaidPartnershipOut(Answer):
    label: Literal["Paid partnership"] = "Paid partnership"
    brands: list[str] = Field(description="The brands the video was made for, by name.")


class VideoOut(Answer):
    id: UUID
    version: int
    creator_id: str
    caption: str
    hashtags: list[str]
    category: str
    published_at: datetime
    engagement: EngagementOut
    anchor: AnchorOut | None
    proposals: list[ProposalOut] = Field(description="Anchors awaiting a reviewer.")
    media_digest: str | None
    duration_seconds: float | None
    dispute: DisputeOut | None = Field(description="The creator's open dispute of the anchor.")
    paid_partnership: PaidPartnershipOut | None = Field(
        default=None,
        description="Shown to viewers: the video was posted for brands under a campaign's "
        "terms (delivered, and not rejected by the brand); null when it was not.",
    )


class AnchorAttachment(Strict):
    title_id: UUID
    note: str = Field(default="", max_length=1000)


class AnchorRevocation(Strict):
    reason: str = Field(min_length=1, max_length=1000, examples=["Unrelated fan edit"])


class Health(BaseModel):
    status: Literal["ok"]
    store: str


class ProjectionFailureOut(BaseModel):
    log: str = Field(description="The log of the event the projection cannot apply.")
    position: int = Field(description="That event's position: the projection stopped before it.")
    error: str
    failed_at: float = Field(description="When it last failed (seconds since the epoch).")


class ProjectionOut(BaseModel):
    """A persisted read model: how far it has applied each log it follows."""

    name: str
    version: int = Field(description="The version of its code.")
    generation: int | None = Field(description="The generation of its tables reads use.")
    positions: dict[str, int] = Field(description="Log -> the position applied.")
    ends: dict[str, int] = Field(description="Log -> the log's last position.")
    lag: int = Field(description="Events of its logs not yet passed (an upper bound).")
    building: list[int] = Field(description="Generations being rebuilt beside it.")
    failure: ProjectionFailureOut | None

    @classmethod
    def of(cls, status: ProjectionStatus) -> ProjectionOut:
        failure = status.failure
        return cls(
            name=status.name,
            version=status.version,
            generation=status.generation,
            positions=dict(status.positions),
            ends=dict(status.ends),
            lag=status.lag,
            building=list(status.building),
            failure=None
            if failure is None
            else ProjectionFailureOut(
                log=failure.log,
                position=failure.position,
                error=failure.error,
                failed_at=failure.failed_at,
            ),
        )


class Readiness(BaseModel):
    status: Literal["ready", "failing"]
    failed: list[str] = Field(description="The projections stopped at an event, by name.")
    projections: list[ProjectionOut]

    @classmethod
    def of(cls, statuses: list[ProjectionStatus]) -> Readiness:
        failed = [status.name for status in statuses if status.failure is not None]
        return cls(
            status="failing" if failed else "ready",
            failed=failed,
            projections=[ProjectionOut.of(status) for status in statuses],
        )
