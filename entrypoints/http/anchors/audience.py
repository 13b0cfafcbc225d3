"""Engagement and anchor clicks in idempotent batches, and the studio analytics dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from application.anchors.analytics import (
    MAX_SERIES_DAYS,
    MIN_SERIES_DAYS,
    SERIES_DAYS,
    StudioAnalytics,
)
from application.anchors.audience import BatchKind, BatchReceipt
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from entrypoints.http.schemas import AccountPath, IsoDate, Strict
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["audience"])

BatchKey = Field(
    min_length=1, max_length=200, description="Your id for this batch; a retry repeats it."
)


class EngagementCountBody(Strict):
    video_id: UUID
    views: int = Field(default=0, ge=0)
    likes: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    comments: int = Field(default=0, ge=0)


class EngagementBatchBody(Strict):
    batch_key: str = BatchKey
    counts: list[EngagementCountBody] = Field(min_length=1, max_length=10_000)


class ClickBody(Strict):
    video_id: UUID
    target: Literal["tickets", "streaming", "cast", "official"]


class ClickBatchBody(Strict):
    batch_key: str = BatchKey
    clicks: list[ClickBody] = Field(min_length=1, max_length=1_000)
    region: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description="The viewer's region (ISO 3166 alpha-2), for the studio's audience.",
        examples=["JP"],
    )


class CallToActionClicksBody(Strict):
    batch_key: str = BatchKey
    video_ids: list[UUID] = Field(
        min_length=1, max_length=1_000, description="A video per click on its call to action."
    )


class ViewsBody(Strict):
    batch_key: str = BatchKey
    video_ids: list[UUID] = Field(
        min_length=1, max_length=1_000, description="A video per view, in the order watched."
    )


class ReceiptOut(BaseModel):
    batch_id: UUID
    recorded: int
    replayed: bool

    @classmethod
    def of(cls, receipt: BatchReceipt, response: Response) -> ReceiptOut:
        # A retried batch answers as the first delivery did, but says it was a replay.
        response.status_code = status.HTTP_200_OK if receipt.replayed else status.HTTP_201_CREATED
        if not receipt.replayed:
            response.headers["Location"] = f"/v1/batches/{receipt.batch_id}"
        return cls(batch_id=receipt.batch_id, recorded=receipt.recorded, replayed=receipt.replayed)


class BatchOut(BaseModel):
    batch_id: UUID
    kind: BatchKind = Field(description="What the batch counted.")
    recorded: int = Field(description="How many counts or clicks it recorded.")
    sent_by: str = Field(description="Who sent it: `role:subject`.")


class DayOut(BaseModel):
    day: date
    views: int
    engagement: int
    clicks: int
    new_anchors: int
    clicks_by_target: dict[str, int] = Field(description="The day's clicks by target.")


class HashtagOut(BaseModel):
    hashtag: str
    videos: int


class TitleAnalyticsOut(BaseModel):
    title_id: UUID
    name: str
    anchored_videos: int
    views: int
    likes: int
    shares: int
    comments: int
    clicks: dict[str, int]
    daily: list[DayOut]
    top_hashtags: list[HashtagOut]
    brief: str


class StudioAnalyticsOut(BaseModel):
    studio_id: str
    as_of: date
    titles: list[TitleAnalyticsOut]

    @classmethod
    def of(cls, analytics: StudioAnalytics) -> StudioAnalyticsOut:
        return cls(
            studio_id=analytics.studio_id,
            as_of=analytics.as_of,
            titles=[
                TitleAnalyticsOut(
                    title_id=t.title_id,
                    name=t.name,
                    anchored_videos=t.anchored_videos,
                    views=t.views,
                    likes=t.likes,
                    shares=t.shares,
                    comments=t.comments,
                    clicks=t.clicks,
                    daily=[
                        DayOut(
                            day=d.day,
                            views=d.views,
                            engagement=d.engagement,
                            clicks=d.clicks,
                            new_anchors=d.new_anchors,
                            clicks_by_target=dict(d.targets),
                        )
                        for d in t.daily
                    ],
                    top_hashtags=[HashtagOut(hashtag=h, videos=n) for h, n in t.top_hashtags],
                    brief=t.brief,
                )
                for t in analytics.titles
            ],
        )


@router.post("/v1/engagement", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def record_engagement(
    body: EngagementBatchBody, core: Core, caller: Caller, response: Response
) -> ReceiptOut:
    """A platform service reports engagement counted since its last batch (admin)."""
    receipt = core.audience.record_engagement(
        caller,
        body.batch_key,
        [
            (
                c.video_id,
                Engagement(views=c.views, likes=c.likes, shares=c.shares, comments=c.comments),
            )
            for c in body.counts
        ],
    )
    return ReceiptOut.of(receipt, response)


@router.post("/v1/clicks", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def record_clicks(
    body: ClickBatchBody, core: Core, caller: Caller, response: Response
) -> ReceiptOut:
    """A signed-in viewer's clicks through anchors (a single click is a batch of one)."""
    receipt = core.audience.record_clicks(
        caller,
        body.batch_key,
        [(c.video_id, ClickTarget(c.target)) for c in body.clicks],
        region=body.region,
    )
    return ReceiptOut.of(receipt, response)


@router.post(
    "/v1/call-to-action-clicks", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut
)
def record_call_to_action_clicks(
    body: CallToActionClicksBody, core: Core, caller: Caller, response: Response
) -> ReceiptOut:
    """A signed-in viewer's clicks on videos' calls to action (a brand campaign's link);
    campaigns count those of their videos. A retried batch answers 200 with `replayed`."""
    receipt = core.audience.record_call_to_action_clicks(caller, body.batch_key, body.video_ids)
    return ReceiptOut.of(receipt, response)


@router.post("/v1/views", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def record_views(body: ViewsBody, core: Core, caller: Caller, response: Response) -> ReceiptOut:
    """A signed-in viewer's views of videos; campaigns count their reach (unique viewers)
    and frequency from them. A retried batch answers 200 with `replayed`."""
    receipt = core.audience.record_views(caller, body.batch_key, body.video_ids)
    return ReceiptOut.of(receipt, response)


@router.get("/v1/batches/{batch_id}", response_model=BatchOut)
def recorded_batch(batch_id: UUID, core: Core, caller: Caller) -> BatchOut:
    """A batch of engagement or clicks recorded before (the `Location` of its receipt): its
    kind, size and sender. Its sender, admins and auditors read it; to others it is a 404."""
    batch = core.audience.batch(caller, batch_id)
    return BatchOut(
        batch_id=batch.batch_id, kind=batch.kind, recorded=batch.recorded, sent_by=batch.sent_by
    )


@router.get("/v1/studios/{studio_id}/analytics", response_model=StudioAnalyticsOut)
def studio_analytics(
    studio_id: AccountPath,
    core: Core,
    caller: Caller,
    as_of: Annotated[IsoDate | None, Query(description="The last day of the series.")] = None,
    days: Annotated[
        int,
        Query(
            ge=MIN_SERIES_DAYS, le=MAX_SERIES_DAYS, description="How many days the series holds."
        ),
    ] = SERIES_DAYS,
) -> StudioAnalyticsOut:
    """Per title: anchored videos, their views and engagement, clicks by target, a daily
    series, where the conversation is, and a short brief (owning studio, admin, auditor)."""
    return StudioAnalyticsOut.of(
        core.audience.studio_analytics(caller, studio_id, as_of=as_of, days=days)
    )
