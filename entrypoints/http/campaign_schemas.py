"""Bodies and answers of brand campaigns, invitations and the campaign dashboard.

Money travels as ``{"minor": 50000, "currency": "USD"}`` (whole minor units, never a float);
days as ``YYYY-MM-DD``. Requests refuse unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from application.campaign_dashboard import CampaignDashboard
from application.campaigns import CampaignView, EffectView, InvitationView
from domain.bounds import MAX_AMOUNT
from domain.campaigns import MAX_NAME, Kpi, KpiTarget
from domain.effects import MAX_ASSET
from domain.effects import MAX_NAME as MAX_EFFECT_NAME
from domain.invitations import MAX_DELIVERABLES, MAX_REASON, Terms
from entrypoints.http.revenue_schemas import MoneyBody, MoneyOut
from entrypoints.http.schemas import Account, IsoDate, Strict

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


class KpiOut(BaseModel):
    kpi: str
    target: int

    @classmethod
    def of(cls, target: KpiTarget) -> KpiOut:
        return cls(kpi=Kpi(target.kpi).value, target=target.target)


class CampaignOut(BaseModel):
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

    @classmethod
    def of(cls, view: CampaignView) -> CampaignOut:
        return cls(
            id=view.id,
            version=view.version,
            brand=view.brand,
            name=view.name,
            objective=view.objective,
            budget=MoneyOut.of(view.budget),
            starts_on=view.starts_on,
            ends_on=view.ends_on,
            ended_on=view.ended_on,
            categories=list(view.categories),
            regions=list(view.regions),
            kpis=[KpiOut.of(k) for k in view.kpis],
            hashtag=view.hashtag,
            creators=list(view.creators),
            uncommitted=MoneyOut.of(view.uncommitted),
            launched_at=view.launched_at,
        )


class EndBody(Strict):
    reason: Reason


class VideoBody(Strict):
    video_id: UUID


# Branded effects ----------------------------------------------------------------------------


class EffectBody(Strict):
    name: str = Field(min_length=1, max_length=MAX_EFFECT_NAME, examples=["Glow Scan"])
    asset: str = Field(
        min_length=1,
        max_length=MAX_ASSET,
        examples=["assets://glowco/glow-scan-v2.glb"],
        description="Where the app fetches the AR asset; the file itself is not uploaded.",
    )


class EffectOut(BaseModel):
    id: UUID
    brand: str
    campaign_id: UUID
    name: str
    asset: str
    registered_at: datetime

    @classmethod
    def of(cls, view: EffectView) -> EffectOut:
        return cls(
            id=view.id,
            brand=view.brand,
            campaign_id=view.campaign_id,
            name=view.name,
            asset=view.asset,
            registered_at=view.registered_at,
        )


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
    terms: TermsBody
    note: str = Field(default="", max_length=MAX_REASON)


class RevisionBody(Strict):
    terms: TermsBody


class ReasonBody(Strict):
    reason: Reason


class TermsOut(BaseModel):
    fee: MoneyOut
    deliverables: str
    deadline: date

    @classmethod
    def of(cls, terms: Terms) -> TermsOut:
        return cls(
            fee=MoneyOut.of(terms.fee), deliverables=terms.deliverables, deadline=terms.deadline
        )


class InvitationOut(BaseModel):
    id: UUID
    version: int
    campaign_id: UUID
    brand: str
    creator: str
    state: str = Field(
        description="sent (awaits the creator), countered (awaits the brand), accepted (fee "
        "committed; awaits the video), delivered (awaits approval), paid, declined, withdrawn."
    )
    terms: TermsOut
    counter_note: str
    video_id: UUID | None

    @classmethod
    def of(cls, view: InvitationView) -> InvitationOut:
        return cls(
            id=view.id,
            version=view.version,
            campaign_id=view.campaign_id,
            brand=view.brand,
            creator=view.creator,
            state=view.state.value,
            terms=TermsOut.of(view.terms),
            counter_note=view.counter_note,
            video_id=view.video_id,
        )


class InvitationsOut(BaseModel):
    invitations: list[InvitationOut]


# The dashboard ----------------------------------------------------------------------------


class KpiStatusOut(BaseModel):
    kpi: str
    target: int
    actual: int | None = Field(description="None while it cannot be measured yet.")
    attained: bool


class DayOut(BaseModel):
    day: date
    views: int
    engagements: int
    clicks: int
    spend: MoneyOut


class VideoFiguresOut(BaseModel):
    video_id: UUID
    creator: str
    views: int
    engagements: int
    clicks: int


class CreatorFiguresOut(BaseModel):
    creator: str
    videos: int
    views: int
    engagements: int
    clicks: int


class EffectFiguresOut(BaseModel):
    effect_id: UUID
    name: str
    videos: int = Field(description="Videos published in the flight that declared it.")


class DashboardOut(BaseModel):
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

    @classmethod
    def of(cls, board: CampaignDashboard) -> DashboardOut:
        return cls(
            campaign_id=board.campaign_id,
            name=board.name,
            brand=board.brand,
            as_of=board.as_of,
            starts_on=board.starts_on,
            last_day=board.last_day,
            budget=MoneyOut.of(board.budget),
            spent=MoneyOut.of(board.spent),
            committed=MoneyOut.of(board.committed),
            uncommitted=MoneyOut.of(board.uncommitted),
            videos=board.videos,
            views=board.views,
            engagements=board.engagements,
            clicks=board.clicks,
            kpis=[
                KpiStatusOut(kpi=s.kpi.value, target=s.target, actual=s.actual, attained=s.attained)
                for s in board.kpis
            ],
            daily=[
                DayOut(
                    day=d.day,
                    views=d.views,
                    engagements=d.engagements,
                    clicks=d.clicks,
                    spend=MoneyOut.of(d.spend),
                )
                for d in board.daily
            ],
            top_videos=[
                VideoFiguresOut(
                    video_id=v.video_id,
                    creator=v.creator,
                    views=v.views,
                    engagements=v.engagements,
                    clicks=v.clicks,
                )
                for v in board.top_videos
            ],
            top_creators=[
                CreatorFiguresOut(
                    creator=c.creator,
                    videos=c.videos,
                    views=c.views,
                    engagements=c.engagements,
                    clicks=c.clicks,
                )
                for c in board.top_creators
            ],
            effects=[
                EffectFiguresOut(effect_id=e.effect_id, name=e.name, videos=e.videos)
                for e in board.effects
            ],
        )
