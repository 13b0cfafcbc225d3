"""A partner's rising artists across seasons: one line per artist, its showings season by
season, a track's uses counted once however many seasons it entered, a final won counted
as a win; those who came back most, won most and were voted for most come first."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

import attrs

from application.music.music_views import (
    ADVANCED,
    ELIMINATED,
    NOT_ENTERED,
    PENDING,
    WON,
    Byline,
    RisingArtist,
    RoundStanding,
)
from application.music.partner_rising import across_csv, across_seasons, furthest
from domain.music.rounds import RoundStatus


@attrs.frozen
class Season:
    """What the view reads of a season."""

    id: UUID
    name: str


SPRING, AUTUMN = Season(UUID(int=1), "Spring"), Season(UUID(int=2), "Autumn")
TRACK_A, TRACK_B, TRACK_C = UUID(int=10), UUID(int=11), UUID(int=12)


def standings(*outcomes: str) -> tuple[RoundStanding, ...]:
    return tuple(
        RoundStanding(
            round_id=UUID(int=100 + number),
            number=number,
            name=f"Round {number}",
            status=RoundStatus.CLOSED,
            final=number == len(outcomes),
            outcome=outcome,
        )
        for number, outcome in enumerate(outcomes, start=1)
    )


def entered(account: str, track: UUID, uses: int, votes: int, *outcomes: str) -> RisingArtist:
    return RisingArtist(
        artist=Byline(account=account, name=account.title(), verified=False),
        region="JP",
        track_id=track,
        title=f"Song {track.int}",
        genre="pop",
        uses=uses,
        votes=votes,
        rounds=standings(*outcomes),
    )


def test_an_artist_that_came_back_and_won_comes_first_with_its_uses_counted_once() -> None:
    fields: list[tuple[Any, list[RisingArtist]]] = [
        (
            SPRING,
            [
                entered("aiko", TRACK_A, 40, 90, ADVANCED, ELIMINATED),
                entered("kenji", TRACK_B, 5, 10, ADVANCED, ADVANCED),
            ],
        ),
        (
            AUTUMN,
            [
                entered("kenji", TRACK_B, 7, 30, ADVANCED, WON),
                entered("mio", TRACK_C, 99, 500, PENDING, NOT_ENTERED),
            ],
        ),
    ]

    kenji, mio, aiko = across_seasons(fields)

    assert (kenji.artist.account, kenji.seasons, kenji.wins, kenji.votes) == ("kenji", 2, 1, 40)
    assert kenji.uses == 7  # the same track in both seasons: its uses now, once
    assert [(s.season_name, s.outcome, s.rounds_reached) for s in kenji.showings] == [
        ("Spring", ADVANCED, 2),
        ("Autumn", WON, 2),
    ]
    # One season each: mio has no win but more votes than aiko.
    assert (mio.artist.account, aiko.artist.account) == ("mio", "aiko")
    assert furthest(standings(PENDING, NOT_ENTERED)) == PENDING
    assert furthest(standings(NOT_ENTERED)) == NOT_ENTERED
    lines = list(csv.DictReader(io.StringIO("".join(across_csv((kenji,))))))
    assert lines[0]["showings"] == "Spring:Song 11:advanced | Autumn:Song 11:won"
    assert (lines[0]["seasons"], lines[0]["wins"], lines[0]["uses"]) == ("2", "1", "7")


def test_no_season_gives_no_artist_and_a_header_alone() -> None:
    assert across_seasons([]) == ()
    assert "".join(across_csv(())).splitlines() == [
        "artist,name,verified,region,seasons,wins,votes,uses,showings"
    ]
