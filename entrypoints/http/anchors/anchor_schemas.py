"""Bodies of the anchors program: matching material, policies, the review queue, sweeps."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from application.anchors.anchoring import ReviewPage
from domain.anchors.matching import (
    MAX_ENGAGEMENT_BONUS,
    EngagementBonus,
    EngagementRule,
    MatchPolicy,
    SignalRule,
    TimeRange,
)
from entrypoints.http.schemas import Answer, EvidenceOut, Strict


class TimeRangeBody(Strict, Answer):
    start: float = Field(ge=0, examples=[12.0])
    end: float = Field(gt=0, examples=[20.0])

    def to_domain(self) -> TimeRange:
        return TimeRange(start=self.start, end=self.end)


class ExclusionsBody(Strict):
    excluded: list[TimeRangeBody] = Field(max_length=100)


class ReferenceOut(Answer):
    reference_id: UUID
    label: str
    digest: str
    duration_seconds: float
    excluded: list[TimeRangeBody]


class MatchWordsBody(Strict):
    hashtags: list[str] = Field(default_factory=list, max_length=50, examples=[["DunePartTwo"]])
    keywords: list[str] = Field(default_factory=list, max_length=100, examples=[["Arrakis"]])


class SignalRuleBody(Strict, Answer):
    review_at: float = Field(ge=0, le=1, description="From this score a match goes to review.")
    attach_at: float | None = Field(
        default=None, ge=0, le=1, description="From this score it attaches; null: never."
    )
    min_seconds: float = Field(default=0, ge=0, description="The shortest match that counts.")

    def to_domain(self) -> SignalRule:
        return SignalRule(
            review_at=self.review_at, attach_at=self.attach_at, min_seconds=self.min_seconds
        )


class EngagementRuleBody(Strict, Answer):
    min_views: int = Field(default=0, ge=0, description="Views a video needs to attach unseen.")
    min_likes: int = Field(default=0, ge=0, description="Likes a video needs to attach unseen.")

    def to_domain(self) -> EngagementRule:
        return EngagementRule(min_views=self.min_views, min_likes=self.min_likes)


class EngagementBonusBody(Strict, Answer):
    min_views: int = Field(default=0, ge=0, description="Views from which the bonus is earned.")
    min_likes: int = Field(default=0, ge=0, description="Likes from which the bonus is earned.")
    bonus: float = Field(
        gt=0,
        le=MAX_ENGAGEMENT_BONUS,
        examples=[0.1],
        description="Added to each text, audio and visual score of an engaging video's match "
        f"(above 0, at most {MAX_ENGAGEMENT_BONUS}; a score never passes 1).",
    )

    def to_domain(self) -> EngagementBonus:
        return EngagementBonus(min_views=self.min_views, min_likes=self.min_likes, bonus=self.bonus)


class PolicyBody(Strict, Answer):
    text: SignalRuleBody
    audio: SignalRuleBody
    visual: SignalRuleBody
    corroboration_attaches: bool = True
    engagement: EngagementRuleBody | None = Field(
        default=None,
        description="Popularity in the policy: a match that would attach goes to review while "
        "the video has fewer views or likes than these (the audience's counts); the rule and "
        "the figure are shown as `engagement` evidence. null: engagement plays no part.",
    )
    engagement_bonus: EngagementBonusBody | None = Field(
        default=None,
        description="Popularity favoured: from these views and likes, each signal's score is "
        "judged with `bonus` added, so a borderline match on an engaging video reaches review "
        "or attaches; the bonus, its rule, the figure and the scores it raised are shown as "
        "`engagement_bonus` evidence. A waiting match is judged again as the video's "
        "engagement grows. null: engagement adds nothing.",
    )

    def to_domain(self) -> MatchPolicy:
        return MatchPolicy(
            text=self.text.to_domain(),
            audio=self.audio.to_domain(),
            visual=self.visual.to_domain(),
            corroboration_attaches=self.corroboration_attaches,
            engagement=None if self.engagement is None else self.engagement.to_domain(),
            engagement_bonus=(
                None if self.engagement_bonus is None else self.engagement_bonus.to_domain()
            ),
        )


class MatchingOut(Answer):
    title_id: UUID
    version: int
    hashtags: list[str]
    keywords: list[str]
    references: list[ReferenceOut]
    policy: PolicyBody


class ReviewItemOut(BaseModel):
    kind: Literal["proposal", "dispute"]
    video_id: UUID
    title_id: UUID
    popularity: int
    proposed_at: datetime = Field(description="When the item entered the queue.")
    evidence: list[EvidenceOut]
    reason: str = Field(description="The creator's words, for a dispute.")


class ReviewPageOut(BaseModel):
    items: list[ReviewItemOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page (the place of this page's last item); "
        "null: done."
    )

    @classmethod
    def of(cls, page: ReviewPage) -> ReviewPageOut:
        return cls(
            items=[
                ReviewItemOut(
                    kind="dispute" if i.kind == "dispute" else "proposal",
                    reason=i.reason,
                    video_id=i.video_id,
                    title_id=i.title_id,
                    popularity=i.popularity,
                    proposed_at=i.proposed_at,
                    evidence=[EvidenceOut.model_validate(e) for e in i.evidence],
                )
                for i in page.items
            ],
            next_cursor=page.next_cursor,
        )


class DecisionBody(Strict):
    decision: Literal["attach", "reject"]
    reason: str = Field(min_length=1, max_length=1000, examples=["The clip is from the trailer"])


class DisputeBody(Strict):
    reason: str = Field(min_length=1, max_length=1000, examples=["This is my own footage"])


class DisputeSettlement(Strict):
    decision: Literal["uphold", "dismiss"] = Field(
        description="uphold revokes the anchor; dismiss keeps it (no second dispute)"
    )
    reason: str = Field(min_length=1, max_length=1000)


class RejudgeReportOut(Answer):
    events: int = Field(description="Engagement events read.")
    videos: int = Field(description="Videos whose engagement grew in them.")
    rejudged: int = Field(description="Waiting matches the policy now attached.")
    position: int = Field(description="The watch's place in the catalogue's log after the run.")


class SweepReportOut(Answer):
    sweeps_run: int
    videos_considered: int
    videos_changed: int
    pending: int
