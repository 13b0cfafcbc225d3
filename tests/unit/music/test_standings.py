"""The published ranking formula, checked against a re-implementation written from its text.

``domain/music/standings.py`` documents the formula: popularity points are votes plus
``points_per_use`` per use; popularity is a round's points over the highest points (0 when
nobody has any); the judges' part is the mean score over 10 (0 without scores); the total
weighs popularity by ``popularity_percent``. Ties are broken by judges, then votes, then
uses (highest first), then by track id. The top ``cut`` advance. Everything is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from uuid import UUID

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.music.standings import MAX_SCORE, Standing, Tally, Weighting, rank_entries, shown

Entrants = list[tuple[UUID, str]]


@attrs.frozen
class Expected:
    """One entry as the published text computes it."""

    track_id: UUID
    points: int
    popularity: Fraction
    judges: Fraction
    total: Fraction
    votes: int
    uses: int


def published_formula(
    entrants: Sequence[tuple[UUID, str]], tallies: Mapping[UUID, Tally], weighting: Weighting
) -> list[Expected]:
    """The entries best first, computed and ordered from the documented rules, one by one."""
    zero = Tally()
    points = {
        track: tallies.get(track, zero).votes
        + weighting.points_per_use * tallies.get(track, zero).uses
        for track, _ in entrants
    }
    highest = 0
    for value in points.values():
        highest = max(highest, value)
    lines = []
    for track, _ in entrants:
        tally = tallies.get(track, zero)
        popularity = Fraction(0) if highest == 0 else Fraction(points[track]) / highest
        if tally.scores == 0:
            judges = Fraction(0)
        else:
            judges = (Fraction(tally.score_sum) / tally.scores) / MAX_SCORE
        share = Fraction(weighting.popularity_percent) / 100
        lines.append(
            Expected(
                track_id=track,
                points=points[track],
                popularity=popularity,
                judges=judges,
                total=share * popularity + (1 - share) * judges,
                votes=tally.votes,
                uses=tally.uses,
            )
        )
    # Stable sorts from the last tie-break to the first: the first key decides, the later
    # ones only order what it leaves tied.
    lines.sort(key=lambda line: str(line.track_id))
    lines.sort(key=lambda line: line.uses, reverse=True)
    lines.sort(key=lambda line: line.votes, reverse=True)
    lines.sort(key=lambda line: line.judges, reverse=True)
    lines.sort(key=lambda line: line.total, reverse=True)
    return lines


def rounded(value: Fraction) -> str:
    """Six decimal places, half to even, as shown to people."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return format(exact.quantize(Decimal("1e-6"), rounding=ROUND_HALF_EVEN), "f")


# Strategies -----------------------------------------------------------------------------------

#: Few distinct track ids, often sharing a long prefix, so ordering by id is exercised.
track_ids = st.one_of(
    st.uuids(),
    st.integers(min_value=0, max_value=50).map(lambda n: UUID(int=n)),
)


@st.composite
def tallies_of(draw: st.DrawFn) -> Tally:
    scores = draw(st.integers(min_value=0, max_value=4))
    return Tally(
        votes=draw(st.integers(min_value=0, max_value=12)),
        uses=draw(st.integers(min_value=0, max_value=3)),
        score_sum=draw(st.integers(min_value=0, max_value=scores * MAX_SCORE)),
        scores=scores,
    )


weightings = st.builds(
    Weighting,
    popularity_percent=st.one_of(
        st.sampled_from([0, 50, 100]), st.integers(min_value=0, max_value=100)
    ),
    points_per_use=st.one_of(st.sampled_from([0, 1, 10]), st.integers(min_value=0, max_value=1000)),
)


@st.composite
def fields(draw: st.DrawFn) -> tuple[Entrants, dict[UUID, Tally]]:
    """Entrants (track, artist) and tallies: some entrants have none, some tallies are for
    tracks that are not entered."""
    ids = draw(st.lists(track_ids, unique=True, max_size=12))
    entrants = [(track, f"artist-{n}") for n, track in enumerate(ids)]
    tallies: dict[UUID, Tally] = {}
    for track in ids:
        if draw(st.booleans()) or draw(st.booleans()):
            tallies[track] = draw(tallies_of())
    for stranger in draw(st.lists(track_ids, max_size=2)):
        if stranger not in tallies and stranger not in ids:
            tallies[stranger] = draw(tallies_of())
    return entrants, tallies


