"""A title's portal: the ticket, streaming and official links and the cast a viewer finds."""

from __future__ import annotations

import pytest

from domain.anchors.portal import MAX_BIO, MAX_LINKS, MAX_TEXT, CastMember, Link, Portal
from domain.errors import InvalidValue


def test_a_link_keeps_its_address_and_a_trimmed_label() -> None:
    link = Link(label="  Tickets at Cinema City ", url="https://tickets.example/dune")

    assert link.label == "Tickets at Cinema City"
    assert link.url == "https://tickets.example/dune"


def test_a_plain_http_link_is_accepted() -> None:
    assert Link(label="Official site", url="http://dune.example").url == "http://dune.example"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example/trailer.mp4",
        "rtmp://live.example/dune",
        "wss://chat.example/premiere",
        "javascript:alert(1)",
        "mailto:press@studio.example",
        "file:///etc/passwd",
        "/tickets/dune",
        "tickets.example/dune",
        "https://",
        "https:///no-host",
        "",
        "https://tickets.example/" + "a" * 2_048,
    ],
)
def test_a_link_that_is_not_an_absolute_http_address_is_refused(url: str) -> None:
    with pytest.raises(InvalidValue, match="not an absolute http"):
        Link(label="Tickets", url=url)


@pytest.mark.parametrize("label", ["", "   ", "\t\n"])
def test_a_link_needs_a_label(label: str) -> None:
    with pytest.raises(InvalidValue, match="link label must not be empty"):
        Link(label=label, url="https://tickets.example")


def test_a_link_label_has_at_most_the_maximum_length() -> None:
    assert Link(label="x" * MAX_TEXT, url="https://tickets.example").label == "x" * MAX_TEXT
    with pytest.raises(InvalidValue, match="longer than"):
        Link(label="x" * (MAX_TEXT + 1), url="https://tickets.example")


def test_a_cast_member_has_a_name_and_a_role() -> None:
    member = CastMember(name=" Zendaya ", role=" Chani ", bio="  Actress.  ")

    assert (member.name, member.role, member.bio) == ("Zendaya", "Chani", "Actress.")


@pytest.mark.parametrize(
    ("name", "role", "complaint"),
    [
        ("", "Chani", "cast member name must not be empty"),
        ("  ", "Chani", "cast member name must not be empty"),
        ("Zendaya", "", "cast member role must not be empty"),
    ],
)
def test_a_cast_member_without_a_name_or_role_is_refused(
    name: str, role: str, complaint: str
) -> None:
    with pytest.raises(InvalidValue, match=complaint):
        CastMember(name=name, role=role)


def test_a_long_biography_is_cut_to_the_maximum_length() -> None:
    member = CastMember(name="Zendaya", role="Chani", bio="b" * (MAX_BIO + 500))

    assert member.bio == "b" * MAX_BIO


def test_a_new_portal_is_empty() -> None:
    portal = Portal()

    assert (portal.tickets, portal.streaming, portal.cast, portal.official) == ((), (), (), ())


def test_a_portal_holds_its_sections_as_tuples_whatever_sequence_it_was_given() -> None:
    tickets = [Link(label="Cinema City", url="https://cinemacity.example")]

    portal = Portal(tickets=tickets, cast=[CastMember(name="Zendaya", role="Chani")])

    assert portal.tickets == (Link(label="Cinema City", url="https://cinemacity.example"),)
    assert isinstance(portal.cast, tuple)


def test_two_portals_with_the_same_content_are_equal() -> None:
    def portal() -> Portal:
        return Portal(
            streaming=[Link(label="Max", url="https://max.example/dune")],
            official=[Link(label="Site", url="https://dune.example")],
        )

    assert portal() == portal()
    assert portal() != Portal()


def test_a_portal_section_holds_at_most_the_maximum_number_of_links() -> None:
    links = [Link(label=f"Seller {n}", url=f"https://seller{n}.example") for n in range(51)]

    assert len(Portal(tickets=links[:MAX_LINKS]).tickets) == MAX_LINKS
    with pytest.raises(InvalidValue, match="at most 50"):
        Portal(tickets=links)
    with pytest.raises(InvalidValue, match="at most 50"):
        Portal(official=links)


def test_a_cast_list_is_longer_than_a_link_section_but_still_bounded() -> None:
    cast = [CastMember(name=f"Extra {n}", role="Fremen") for n in range(4 * MAX_LINKS + 1)]

    assert len(Portal(cast=cast[: 4 * MAX_LINKS]).cast) == 4 * MAX_LINKS
    with pytest.raises(InvalidValue, match="at most 200"):
        Portal(cast=cast)
