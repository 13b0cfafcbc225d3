"""A title's engagement rule: more engaging videos are more likely to get an anchor. Below
the rule's minimums a match that would attach goes to a reviewer; the rule and the figure
it was held to are part of the evidence either way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from domain.anchors.engagement import Engagement
from domain.anchors.matching import (
    Decision,
    EngagementRule,
    MatchPolicy,
    Signal,
    SignalEvidence,
)
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight

STRONG_AUDIO = SignalEvidence(signal=Signal.AUDIO, score=0.9, matched_seconds=10)
WEAK_AUDIO = SignalEvidence(signal=Signal.AUDIO, score=0.25, matched_seconds=10)
RULE = EngagementRule(min_views=1_000, min_likes=50)
AT = datetime(2025, 3, 1, tzinfo=UTC)
POLICY = MatchPolicy(engagement=RULE)

counts = st.integers(min_value=0, max_value=10**7)
engagements = st.builds(Engagement, views=counts, likes=counts, shares=counts, comments=counts)
evidence = st.lists(
    st.builds(
        SignalEvidence,
        signal=st.sampled_from([Signal.TEXT, Signal.AUDIO, Signal.VISUAL]),
        score=st.floats(0, 1),
        matched_seconds=st.floats(0, 60),
    ),
    max_size=4,
)
rules = st.builds(EngagementRule, min_views=counts, min_likes=counts)
RANK = {Decision.IGNORE: 0, Decision.REVIEW: 1, Decision.ATTACH: 2}


def test_a_popular_enough_video_attaches_and_a_quiet_one_goes_to_review() -> None:
    popular = Engagement(views=1_000, likes=50)
    quiet = Engagement(views=999, likes=500)

    attached, shown = POLICY.judged([STRONG_AUDIO], popular)
    reviewed, shown_quiet = POLICY.judged([STRONG_AUDIO], quiet)

    assert (attached, reviewed) == (Decision.ATTACH, Decision.REVIEW)
    [figure] = [f for f in shown_quiet if f.signal is Signal.ENGAGEMENT]
    assert figure.details["rule"] == RULE.describe()
    assert (figure.details["views"], figure.details["likes"], figure.details["met"]) == (
        999,
        500,
        False,
    )
    assert next(f for f in shown if f.signal is Signal.ENGAGEMENT).details["met"] is True


def test_without_a_rule_engagement_plays_no_part_and_is_not_shown() -> None:
    decision, shown = MatchPolicy().judged([STRONG_AUDIO], Engagement())
    assert decision is Decision.ATTACH
    assert shown == [STRONG_AUDIO]


@given(rule=rules, found=evidence, engagement=engagements)
def test_engagement_never_makes_a_match_stronger_than_its_signals(
    rule: EngagementRule, found: list[SignalEvidence], engagement: Engagement
) -> None:
    policy = MatchPolicy(engagement=rule)
    decision, shown = policy.judged(found, engagement)

    assert RANK[decision] <= RANK[policy.decide(found)]
    if rule.met_by(engagement):
        assert decision is policy.decide(found)
    else:
        assert decision is not Decision.ATTACH
    assert [f.signal for f in shown].count(Signal.ENGAGEMENT) == 1


@given(rule=rules, engagement=engagements, more=engagements)
def test_more_engagement_never_weakens_the_decision(
    rule: EngagementRule, engagement: Engagement, more: Engagement
) -> None:
    policy = MatchPolicy(engagement=rule)
    before, _ = policy.judged([STRONG_AUDIO, WEAK_AUDIO], engagement)
    after, _ = policy.judged([STRONG_AUDIO, WEAK_AUDIO], engagement + more)
    assert RANK[after] >= RANK[before]


@pytest.mark.parametrize("fields", [{"min_views": -1}, {"min_likes": 1.5}, {"min_views": True}])
def test_a_rule_counts_whole_numbers(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidValue):
        EngagementRule(**fields)


def test_a_policy_stored_before_the_rule_reads_back_without_one(core: Spotlight) -> None:
    title = Title.register(
        UUID(int=5),
        studio_id="legendary",
        name="Dune",
        kind=TitleKind.MOVIE,
        portal=Portal(),
        at=AT,
    )
    title.set_policy(MatchPolicy(engagement=RULE), by="studio:legendary", at=AT)
    mapper = core._catalogue.mapper
    stored = mapper.to_stored_event(title.collect_events()[-1])
    # Its version-1 form: no class_version, and a policy without the engagement field.
    state = json.loads(stored.state)
    assert state.pop("class_version") == 3
    state["policy"]["_data_"].pop("engagement")
    state["policy"]["_data_"].pop("engagement_bonus")
    v1 = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )

    event: Any = mapper.to_domain_event(v1)

    assert isinstance(event, Title.MatchPolicySet)
    assert event.policy == MatchPolicy()
    current: Any = mapper.to_domain_event(stored)
    assert current.policy.engagement == RULE