cuts = st.integers(min_value=1, max_value=15)


# Properties -----------------------------------------------------------------------------------


@settings(max_examples=300)
@given(field=fields(), weighting=weightings, cut=cuts)
def test_entries_are_ranked_one_to_n_each_once(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int
) -> None:
    entrants, tallies = field

    standings = rank_entries(entrants, tallies, weighting, cut)

    assert [s.rank for s in standings] == list(range(1, len(entrants) + 1))
    assert sorted(s.track_id for s in standings) == sorted(t for t, _ in entrants)
    assert {(s.track_id, s.artist_account) for s in standings} == set(entrants)


@settings(max_examples=300)
@given(field=fields(), weighting=weightings, cut=cuts, data=st.data())
def test_the_ranking_does_not_depend_on_the_order_entries_are_given_in(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int, data: st.DataObject
) -> None:
    entrants, tallies = field
    shuffled = data.draw(st.permutations(entrants))
    reordered_tallies = dict(reversed(list(tallies.items())))

    assert rank_entries(shuffled, reordered_tallies, weighting, cut) == rank_entries(
        entrants, tallies, weighting, cut
    )


@settings(max_examples=300)
@given(field=fields(), weighting=weightings, cut=cuts)
def test_exactly_the_cut_advances_and_they_are_the_best_placed(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int
) -> None:
    entrants, tallies = field

    standings = rank_entries(entrants, tallies, weighting, cut)

    advancing = [s for s in standings if s.advances]
    assert len(advancing) == min(cut, len(entrants))
    assert advancing == list(standings[: len(advancing)])


@settings(max_examples=500)
@given(field=fields(), weighting=weightings, cut=cuts)
def test_those_who_advance_are_the_top_of_the_published_formula(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int
) -> None:
    entrants, tallies = field

    standings = rank_entries(entrants, tallies, weighting, cut)
    expected = published_formula(entrants, tallies, weighting)

    assert [s.track_id for s in standings if s.advances] == [e.track_id for e in expected[:cut]]
    assert [s.track_id for s in standings] == [e.track_id for e in expected]


@settings(max_examples=300)
@given(field=fields(), weighting=weightings, cut=cuts)
def test_every_standing_shows_the_components_of_its_score(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int
) -> None:
    entrants, tallies = field

    standings = rank_entries(entrants, tallies, weighting, cut)
    expected = {e.track_id: e for e in published_formula(entrants, tallies, weighting)}

    for standing in standings:
        line = expected[standing.track_id]
        tally = tallies.get(standing.track_id, Tally())
        assert (standing.votes, standing.uses) == (tally.votes, tally.uses)
        assert (standing.judges_scores, standing.judges_sum) == (tally.scores, tally.score_sum)
        assert standing.popularity_points == line.points
        assert standing.popularity == rounded(line.popularity)
        assert standing.judges == rounded(line.judges)
        assert standing.total == rounded(line.total)


@settings(max_examples=300)
@given(field=fields(), weighting=weightings, cut=cuts, data=st.data())
def test_one_more_vote_never_lowers_an_entry(
    field: tuple[Entrants, dict[UUID, Tally]], weighting: Weighting, cut: int, data: st.DataObject
) -> None:
    entrants, tallies = field
    if not entrants:
        return
    backed, _ = data.draw(st.sampled_from(entrants))
    before = tallies.get(backed, Tally())
    more = {**tallies, backed: attrs.evolve(before, votes=before.votes + 1)}

    def rank_of(counted: Mapping[UUID, Tally]) -> int:
        standings = rank_entries(entrants, counted, weighting, cut)
        return next(s.rank for s in standings if s.track_id == backed)

    assert rank_of(more) <= rank_of(tallies)


