"""A title's policy may favour engagement: from the bonus's views and likes, each signal's
score is judged with the bonus added (bounded; never past 1), so a borderline match on an
engaging video attaches, or reaches review, where a quiet video's would not. The findings
keep their own scores; the bonus, its rule, the figure and what it raised are shown."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from domain.anchors.engagement import Engagement
from domain.anchors.engagement_watch import EngagementWatch
from domain.anchors.matching import (
    MAX_ENGAGEMENT_BONUS,
    Decision,
    EngagementBonus,
    EngagementRule,
    MatchPolicy,
    Signal,
    SignalEvidence,
)
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import POLICY, Video
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight

AT = datetime(2025, 3, 1, tzinfo=UTC)
BONUS = EngagementBonus(min_views=10_000, min_likes=500, bonus=0.1)
FAVOURING = MatchPolicy(engagement_bonus=BONUS)
# Audio attaches from 0.4 and goes to review from 0.2 (the default policy).
BORDERLINE_AUDIO = SignalEvidence(signal=Signal.AUDIO, score=0.35, matched_seconds=10)
FAINT_AUDIO = SignalEvidence(signal=Signal.AUDIO, score=0.15, matched_seconds=10)
ENGAGING = Engagement(views=12_000, likes=800)
QUIET = Engagement(views=12_000, likes=499)
RANK = {Decision.IGNORE: 0, Decision.REVIEW: 1, Decision.ATTACH: 2}

counts = st.integers(min_value=0, max_value=10**7)
engagements = st.builds(Engagement, views=counts, likes=counts, shares=counts, comments=counts)
bonuses = st.builds(
    EngagementBonus,
    min_views=counts,
    min_likes=counts,
    bonus=st.floats(min_value=0.001, max_value=MAX_ENGAGEMENT_BONUS),
)
evidence = st.lists(
    st.builds(
        SignalEvidence,
        signal=st.sampled_from([Signal.TEXT, Signal.AUDIO, Signal.VISUAL]),
        score=st.floats(0, 1),
        matched_seconds=st.floats(0, 60),
    ),
    max_size=4,
)


def bonus_shown(shown: list[SignalEvidence]) -> SignalEvidence:
    [found] = [f for f in shown if f.signal is Signal.ENGAGEMENT_BONUS]
    return found


def test_a_borderline_match_on_an_engaging_video_attaches_and_on_a_quiet_one_waits() -> None:
    attached, shown = FAVOURING.judged([BORDERLINE_AUDIO], ENGAGING)
    reviewed, shown_quiet = FAVOURING.judged([BORDERLINE_AUDIO], QUIET)

    assert (attached, reviewed) == (Decision.ATTACH, Decision.REVIEW)
    # The finding keeps its own score; the bonus shows what it was judged at.
    assert BORDERLINE_AUDIO in shown
    figure = bonus_shown(shown)
    assert figure.score == 0.1
    assert figure.details["rule"] == BONUS.describe()
    assert figure.details["rule"] == (
        "adds 0.1 to each signal's score at 10000 views and 500 likes or more"
    )
    assert (figure.details["views"], figure.details["likes"]) == (12_000, 800)
    assert figure.details["earned"] is True
    assert figure.details["raised"] == {"audio": [0.35, 0.45]}
    quiet = bonus_shown(shown_quiet)
    assert (quiet.score, quiet.details["earned"], quiet.details["raised"]) == (0.0, False, {})


def test_a_faint_match_on_an_engaging_video_reaches_review_instead_of_being_ignored() -> None:
    assert FAVOURING.judged([FAINT_AUDIO], ENGAGING)[0] is Decision.REVIEW
    assert FAVOURING.judged([FAINT_AUDIO], QUIET)[0] is Decision.IGNORE


def test_the_rule_still_holds_a_match_the_bonus_raised_for_review_below_its_minimums() -> None:
    both = MatchPolicy(engagement=EngagementRule(min_views=50_000), engagement_bonus=BONUS)
    decision, shown = both.judged([BORDERLINE_AUDIO], ENGAGING)
    assert decision is Decision.REVIEW
    assert [f.signal for f in shown] == [
        Signal.AUDIO,
        Signal.ENGAGEMENT_BONUS,
        Signal.ENGAGEMENT,
    ]


def test_findings_about_engagement_handed_in_are_made_anew_from_the_figure_now() -> None:
    _, before = FAVOURING.judged([BORDERLINE_AUDIO], QUIET)
    decision, after = FAVOURING.judged(before, ENGAGING)
    assert decision is Decision.ATTACH
    assert [f.signal for f in after].count(Signal.ENGAGEMENT_BONUS) == 1
    assert bonus_shown(after).details["earned"] is True


@given(bonus=bonuses, found=evidence, engagement=engagements)
def test_the_bonus_never_weakens_a_decision_and_is_bounded(
    bonus: EngagementBonus, found: list[SignalEvidence], engagement: Engagement
) -> None:
    policy = MatchPolicy(engagement_bonus=bonus)
    decision, shown = policy.judged(found, engagement)

    assert RANK[decision] >= RANK[policy.decide(found)]
    # No more than the largest bonus allowed could do.
    most = [
        SignalEvidence(
            signal=f.signal,
            score=min(1.0, f.score + MAX_ENGAGEMENT_BONUS),
            matched_seconds=f.matched_seconds,
        )
        for f in found
    ]
    assert RANK[decision] <= RANK[policy.decide(most)]
    if not bonus.earned_by(engagement):
        assert decision is policy.decide(found)
    assert [f for f in shown if f.signal is not Signal.ENGAGEMENT_BONUS] == found
    assert all(0.0 <= f.score <= 1.0 for f in shown)


@given(bonus=bonuses, engagement=engagements, more=engagements)
def test_more_engagement_never_weakens_a_favoured_decision(
    bonus: EngagementBonus, engagement: Engagement, more: Engagement
) -> None:
    policy = MatchPolicy(engagement_bonus=bonus)
    before, _ = policy.judged([BORDERLINE_AUDIO], engagement)
    after, _ = policy.judged([BORDERLINE_AUDIO], engagement + more)
    assert RANK[after] >= RANK[before]


@pytest.mark.parametrize(
    "fields",
    [
        {"bonus": 0.0},
        {"bonus": -0.1},
        {"bonus": MAX_ENGAGEMENT_BONUS + 0.01},
        {"bonus": math.nan},
        {"bonus": True},
        {"bonus": "0.1"},
        {"bonus": 0.1, "min_views": -1},
        {"bonus": 0.1, "min_likes": 2.5},
    ],
)
def test_a_bonus_is_bounded_and_counts_whole_numbers(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidValue):
        EngagementBonus(**fields)


def test_a_policy_stored_before_the_bonus_reads_back_without_one(core: Spotlight) -> None:
    title = Title.register(
        UUID(int=5),
        studio_id="legendary",
        name="Dune",
        kind=TitleKind.MOVIE,
        portal=Portal(),
        at=AT,
    )
    rule = EngagementRule(min_views=1_000)
    title.set_policy(MatchPolicy(engagement=rule, engagement_bonus=BONUS), by="studio:x", at=AT)
    mapper = core._catalogue.mapper
    stored = mapper.to_stored_event(title.collect_events()[-1])
    state = json.loads(stored.state)
    assert state["class_version"] == 3

    def older(version: int) -> Any:
        old = json.loads(stored.state)
        old["policy"]["_data_"].pop("engagement_bonus")
        if version == 1:
            old["policy"]["_data_"].pop("engagement")
            old.pop("class_version")
        else:
            old["class_version"] = version
        return mapper.to_domain_event(
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=json.dumps(old).encode(),
            )
        )

    assert older(2).policy == MatchPolicy(engagement=rule)
    assert older(1).policy == MatchPolicy()
    current: Any = mapper.to_domain_event(stored)
    assert current.policy.engagement_bonus == BONUS


def a_video_waiting_for(title_id: UUID) -> Video:
    video = Video.publish(
        UUID(int=9),
        creator_id="fan-1",
        caption="my edit",
        hashtags=[],
        category="film-and-tv",
        at=AT,
    )
    video.propose_anchor(title_id, [BORDERLINE_AUDIO], at=AT)
    return video


def test_a_waiting_match_judged_again_to_attach_is_recorded_with_its_reason_once() -> None:
    dune = UUID(int=5)
    video = a_video_waiting_for(dune)
    decision, shown = FAVOURING.judged(video.proposals[dune].evidence, ENGAGING)

    done = video.rejudge_proposal(dune, decision, shown, reason="engagement grew", at=AT)
    again = video.rejudge_proposal(dune, decision, shown, reason="engagement grew", at=AT)

    assert (done, again) == (Decision.ATTACH, Decision.IGNORE)
    rejudged, attached = video.collect_events()[-2:]
    assert isinstance(rejudged, Video.AnchorRejudged)
    assert (rejudged.title_id, rejudged.decision, rejudged.reason) == (
        dune,
        "attach",
        "engagement grew",
    )
    assert isinstance(attached, Video.AnchorAttached)
    assert video.anchor is not None
    assert (video.anchor.attached_by, video.anchor.note) == (POLICY, "engagement grew")
    assert bonus_shown(list(video.anchor.evidence)).details["earned"] is True


def test_a_match_still_for_review_keeps_waiting_and_nothing_is_recorded() -> None:
    dune = UUID(int=5)
    video = a_video_waiting_for(dune)
    before = len(video.pending_events)
    decision, shown = FAVOURING.judged(video.proposals[dune].evidence, QUIET)

    assert video.rejudge_proposal(dune, decision, shown, reason="r", at=AT) is Decision.IGNORE
    assert len(video.pending_events) == before
    assert dune in video.proposals


def test_the_engagement_watch_only_moves_forward() -> None:
    watch = EngagementWatch.start(at=AT)
    watch.advance(10, videos=3, rejudged=1)
    with pytest.raises(InvalidValue):
        watch.advance(10, videos=1, rejudged=0)
    with pytest.raises(InvalidValue):
        watch.advance(11, videos=1, rejudged=2)
    assert (watch.position, watch.videos, watch.rejudged) == (10, 3, 1)
