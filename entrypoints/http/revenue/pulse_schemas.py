"""Bodies of a brand's Pulse safety exclusions, a campaign's delivery report and its
inventory; see ``revenue_schemas`` for how money travels."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from domain.revenue.pulse import MAX_EXCLUSIONS, MAX_KEYWORD
from entrypoints.http.revenue.revenue_schemas import MoneyOut
from entrypoints.http.schemas import Account, Answer, Strict


class ExclusionsBody(Strict):
    categories: list[str] = Field(
        default_factory=list,
        max_length=MAX_EXCLUSIONS,
        examples=[["gaming"]],
        description="Categories no campaign of the brand runs in (see `GET /v1/categories`).",
    )
    keywords: list[str] = Field(
        default_factory=list,
        max_length=MAX_EXCLUSIONS,
        examples=[["energy drink"]],
        description=(
            "Words or phrases (1 to "
            f"{MAX_KEYWORD} characters): a video whose caption holds one, or with a hashtag "
            "spelling one, gets none of the brand's ads. Case, accents and punctuation fold."
        ),
    )
    creators: list[Account] = Field(
        default_factory=list,
        max_length=MAX_EXCLUSIONS,
        description="Creators beside whose videos the brand's ads never run.",
    )


class ExclusionsOut(Answer):
    brand: str
    categories: list[str]
    keywords: list[str]
    creators: list[str]
    set_by: str = Field(description="Who set them last (empty: never set).")
    set_at: datetime | None
    version: int = Field(description="0: never set.")


class ReportLineOut(Answer):
    category: str
    video_id: UUID | None = Field(description="None on a category's or the total's line.")
    creator: str
    impressions: int
    billed_impressions: int = Field(description="The impressions the budget paid for.")
    clicks: int
    click_through_bp: int = Field(
        description="Clicks per 10,000 impressions (basis points), rounded down."
    )
    spend: MoneyOut


class DeliveryReportOut(Answer):
    campaign_id: UUID
    brand: str
    since: date | None = Field(description="The first day counted (UTC); none: since launch.")
    until: date | None = Field(description="The last day counted (UTC); none: until now.")
    by_video: list[ReportLineOut] = Field(description="Most impressions first.")
    by_category: list[ReportLineOut]
    total: ReportLineOut
