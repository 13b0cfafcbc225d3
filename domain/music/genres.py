"""The genres an artist may file a track under: a closed list, so that the featured playlist
can be filtered on them and a misspelt genre is refused rather than a list of its own."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidValue


class Genre(StrEnum):
    """A track's genre; the values are stable (clients filter the playlist on them)."""

    POP = "pop"
    ROCK = "rock"
    HIP_HOP = "hip-hop"
    R_AND_B = "r-and-b"
    ELECTRONIC = "electronic"
    JAZZ = "jazz"
    CLASSICAL = "classical"
    FOLK = "folk"
    COUNTRY = "country"
    LATIN = "latin"
    METAL = "metal"
    SOUNDTRACK = "soundtrack"
    AMBIENT = "ambient"
    WORLD = "world"
    OTHER = "other"


def checked_genre(value: str | None) -> Genre | None:
    """The genre ``value`` names (none when it names none); any other name is refused."""
    if value is None:
        return None
    try:
        return Genre(value.strip().lower())
    except ValueError:
        raise InvalidValue(
            f"a genre is one of {[genre.value for genre in Genre]}, not {value!r}"
        ) from None
