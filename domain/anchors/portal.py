"""Value objects of a title's portal: where a viewer goes from an anchored video."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import attrs

from domain.errors import InvalidValue
from domain.text import checked_free_text, checked_line

MAX_TEXT = 200
MAX_BIO = 2_000
MAX_LINKS = 50


def _checked_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(value) > 2_048:
        raise InvalidValue(f"not an absolute http(s) link: {value!r}")
    return value


def _checked_text(field: str, value: str, limit: int = MAX_TEXT) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvalidValue(f"{field} must not be empty")
    if len(stripped) > limit:
        raise InvalidValue(f"{field} is longer than {limit} characters")
    return stripped


def _label(value: str) -> str:
    return _checked_text("link label", value)


def _person_name(value: str) -> str:
    return _checked_text("cast member name", value)


def _cast_role(value: str) -> str:
    return _checked_text("cast member role", value)


def _bio(value: str) -> str:
    return value.strip()[:MAX_BIO]


@attrs.frozen
class Link:
    """A labelled outbound link (a ticket seller, a streaming service, an official site)."""

    label: str = attrs.field(converter=_label)
    url: str = attrs.field(converter=_checked_url)


@attrs.frozen
class CastMember:
    name: str = attrs.field(converter=_person_name)
    role: str = attrs.field(converter=_cast_role)
    bio: str = attrs.field(default="", converter=_bio)


def _links(values: Iterable[Link]) -> tuple[Link, ...]:
    links = tuple(values)
    if len(links) > MAX_LINKS:
        raise InvalidValue(f"a portal section holds at most {MAX_LINKS} entries")
    return links


def _cast(values: Iterable[CastMember]) -> tuple[CastMember, ...]:
    cast = tuple(values)
    if len(cast) > MAX_LINKS * 4:
        raise InvalidValue(f"a cast list holds at most {MAX_LINKS * 4} members")
    return cast


@attrs.frozen
class Portal:
    """Everything a title offers to viewers who follow an anchor."""

    tickets: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    streaming: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    cast: tuple[CastMember, ...] = attrs.field(default=(), converter=_cast)
    official: tuple[Link, ...] = attrs.field(default=(), converter=_links)


def checked_portal(portal: Portal) -> Portal:
    """``portal`` if a person may offer it now: labels, names, roles and links on one line,
    bios free text (``domain.text``). Not a converter: a portal read back from an event loads
    as it was recorded."""
    for link in (*portal.tickets, *portal.streaming, *portal.official):
        checked_line(link.label, "a link label")
        checked_line(link.url, "a link")
    for member in portal.cast:
        checked_line(member.name, "a cast member's name")
        checked_line(member.role, "a cast member's role")
        checked_free_text(member.bio, "a cast member's bio")
    return portal
