"""Evidence that a video is about a title, and the policy that decides what happens to it.

Technology proposes, policy and people decide: each title carries a MatchPolicy that turns
the evidence of the text, audio and visual engines into one of three decisions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import attrs

from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue


class Signal(StrEnum):
    TEXT = "text"
    AUDIO = "audio"
    VISUAL = "visual"
    #: A studio's claim by hand: evidence of who asked, judged by no score threshold.
    CLAIM = "claim"
    #: The video's engagement against the title's engagement rule: the rule and the figure.
    ENGAGEMENT = "engagement"


class Decision(StrEnum):
    ATTACH = "attach"  # anchor without waiting for a person
    REVIEW = "review"  # a reviewer decides
    IGNORE = "ignore"  # not enough to bother anyone


def _unit_interval(_instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:  # also refuses NaN
        raise InvalidValue(f"{attribute.name} must lie between 0 and 1, not {value}")


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value):
        raise InvalidValue(f"{attribute.name} must be a finite number")
    if value < 0:
        raise InvalidValue(f"{attribute.name} cannot be negative")


@attrs.frozen
class TimeRange:
    """[start, end) in seconds of a piece of media."""

    start: float = attrs.field(validator=_non_negative)
    end: float = attrs.field()

    @end.validator
    def _ends_after_start(self, _attribute: attrs.Attribute[float], value: float) -> None:
        if not math.isfinite(value) or value <= self.start:
            raise InvalidValue(f"a time range must end after it starts ({self.start}..{value})")

    def covers(self, seconds: float) -> bool:
        return self.start <= seconds < self.end


@attrs.frozen
class SignalEvidence:
    """One engine's finding: how strong, how long, against what, and the details to show."""

    signal: Signal = attrs.field(converter=Signal)
    score: float = attrs.field(validator=_unit_interval)
    matched_seconds: float = attrs.field(default=0.0, validator=_non_negative)
    reference_id: str = ""  # the reference clip matched (audio and visual)
    details: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class SignalRule:
    """From which score a signal goes to review or attaches, and the shortest match that counts."""

    review_at: float = attrs.field(validator=_unit_interval)
    attach_at: float | None = attrs.field(default=None, validator=_unit_interval)
    min_seconds: float = attrs.field(default=0.0, validator=_non_negative)

    @attach_at.validator
    def _attach_not_below_review(
        self, _attribute: attrs.Attribute[Any], value: float | None
    ) -> None:
        if value is not None and value < self.review_at:
            raise InvalidValue("a signal cannot attach below the score that sends it to review")

    def reaches(self, evidence: SignalEvidence, threshold: float | None) -> bool:
        return (
            threshold is not None
            and evidence.score >= threshold
            and evidence.matched_seconds >= self.min_seconds
        )


def _count(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{attribute.name} must be a whole number, not negative")


@attrs.frozen
class EngagementRule:
    """How engaging a video must be for the title's policy to anchor it without a person.

    The seed's "more engaging videos are more likely to get an anchor": below the minimums,
    a match that would attach goes to a reviewer instead (never ignored: the evidence is the
    same); at or above them it attaches as the signal rules say.
    """

    min_views: int = attrs.field(default=0, validator=_count)
    min_likes: int = attrs.field(default=0, validator=_count)

    def met_by(self, engagement: Engagement) -> bool:
        return engagement.views >= self.min_views and engagement.likes >= self.min_likes

    def describe(self) -> str:
        return (
            f"attaches without review at {self.min_views} views and {self.min_likes} likes or more"
        )

    def evidence(self, engagement: Engagement) -> SignalEvidence:
        """The rule and the figure it was held to, shown with the proposal or anchor."""
        met = self.met_by(engagement)
        return SignalEvidence(
            signal=Signal.ENGAGEMENT,
            score=1.0 if met else 0.0,
            details={
                "rule": self.describe(),
                "min_views": self.min_views,
                "min_likes": self.min_likes,
                "views": engagement.views,
                "likes": engagement.likes,
                "met": met,
            },
        )


@attrs.frozen
class MatchPolicy:
    """A title's rules. Text alone never attaches by default: hashtags are cheap to add.

    ATTACH when one signal reaches its attach score, or when two different signals each
    reach review (corroboration) and ``corroboration_attaches`` is set; REVIEW when any
    signal reaches review; IGNORE otherwise.
    """

    text: SignalRule = SignalRule(review_at=0.5)
    audio: SignalRule = SignalRule(review_at=0.2, attach_at=0.4, min_seconds=4.0)
    visual: SignalRule = SignalRule(review_at=0.2, attach_at=0.45, min_seconds=3.0)
    corroboration_attaches: bool = True
    #: None: engagement plays no part (every policy stored before the rule existed).
    engagement: EngagementRule | None = None

    def rule_for(self, signal: Signal) -> SignalRule:
        return {Signal.TEXT: self.text, Signal.AUDIO: self.audio, Signal.VISUAL: self.visual}[
            signal
        ]

    def judged(
        self, evidence: Sequence[SignalEvidence], engagement: Engagement
    ) -> tuple[Decision, list[SignalEvidence]]:
        """The decision on the evidence and the video's engagement, and the evidence to
        record with it: with an engagement rule, the rule and the figure are part of it."""
        if self.engagement is None:
            return self.decide(evidence), list(evidence)
        found = [f for f in evidence if f.signal is not Signal.ENGAGEMENT]
        figure = self.engagement.evidence(engagement)
        decision = self.decide(found)
        if decision is Decision.ATTACH and not self.engagement.met_by(engagement):
            decision = Decision.REVIEW
        return decision, [*found, figure]

    def decide(self, evidence: Sequence[SignalEvidence]) -> Decision:
        """The signal rules' decision (the engagement rule is applied by ``judged``)."""
        reviewable: set[Signal] = set()
        for finding in evidence:
            if finding.signal in (Signal.CLAIM, Signal.ENGAGEMENT):
                continue  # who asked, and how engaging, are shown, not scored
            rule = self.rule_for(finding.signal)
            if rule.reaches(finding, rule.attach_at):
                return Decision.ATTACH
            if rule.reaches(finding, rule.review_at):
                reviewable.add(finding.signal)
        if self.corroboration_attaches and len(reviewable) >= 2:
            return Decision.ATTACH
        return Decision.REVIEW if reviewable else Decision.IGNORE
