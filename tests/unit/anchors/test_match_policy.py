"""A title's match policy turns the engines' evidence into attach, review or ignore."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.anchors.matching import (
    Decision,
    MatchPolicy,
    Signal,
    SignalEvidence,
    SignalRule,
    TimeRange,
)
from domain.errors import InvalidValue

# The default policy: text reviews from 0.5 and never attaches; audio reviews from 0.2 and
# attaches from 0.4 over 4 s; visual reviews from 0.2 and attaches from 0.45 over 3 s.
DEFAULT = MatchPolicy()


def heard(score: float, seconds: float = 10.0) -> SignalEvidence:
    return SignalEvidence(signal=Signal.AUDIO, score=score, matched_seconds=seconds)


def seen(score: float, seconds: float = 10.0) -> SignalEvidence:
    return SignalEvidence(signal=Signal.VISUAL, score=score, matched_seconds=seconds)


def read(score: float) -> SignalEvidence:
    return SignalEvidence(signal=Signal.TEXT, score=score)


# One signal -----------------------------------------------------------------------------------


def test_no_evidence_at_all_is_ignored() -> None:
    assert DEFAULT.decide([]) is Decision.IGNORE


def test_a_soundtrack_heard_strongly_for_long_enough_attaches() -> None:
    assert DEFAULT.decide([heard(0.4, seconds=4.0)]) is Decision.ATTACH


def test_a_strong_score_over_too_short_a_match_does_not_attach() -> None:
    assert DEFAULT.decide([heard(0.95, seconds=3.9)]) is not Decision.ATTACH


def test_a_match_shorter_than_the_minimum_does_not_count_at_all() -> None:
    assert DEFAULT.decide([heard(0.95, seconds=3.9)]) is Decision.IGNORE
    assert DEFAULT.decide([seen(0.95, seconds=2.9)]) is Decision.IGNORE


def test_a_score_between_review_and_attach_goes_to_a_reviewer() -> None:
    assert DEFAULT.decide([heard(0.39)]) is Decision.REVIEW
    assert DEFAULT.decide([seen(0.2)]) is Decision.REVIEW


def test_a_score_below_review_is_ignored() -> None:
    assert DEFAULT.decide([heard(0.19)]) is Decision.IGNORE


def test_an_attach_score_is_reached_from_its_threshold_on() -> None:
    policy = MatchPolicy(visual=SignalRule(review_at=0.3, attach_at=0.6, min_seconds=2.0))

    assert policy.decide([seen(0.59, seconds=2.0)]) is Decision.REVIEW
    assert policy.decide([seen(0.6, seconds=2.0)]) is Decision.ATTACH
    assert policy.decide([seen(0.6, seconds=1.99)]) is Decision.IGNORE


def test_text_alone_never_attaches_by_default_however_strong() -> None:
    assert DEFAULT.decide([read(1.0)]) is Decision.REVIEW
    assert DEFAULT.decide([read(1.0), read(1.0)]) is Decision.REVIEW


def test_text_below_its_review_score_is_ignored() -> None:
    assert DEFAULT.decide([read(0.49)]) is Decision.IGNORE


def test_a_studio_may_let_text_attach_on_its_own() -> None:
    policy = MatchPolicy(text=SignalRule(review_at=0.5, attach_at=0.9))

    assert policy.decide([read(0.9)]) is Decision.ATTACH
    assert policy.decide([read(0.89)]) is Decision.REVIEW


def test_one_attaching_finding_decides_whatever_else_is_found() -> None:
    assert DEFAULT.decide([read(0.1), seen(0.05), heard(0.5)]) is Decision.ATTACH


# Corroboration --------------------------------------------------------------------------------


def test_two_different_signals_each_reaching_review_attach_together() -> None:
    assert DEFAULT.decide([read(0.6), heard(0.3)]) is Decision.ATTACH
    assert DEFAULT.decide([heard(0.3), seen(0.3)]) is Decision.ATTACH


def test_corroboration_needs_both_signals_to_reach_review() -> None:
    assert DEFAULT.decide([read(0.6), heard(0.1)]) is Decision.REVIEW


def test_a_too_short_match_does_not_corroborate() -> None:
    assert DEFAULT.decide([read(0.6), heard(0.3, seconds=1.0)]) is Decision.REVIEW


def test_without_corroboration_two_reviewable_signals_still_go_to_review() -> None:
    policy = MatchPolicy(corroboration_attaches=False)

    assert policy.decide([read(0.6), heard(0.3), seen(0.3)]) is Decision.REVIEW


def test_two_findings_of_the_same_signal_do_not_corroborate_each_other() -> None:
    assert DEFAULT.decide([heard(0.3), heard(0.35)]) is Decision.REVIEW
    assert DEFAULT.decide([read(0.6), read(0.7)]) is Decision.REVIEW


# Rules ----------------------------------------------------------------------------------------


def test_a_rule_cannot_attach_below_the_score_that_sends_it_to_review() -> None:
    with pytest.raises(InvalidValue, match="cannot attach below"):
        SignalRule(review_at=0.5, attach_at=0.4)


def test_a_rule_may_attach_at_exactly_its_review_score() -> None:
    assert SignalRule(review_at=0.5, attach_at=0.5).attach_at == 0.5


@pytest.mark.parametrize(
    ("review_at", "attach_at"),
    [(-0.1, None), (1.01, None), (0.2, 1.5), (0.0, -0.5)],
)
def test_rule_scores_lie_between_zero_and_one(review_at: float, attach_at: float | None) -> None:
    with pytest.raises(InvalidValue):
        SignalRule(review_at=review_at, attach_at=attach_at)


def test_a_rule_refuses_a_negative_minimum_duration() -> None:
    with pytest.raises(InvalidValue, match="min_seconds cannot be negative"):
        SignalRule(review_at=0.2, min_seconds=-1.0)


@pytest.mark.parametrize("score", [-0.01, 1.01])
def test_evidence_scores_lie_between_zero_and_one(score: float) -> None:
    with pytest.raises(InvalidValue, match="score must lie between 0 and 1"):
        SignalEvidence(signal=Signal.AUDIO, score=score)


def test_evidence_names_its_signal_by_plain_name() -> None:
    assert SignalEvidence(signal="visual", score=0.5).signal is Signal.VISUAL


def test_each_signal_is_judged_by_its_own_rule() -> None:
    assert DEFAULT.rule_for(Signal.TEXT) == DEFAULT.text
    assert DEFAULT.rule_for(Signal.AUDIO) == DEFAULT.audio
    assert DEFAULT.rule_for(Signal.VISUAL) == DEFAULT.visual


# Time ranges ----------------------------------------------------------------------------------


def test_a_time_range_covers_its_start_but_not_its_end() -> None:
    opening_credits = TimeRange(start=0.0, end=12.5)

    assert opening_credits.covers(0.0)
    assert opening_credits.covers(12.49)
    assert not opening_credits.covers(12.5)
    assert not opening_credits.covers(-0.01)


def test_a_time_range_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidValue, match="must end after it starts"):
        TimeRange(start=5.0, end=5.0)
    with pytest.raises(InvalidValue, match="must end after it starts"):
        TimeRange(start=5.0, end=4.0)


def test_a_time_range_cannot_start_before_the_media() -> None:
    with pytest.raises(InvalidValue, match="start cannot be negative"):
        TimeRange(start=-1.0, end=4.0)


# Monotonicity ---------------------------------------------------------------------------------

RANK = {Decision.IGNORE: 0, Decision.REVIEW: 1, Decision.ATTACH: 2}
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
seconds = st.floats(min_value=0.0, max_value=30.0, allow_nan=False)


@st.composite
def rules(draw: st.DrawFn) -> SignalRule:
    review_at = draw(unit)
    attach_at = draw(st.none() | st.floats(min_value=review_at, max_value=1.0))
    return SignalRule(review_at=review_at, attach_at=attach_at, min_seconds=draw(seconds))


policies = st.builds(
    MatchPolicy, text=rules(), audio=rules(), visual=rules(), corroboration_attaches=st.booleans()
)
findings = st.lists(
    st.builds(
        SignalEvidence, signal=st.sampled_from(list(Signal)), score=unit, matched_seconds=seconds
    ),
    min_size=1,
    max_size=5,
)


@given(policy=policies, evidence=findings, which=st.integers(min_value=0), lift=unit)
def test_raising_a_score_never_weakens_the_decision(
    policy: MatchPolicy, evidence: list[SignalEvidence], which: int, lift: float
) -> None:
    index = which % len(evidence)
    finding = evidence[index]
    stronger = SignalEvidence(
        signal=finding.signal,
        score=min(1.0, finding.score + (1.0 - finding.score) * lift),
        matched_seconds=finding.matched_seconds,
    )
    raised = [*evidence[:index], stronger, *evidence[index + 1 :]]

    assert RANK[policy.decide(raised)] >= RANK[policy.decide(evidence)]


@given(policy=policies, evidence=findings, extra=findings)
def test_more_evidence_never_weakens_the_decision(
    policy: MatchPolicy, evidence: list[SignalEvidence], extra: list[SignalEvidence]
) -> None:
    assert RANK[policy.decide([*evidence, *extra])] >= RANK[policy.decide(evidence)]


@given(policy=policies, evidence=findings)
def test_the_order_of_the_findings_does_not_matter(
    policy: MatchPolicy, evidence: list[SignalEvidence]
) -> None:
    assert policy.decide(list(reversed(evidence))) is policy.decide(evidence)


@pytest.mark.parametrize("nonsense", [math.nan, math.inf])
def test_durations_and_ranges_must_be_finite_numbers(nonsense: float) -> None:
    with pytest.raises(InvalidValue, match="finite"):
        TimeRange(start=nonsense, end=4.0)
    with pytest.raises(InvalidValue):
        TimeRange(start=0.0, end=nonsense)
    with pytest.raises(InvalidValue, match="finite"):
        SignalRule(review_at=0.2, min_seconds=nonsense)
    with pytest.raises(InvalidValue):
        SignalEvidence(signal=Signal.AUDIO, score=nonsense)
