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
    #: The engagement bonus a title's policy grants an engaging video: the bonus, its rule,
    #: the figure, and the scores it raised.
    ENGAGEMENT_BONUS = "engagement_bonus"


#: Signals that are shown with a decision but never scored by a signal rule.
SHOWN_ONLY = frozenset({Signal.CLAIM, Signal.ENGAGEMENT, Signal.ENGAGEMENT_BONUS})
#: Findings about the video's engagement, made again at each judgement from the figure then.
ENGAGEMENT_FINDINGS = frozenset({Signal.ENGAGEMENT, Signal.ENGAGEMENT_BONUS})
#: The most an engagement bonus may add to a signal's score: popularity tips a borderline
#: match, it never makes a weak one strong.
MAX_ENGAGEMENT_BONUS = 0.2


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


def _bonus(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue(f"{attribute.name} must be a number")
    if not 0.0 < value <= MAX_ENGAGEMENT_BONUS:  # also refuses NaN
        raise InvalidValue(
            f"{attribute.name} must be above 0 and at most {MAX_ENGAGEMENT_BONUS}, not {value}"
        )


@attrs.frozen
class EngagementBonus:
    """How much the title's policy favours an engaging video: from ``min_views`` views and
    ``min_likes`` likes, every text, audio and visual finding is judged at its score plus
    ``bonus`` (at most ``MAX_ENGAGEMENT_BONUS``, never past 1). So a borderline match on an
    engaging video reaches review or attaches where a quiet video's would not. The findings
    keep their own scores; the bonus, its rule, the figure and what it raised are shown
    beside them."""

    min_views: int = attrs.field(default=0, validator=_count)
    min_likes: int = attrs.field(default=0, validator=_count)
    bonus: float = attrs.field(default=0.1, validator=_bonus)

    def earned_by(self, engagement: Engagement) -> bool:
        return engagement.views >= self.min_views and engagement.likes >= self.min_likes

    def describe(self) -> str:
        return (
            f"adds {self.bonus:g} to each signal's score at {self.min_views} views "
            f"and {self.min_likes} likes or more"
        )

    def raised(self, finding: SignalEvidence) -> SignalEvidence:
        """The finding as it is judged with the bonus (a shown-only finding as it is)."""
        if finding.signal in SHOWN_ONLY:
            return finding
        return attrs.evolve(finding, score=min(1.0, finding.score + self.bonus))

    def evidence(self, engagement: Engagement, found: Sequence[SignalEvidence]) -> SignalEvidence:
        """The bonus, its rule and the figure it was held to, and the scores it raised."""
        earned = self.earned_by(engagement)
        raised = {
            str(f.signal): [f.score, round(self.raised(f).score, 4)]
            for f in found
            if earned and f.signal not in SHOWN_ONLY
        }
        return SignalEvidence(
            signal=Signal.ENGAGEMENT_BONUS,
            score=self.bonus if earned else 0.0,
            details={
                "rule": self.describe(),
                "bonus": self.bonus,
                "min_views": self.min_views,
                "min_likes": self.min_likes,
                "views": engagement.views,
                "likes": engagement.likes,
                "earned": earned,
                "raised": raised,
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
    #: None: engagement adds nothing to a score (every policy stored before the bonus).
    engagement_bonus: EngagementBonus | None = None

    def rule_for(self, signal: Signal) -> SignalRule:
        return {Signal.TEXT: self.text, Signal.AUDIO: self.audio, Signal.VISUAL: self.visual}[
            signal
        ]

    def judged(
        self, evidence: Sequence[SignalEvidence], engagement: Engagement
    ) -> tuple[Decision, list[SignalEvidence]]:
        """The decision on the evidence and the video's engagement, and the evidence to
        record with it: with an engagement bonus, the findings are judged at their raised
        scores once the video earns it, and the bonus with its figure is shown; with an
        engagement rule, a match that would attach goes to review below the rule's
        minimums, and the rule and the figure are shown. Findings about engagement handed
        in (a proposal's, judged again) are made anew from the figure now."""
        if self.engagement is None and self.engagement_bonus is None:
            return self.decide(evidence), list(evidence)
        found = [f for f in evidence if f.signal not in ENGAGEMENT_FINDINGS]
        shown = list(found)
        judged = found
        if self.engagement_bonus is not None:
            if self.engagement_bonus.earned_by(engagement):
                judged = [self.engagement_bonus.raised(f) for f in found]
            shown.append(self.engagement_bonus.evidence(engagement, found))
        decision = self.decide(judged)
        if self.engagement is not None:
            if decision is Decision.ATTACH and not self.engagement.met_by(engagement):
                decision = Decision.REVIEW
            shown.append(self.engagement.evidence(engagement))
        return decision, shown

    def favours_engagement(self) -> bool:
        """Whether a video's engagement can change what this policy decides."""
        return self.engagement is not None or self.engagement_bonus is not None

    def decide(self, evidence: Sequence[SignalEvidence]) -> Decision:
        """The signal rules' decision (the engagement rule is applied by ``judged``)."""
        reviewable: set[Signal] = set()
        for finding in evidence:
            if finding.signal in SHOWN_ONLY:
                continue  # who asked, and how engaging, are shown, not scored
            rule = self.rule_for(finding.signal)
            if rule.reaches(finding, rule.attach_at):
                return Decision.ATTACH
            if rule.reaches(finding, rule.review_at):
                reviewable.add(finding.signal)
        if self.corroboration_attaches and len(reviewable) >= 2:
            return Decision.ATTACH
        return Decision.REVIEW if reviewable else Decision.IGNORE
