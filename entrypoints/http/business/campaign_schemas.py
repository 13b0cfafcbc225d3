"""Bodies and answers of brand campaigns, invitations and the campaign dashboard.

Money travels as ``{"minor": 50000, "currency": "USD"}`` (whole minor units, never a float);
days as ``YYYY-MM-DD``. Requests refuse unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from application.business.campaign_dashboard import (
    CampaignReport,
    ReachFigures,
    frequency,
)
from domain.bounds import MAX_AMOUNT
from domain.business.campaigns import MAX_NAME, Kpi, KpiTarget
from domain.business.effects import MAX_ASSET
from domain.business.effects import MAX_NAME as MAX_EFFECT_NAME
from domain.business.invitations import MAX_DELIVERABLES, MAX_REASON, Terms
from entrypoints.http.revenue.revenue_schemas import MoneyBody, MoneyOut
from entrypoints.http.schemas import Account, Answer, IsoDate, Strict

KpiName = Literal[
    "views", "engagements", "engagement-rate", "clicks", "cost-per-engagement", "videos"
]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class KpiBody(Strict):
    kpi: KpiName = Field(
        description="views, engagements, clicks and videos are counts; engagement-rate is "
        "engagements per 10,000 views; cost-per-engagement is in minor units of the budget's "
        "currency (lower is better)."
    )
    target: StrictInt = Field(gt=0, le=MAX_AMOUNT, examples=[100_000])

    def to_domain(self) -> KpiTarget:
        return KpiTarget(Kpi(self.kpi), self.target)


class CampaignLaunch(Strict):
    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Glow up summer"])
    objective: Literal["awareness", "engagement", "traffic", "conversions"]
    budget: MoneyBody
    starts_on: IsoDate = Field(description="The flight's first day (UTC).")
    ends_on: IsoDate = Field(description="The flight's last day, inclusive.")
    categories: list[str] = Field(min_length=1, max_length=12, examples=[["beauty"]])
    regions: list[str] = Field(
        min_length=1, max_length=50, examples=[["US", "JP"]], description="ISO 3166-1 codes."
    )
    kpis: list[KpiBody] = Field(min_length=1, max_length=6)
    hashtag: str = Field(min_length=1, max_length=101, examples=["#GlowUpSummer"])
    brand: Account | None = Field(default=None, description="Only an admin names the brand.")


class KpiOut(Answer):
    kpi: str
    target: int


class CampaignOut(Answer):
    id: UUID
    version: int
    brand: str
    name: str
    objective: str
    budget: MoneyOut
    starts_on: date
    ends_on: date
    ended_on: date | None
    categories: list[str]
    regions: list[str]
    kpis: list[KpiOut]
    hashtag: str
    creators: list[str] = Field(description="Creators whose invitation was accepted.")
    uncommitted: MoneyOut = Field(description="The budget not yet committed to creators.")
    launched_at: datetime


class EndBody(Strict):
    reason: Reason


class VideoBody(Strict):
    video_id: UUID


class DraftBody(Strict):
    video_id: UUID = Field(description="The creator's own video, for the brand to review.")
    note: str = Field(default="", max_length=MAX_REASON, description="A note to the brand.")


# Branded effects ----------------------------------------------------------------------------


class EffectBody(Strict):
    name: str = Field(min_length=1, max_length=MAX_EFFECT_NAME, examples=["Glow Scan"])
    asset: str = Field(
        min_length=1,
        max_length=MAX_ASSET,
        examples=["assets://glowco/glow-scan-v2.glb"],
        description="Where the app fetches the AR asset; the file itself is not uploaded.",
    )


class EffectOut(Answer):
    id: UUID
    brand: str
    campaign_id: UUID
    name: str
    asset: str
    registered_at: datetime


class EffectUseBody(Strict):
    effect_id: UUID


# Invitations ------------------------------------------------------------------------------


class TermsBody(Strict):
    fee: MoneyBody
    deliverables: str = Field(
        min_length=1, max_length=MAX_DELIVERABLES, examples=["One 30 s video with #GlowUp"]
    )
    deadline: IsoDate = Field(description="The last day to deliver, within the flight.")

    def to_domain(self) -> Terms:
        return Terms(
            fee=self.fee.to_domain(), deliverables=self.deliverables, deadline=self.deadline
        )


class InvitationBody(Strict):
    creator: Account
    terms: TermsBody


class CounterOfferBody(Strict):
    """Whole ``terms``, or a ``fee`` and/or other ``deliverables`` (the rest of the brand's
    terms kept), with a note to the brand."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"fee": {"minor": 45_000, "currency": "USD"}, "note": "two cuts"}]
        },
    )

    terms: TermsBody | None = None
    fee: MoneyBody | None = Field(default=None, description="The fee asked instead.")
    deliverables: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_DELIVERABLES,
        description="The terms text asked instead (the deliverables).",
    )
    note: str = Field(default="", max_length=MAX_REASON)

    @model_validator(mode="after")
    def _something_asked(self) -> CounterOfferBody:
        partial = self.fee is not None or self.deliverables is not None
        if (self.terms is None) == (not partial):
            raise ValueError("a counter-offer is whole terms, or a fee and/or deliverables")
        return self


