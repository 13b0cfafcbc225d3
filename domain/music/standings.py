"""How a competition round ranks its entries: the published formula, in exact arithmetic.

For each entry:

- popularity points  = votes + points_per_use x uses (videos found using the track);
- popularity         = popularity points / the highest popularity points in the round
                       (0 for everyone when nobody has any);
- judges             = the mean of the judges' scores / MAX_SCORE (0 when nobody scored it);
- total              = w x popularity + (1 - w) x judges, with w = popularity_percent / 100.

Entries are ranked by total, then judges, then votes, then uses (all highest first), then by
track id: every tie is broken, so the same tallies always give the same ranking. The top
``cut`` entries advance. All arithmetic is on fractions; the decimal strings shown are
rounded for people, never used to rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from uuid import UUID

import attrs

from domain.errors import InvalidValue

MIN_SCORE = 0
MAX_SCORE = 10
SHOWN_PLACES = Decimal("0.000001")


def _percent(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not 0 <= value <= 100:
        raise InvalidValue(f"popularity_percent lies between 0 and 100, not {value}")


def _points(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not 0 <= value <= 1000:
        raise InvalidValue(f"points_per_use lies between 0 and 1000, not {value}")


@attrs.frozen
class Weighting:
    """The published weights of a season: popularity against the judges' panel."""

    popularity_percent: int = attrs.field(default=50, validator=_percent)
    points_per_use: int = attrs.field(default=10, validator=_points)


@attrs.frozen
class Tally:
    """What was counted for one entry when its round closed."""

    votes: int = 0
    uses: int = 0
    score_sum: int = 0
    scores: int = 0

    def __attrs_post_init__(self) -> None:
        if min(self.votes, self.uses, self.score_sum, self.scores) < 0:
            raise InvalidValue("a tally never counts below zero")
        if self.score_sum > self.scores * MAX_SCORE:
            raise InvalidValue("a tally's score sum exceeds its scores' range")


@attrs.frozen
class Standing:
    """One entry's line in a round's result, with every component of its score."""

    rank: int
    track_id: UUID
    artist_account: str
    votes: int
    uses: int
    popularity_points: int
    judges_scores: int
    judges_sum: int
    popularity: str  # decimal, rounded for display
    judges: str
    total: str
    advances: bool


@attrs.frozen
class _Line:
    track_id: UUID
    artist_account: str
    tally: Tally
    points: int
    popularity: Fraction
    judges: Fraction
    total: Fraction


def rank_entries(
    entrants: Sequence[tuple[UUID, str]],
    tallies: Mapping[UUID, Tally],
    weighting: Weighting,
    cut: int,
) -> tuple[Standing, ...]:
    """The standings of ``entrants`` (track id, artist account), best first."""
    if cut < 1:
        raise InvalidValue("a cut keeps at least one entry")
    counted = {track_id: tallies.get(track_id, Tally()) for track_id, _ in entrants}
    points = {t: c.votes + weighting.points_per_use * c.uses for t, c in counted.items()}
    top = max(points.values(), default=0)
    weight = Fraction(weighting.popularity_percent, 100)
    lines = []
    for track_id, artist in entrants:
        tally = counted[track_id]
        popularity = Fraction(points[track_id], top) if top else Fraction(0)
        judges = (
            Fraction(tally.score_sum, tally.scores * MAX_SCORE) if tally.scores else Fraction(0)
        )
        lines.append(
            _Line(
                track_id=track_id,
                artist_account=artist,
                tally=tally,
                points=points[track_id],
                popularity=popularity,
                judges=judges,
                total=weight * popularity + (1 - weight) * judges,
            )
        )
    lines.sort(
        key=lambda line: (
            -line.total,
            -line.judges,
            -line.tally.votes,
            -line.tally.uses,
            str(line.track_id),
        )
    )
    return tuple(
        Standing(
            rank=position,
            track_id=line.track_id,
            artist_account=line.artist_account,
            votes=line.tally.votes,
            uses=line.tally.uses,
            popularity_points=line.points,
            judges_scores=line.tally.scores,
            judges_sum=line.tally.score_sum,
            popularity=shown(line.popularity),
            judges=shown(line.judges),
            total=shown(line.total),
            advances=position <= cut,
        )
        for position, line in enumerate(lines, start=1)
    )


@attrs.frozen
class PopularityStanding:
    """One entry's popularity while its round is open, as the formula will count it: no
    judges' part (their scores stay hidden until the close)."""

    rank: int
    track_id: UUID
    artist_account: str
    votes: int
    uses: int
    popularity_points: int
    popularity: str  # decimal, rounded for display


def popularity_standings(
    entrants: Sequence[tuple[UUID, str]],
    tallies: Mapping[UUID, Tally],
    weighting: Weighting,
) -> tuple[PopularityStanding, ...]:
    """The popularity part of the formula for ``entrants`` so far, highest first (then votes,
    then uses, then track id): what ``rank_entries`` will weigh by ``popularity_percent``. The
    tallies' scores are never read."""
    counted = {track_id: tallies.get(track_id, Tally()) for track_id, _ in entrants}
    points = {t: c.votes + weighting.points_per_use * c.uses for t, c in counted.items()}
    top = max(points.values(), default=0)
    ordered = sorted(
        entrants,
        key=lambda entry: (
            -points[entry[0]],
            -counted[entry[0]].votes,
            -counted[entry[0]].uses,
            str(entry[0]),
        ),
    )
    return tuple(
        PopularityStanding(
            rank=position,
            track_id=track_id,
            artist_account=artist,
            votes=counted[track_id].votes,
            uses=counted[track_id].uses,
            popularity_points=points[track_id],
            popularity=shown(Fraction(points[track_id], top) if top else Fraction(0)),
        )
        for position, (track_id, artist) in enumerate(ordered, start=1)
    )


def shown(value: Fraction) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(SHOWN_PLACES, rounding=ROUND_HALF_EVEN))
