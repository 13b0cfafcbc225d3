"""A season's field as CSV for its partners: one line per artist entered, with the figures
``Competition.season_field`` reads, every page of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from application.music.music_views import RisingArtist
from application.paging import Page

HEADER = (
    "artist",
    "name",
    "verified",
    "region",
    "track_id",
    "title",
    "genre",
    "uses",
    "votes",
    "rounds",
)
#: Lines read at a time from the read model while writing the file.
CSV_PAGE = 500


def _line(values: tuple[object, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def _rounds(artist: RisingArtist) -> str:
    """``1:advanced 2:won`` : the entry's outcome round by round."""
    return " ".join(f"{standing.number}:{standing.outcome}" for standing in artist.rounds)


def field_csv(
    first: Page[RisingArtist], more: Callable[[str], Page[RisingArtist]]
) -> Iterator[str]:
    """The header and a line per artist of ``first`` and of every page after it (``more``
    reads the page a cursor names). The first page is read before this is called, so a
    refusal comes before any byte of the file."""
    yield _line(HEADER)
    page = first
    while True:
        for artist in page.items:
            yield _line(
                (
                    artist.artist.account,
                    artist.artist.name,
                    "yes" if artist.artist.verified else "no",
                    artist.region,
                    str(artist.track_id),
                    artist.title,
                    artist.genre or "",
                    artist.uses,
                    artist.votes,
                    _rounds(artist),
                )
            )
        if page.next_cursor is None:
            return
        page = more(page.next_cursor)
