"""A label partner's view of rising artists across seasons: each artist entered in the
partner's seasons, with its showing in every one of them (track, uses, votes, how far it
went) and its figures summed, so a label sees who keeps coming back and going further.

Built from the per-season field (``Competition.season_field``: the music read model's rows
and the rounds' standings), season by season in the order announced; an artist is one line,
however many seasons and tracks. The figures: seasons entered, wins (a final won), votes (over
all its seasons' rounds), uses (each track counted once, however many seasons it entered).
Ordered by seasons entered, then wins, then votes (most first), then account.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import attrs

from application.music.music_views import (
    NOT_ENTERED,
    WON,
    Byline,
    RisingArtist,
    RoundStanding,
    SeasonView,
)

HEADER = (
    "artist",
    "name",
    "verified",
    "region",
    "seasons",
    "wins",
    "votes",
    "uses",
    "showings",
)


def furthest(rounds: Iterable[RoundStanding]) -> str:
    """The outcome of the last round the entry reached (``not-entered`` for none)."""
    reached = [standing for standing in rounds if standing.outcome != NOT_ENTERED]
    return reached[-1].outcome if reached else NOT_ENTERED


@attrs.frozen
class SeasonShowing:
    """An artist's entry in one season: the track, its reach, and how far it went."""

    season_id: str
    season_name: str
    track_id: str
    title: str
    genre: str | None
    uses: int
    votes: int
    outcome: str  # the outcome of the last round it reached
    rounds_reached: int


@attrs.frozen
class RisingAcrossSeasons:
    """An artist as a partner sees it over the partner's seasons."""

    artist: Byline
    region: str
    showings: tuple[SeasonShowing, ...]  # in the order the seasons were announced

    @property
    def seasons(self) -> int:
        return len({showing.season_id for showing in self.showings})

    @property
    def wins(self) -> int:
        return sum(1 for showing in self.showings if showing.outcome == WON)

    @property
    def votes(self) -> int:
        return sum(showing.votes for showing in self.showings)

    @property
    def uses(self) -> int:
        """Videos using its tracks, each track counted once."""
        by_track = {showing.track_id: showing.uses for showing in self.showings}
        return sum(by_track.values())


@attrs.frozen
class PartnerRising:
    """The partners read for, the seasons they are named on, and the artists entered."""

    partners: tuple[str, ...]
    seasons: tuple[SeasonView, ...]
    artists: tuple[RisingAcrossSeasons, ...]


def across_seasons(
    fields: Iterable[tuple[SeasonView, Iterable[RisingArtist]]],
) -> tuple[RisingAcrossSeasons, ...]:
    """One line per artist over the seasons' fields (given in the order announced)."""
    showings: dict[str, list[SeasonShowing]] = {}
    first: dict[str, RisingArtist] = {}
    for season, field in fields:
        for entered in field:
            account = entered.artist.account
            first.setdefault(account, entered)
            showings.setdefault(account, []).append(
                SeasonShowing(
                    season_id=str(season.id),
                    season_name=season.name,
                    track_id=str(entered.track_id),
                    title=entered.title,
                    genre=entered.genre,
                    uses=entered.uses,
                    votes=entered.votes,
                    outcome=furthest(entered.rounds),
                    rounds_reached=sum(1 for r in entered.rounds if r.outcome != NOT_ENTERED),
                )
            )
    artists = [
        RisingAcrossSeasons(
            artist=first[account].artist,
            region=first[account].region,
            showings=tuple(found),
        )
        for account, found in showings.items()
    ]
    artists.sort(key=lambda a: (-a.seasons, -a.wins, -a.votes, a.artist.account))
    return tuple(artists)


def _line(values: tuple[object, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def across_csv(artists: Iterable[RisingAcrossSeasons]) -> Iterator[str]:
    """The header and a line per artist; ``showings`` as ``season name:track title:outcome``
    joined with `` | ``."""
    yield _line(HEADER)
    for artist in artists:
        yield _line(
            (
                artist.artist.account,
                artist.artist.name,
                "yes" if artist.artist.verified else "no",
                artist.region,
                artist.seasons,
                artist.wins,
                artist.votes,
                artist.uses,
                " | ".join(f"{s.season_name}:{s.title}:{s.outcome}" for s in artist.showings),
            )
        )
