"""The content categories videos are filed under. The list is data: programs read it from here."""

from __future__ import annotations

from domain.errors import InvalidValue

CATEGORIES: tuple[str, ...] = (
    "beauty",
    "fashion",
    "cooking",
    "gaming",
    "music",
    "dance",
    "comedy",
    "sports",
    "travel",
    "education",
    "pets",
    "film-and-tv",
)


def checked_category(value: str) -> str:
    category = value.strip().lower()
    if category not in CATEGORIES:
        raise InvalidValue(f"unknown category {value!r}; known: {', '.join(CATEGORIES)}")
    return category
