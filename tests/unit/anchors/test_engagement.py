"""Engagement counters: views, likes, shares and comments only ever add up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue


def test_engagement_starts_at_zero_everywhere() -> None:
    nothing = Engagement()

    assert (nothing.views, nothing.likes, nothing.shares, nothing.comments) == (0, 0, 0, 0)
    assert nothing.is_empty


def test_two_engagement_updates_add_counter_by_counter() -> None:
    morning = Engagement(views=100, likes=10)
    evening = Engagement(views=50, shares=2, comments=1)

    assert morning + evening == Engagement(views=150, likes=10, shares=2, comments=1)


def test_an_engagement_with_any_counter_set_is_not_empty() -> None:
    assert not Engagement(comments=1).is_empty


@pytest.mark.parametrize("counter", ["views", "likes", "shares", "comments"])
def test_no_counter_can_be_negative(counter: str) -> None:
    with pytest.raises(InvalidValue, match=f"{counter} cannot be negative"):
        Engagement(**{counter: -1})


counts = st.integers(min_value=0, max_value=10**12)
engagements = st.builds(Engagement, views=counts, likes=counts, shares=counts, comments=counts)


@given(engagements, engagements, engagements)
def test_the_order_in_which_engagement_arrives_does_not_matter(
    first: Engagement, second: Engagement, third: Engagement
) -> None:
    assert (first + second) + third == first + (second + third)
    assert first + second == second + first
    assert first + Engagement() == first