# Examples -------------------------------------------------------------------------------------

A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
ENTRANTS = [(A, "mina"), (B, "joon"), (C, "hana")]


def order(standings: Sequence[Standing]) -> list[UUID]:
    return [s.track_id for s in standings]


def test_ties_on_the_total_go_to_the_judges_then_votes_then_uses_then_the_track_id() -> None:
    even = Weighting(popularity_percent=50, points_per_use=1)
    # Every total is 1/2 (popularity x 1/2 + judges x 1/2); only the judges' part differs.
    tallies = {
        A: Tally(votes=0, uses=0, score_sum=10, scores=1),  # 0 + 1/2 x 1
        B: Tally(votes=2, uses=0, score_sum=5, scores=1),  # 1/2 x 1/2 + 1/2 x 1/2
        C: Tally(votes=4, uses=0, score_sum=0, scores=1),  # 1/2 x 1 + 0
    }

    assert order(rank_entries(ENTRANTS, tallies, even, 1)) == [A, B, C]
    assert {s.total for s in rank_entries(ENTRANTS, tallies, even, 1)} == {"0.500000"}


def test_equal_totals_and_judges_go_to_the_most_votes_then_uses() -> None:
    by_uses = Weighting(popularity_percent=100, points_per_use=2)
    tallies = {A: Tally(votes=2, uses=1), B: Tally(votes=4, uses=0), C: Tally(votes=0, uses=2)}

    assert order(rank_entries(ENTRANTS, tallies, by_uses, 3)) == [B, A, C]
    uses_only_break_ties = Weighting(popularity_percent=100, points_per_use=0)
    same_votes = {A: Tally(votes=2, uses=1), B: Tally(votes=2), C: Tally(votes=2, uses=3)}
    assert order(rank_entries(ENTRANTS, same_votes, uses_only_break_ties, 3)) == [C, A, B]


def test_complete_ties_go_to_the_lower_track_id() -> None:
    standings = rank_entries([(C, "hana"), (A, "mina"), (B, "joon")], {}, Weighting(), 2)

    assert order(standings) == [A, B, C]
    assert [s.advances for s in standings] == [True, True, False]
    assert {s.total for s in standings} == {"0.000000"}


def test_nobody_with_points_means_popularity_counts_nothing_for_anyone() -> None:
    standings = rank_entries(ENTRANTS, {B: Tally(score_sum=3, scores=1)}, Weighting(), 1)

    assert order(standings) == [B, A, C]
    assert standings[0].popularity == "0.000000"
    assert standings[0].total == "0.150000"


def test_shown_values_are_rounded_half_to_even_for_people() -> None:
    assert shown(Fraction(1, 3)) == "0.333333"
    assert shown(Fraction(2, 3)) == "0.666667"
    assert shown(Fraction(1, 2_000_000)) == "0.000000"
    assert shown(Fraction(3, 2_000_000)) == "0.000002"
    assert shown(Fraction(1)) == "1.000000"


def test_a_cut_keeps_at_least_one_entry() -> None:
    with pytest.raises(InvalidValue, match="at least one"):
        rank_entries(ENTRANTS, {}, Weighting(), 0)


def test_a_round_without_entries_has_no_standings() -> None:
    assert rank_entries([], {A: Tally(votes=3)}, Weighting(), 3) == ()


@pytest.mark.parametrize(
    "values",
    [
        {"votes": -1},
        {"uses": -1},
        {"score_sum": -1, "scores": 1},
        {"scores": -1},
        {"score_sum": 11, "scores": 1},
    ],
)
def test_a_tally_never_counts_below_zero_nor_beyond_its_scores(values: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        Tally(**values)


@pytest.mark.parametrize(
    "values",
    [
        {"popularity_percent": -1},
        {"popularity_percent": 101},
        {"popularity_percent": True},
        {"points_per_use": -1},
        {"points_per_use": 1001},
        {"points_per_use": False},
    ],
)
def test_a_weighting_is_published_within_its_bounds(values: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        Weighting(**values)