class RevisionBody(Strict):
    terms: TermsBody


class ReasonBody(Strict):
    reason: Reason


class TermsOut(Answer):
    fee: MoneyOut
    deliverables: str
    deadline: date


class InvitationOut(Answer):
    id: UUID
    version: int
    campaign_id: UUID
    brand: str
    creator: str
    state: str = Field(
        description="sent (awaits the creator), countered (awaits the brand), accepted (fee "
        "committed; awaits the video or a draft), draft-submitted (awaits the brand's review), "
        "changes-requested (awaits another draft), draft-approved (awaits the approved video's "
        "delivery), delivered (awaits approval), paid, declined, withdrawn."
    )
    terms: TermsOut
    counter_note: str
    video_id: UUID | None
    draft_video_id: UUID | None = Field(description="The draft submitted last, if any.")
    draft_note: str
    changes_reason: str = Field(description="Why the brand sent the last draft back.")
    offered: TermsOut | None = Field(
        default=None,
        description="The brand's terms offered last: while countered, what the counter-offer "
        "answers (a declined counter-offer leaves them standing).",
    )


# The dashboard ----------------------------------------------------------------------------


class KpiStatusOut(Answer):
    kpi: str
    target: int
    actual: int | None = Field(description="None while it cannot be measured yet.")
    attained: bool


class DayOut(Answer):
    day: date
    views: int
    engagements: int
    clicks: int
    spend: MoneyOut


class VideoFiguresOut(Answer):
    video_id: UUID
    creator: str
    views: int
    engagements: int
    clicks: int


class CreatorFiguresOut(Answer):
    creator: str
    videos: int
    views: int
    engagements: int
    clicks: int


class EffectFiguresOut(Answer):
    effect_id: UUID
    name: str
    videos: int = Field(description="Videos published in the flight that declared it.")


class DashboardOut(Answer):
    campaign_id: UUID
    name: str
    brand: str
    as_of: date
    starts_on: date
    last_day: date
    budget: MoneyOut
    spent: MoneyOut = Field(description="Fees paid for approved deliveries.")
    committed: MoneyOut = Field(description="Fees agreed and not yet paid.")
    uncommitted: MoneyOut
    videos: int
    views: int
    engagements: int
    clicks: int
    kpis: list[KpiStatusOut]
    daily: list[DayOut]
    top_videos: list[VideoFiguresOut]
    top_creators: list[CreatorFiguresOut]
    effects: list[EffectFiguresOut]


# Reach and conversions over a range ---------------------------------------------------------


class ReachFiguresOut(BaseModel):
    reach: int = Field(description="Different signed-in viewers who viewed the videos (exact).")
    views: int = Field(description="Their views (the view batches').")
    frequency: str = Field(description="Views per viewer, to two decimals.", examples=["1.50"])
    clicks: int = Field(description="Call-to-action clicks (once per viewer per window).")
    conversions: int = Field(
        description="Orders placed through the videos' product tags, less those refunded in whole."
    )
    sales: list[MoneyOut] = Field(
        description="What those orders took less what was refunded, one amount a currency."
    )

    @classmethod
    def of(cls, figures: ReachFigures) -> ReachFiguresOut:
        return cls(
            reach=figures.reach,
            views=figures.views,
            frequency=frequency(figures),
            clicks=figures.clicks,
            conversions=figures.conversions,
            sales=[MoneyOut.units(money.minor, money.currency) for money in figures.sales],
        )


class ReachDayOut(ReachFiguresOut):
    day: date


class ReportOut(BaseModel):
    campaign_id: UUID
    name: str
    first: date = Field(description="The range's first day, as asked.")
    last: date = Field(description="The range's last day, as asked.")
    total: ReachFiguresOut = Field(description="The range's days within the flight.")
    daily: list[ReachDayOut] = Field(description="Each day of the range within the flight.")

    @classmethod
    def of(cls, report: CampaignReport) -> ReportOut:
        return cls(
            campaign_id=report.campaign_id,
            name=report.name,
            first=report.first,
            last=report.last,
            total=ReachFiguresOut.of(report.total),
            daily=[
                ReachDayOut(day=day.day, **ReachFiguresOut.of(day.figures).model_dump())
                for day in report.daily
            ],
        )
