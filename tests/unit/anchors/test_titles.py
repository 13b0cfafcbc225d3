"""A studio registers its movies and shows, and keeps the portal of each one up to date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.anchors.portal import MAX_TEXT, CastMember, Link, Portal
from domain.anchors.titles import PortalUnchanged, Title, TitleKind
from domain.errors import InvalidValue

DUNE_ID = UUID("00000000-0000-0000-0000-00000000d00e")
PREMIERE = datetime(2024, 2, 28, 19, 30, tzinfo=UTC)
LEGENDARY = "legendary"

TICKETS = Portal(tickets=[Link(label="Cinema City", url="https://cinemacity.example/dune")])
STREAMING = Portal(
    streaming=[Link(label="Max", url="https://max.example/dune-part-two")],
    cast=[CastMember(name="Zendaya", role="Chani")],
)


def register_dune(
    *, name: str = "Dune: Part Two", portal: Portal = TICKETS, at: datetime = PREMIERE
) -> Title:
    return Title.register(
        DUNE_ID, studio_id=LEGENDARY, name=name, kind=TitleKind.MOVIE, portal=portal, at=at
    )


def test_a_studio_registers_a_movie_with_its_portal() -> None:
    dune = register_dune()

    assert dune.id == DUNE_ID
    assert dune.studio_id == LEGENDARY
    assert dune.name == "Dune: Part Two"
    assert dune.kind is TitleKind.MOVIE
    assert dune.portal == TICKETS
    assert dune.registered_at == PREMIERE
    assert dune.version == 1


def test_registering_a_title_records_one_registration_event() -> None:
    events = register_dune().collect_events()

    assert [type(event) for event in events] == [Title.Registered]
    assert events[0].originator_id == DUNE_ID


def test_a_show_can_be_registered_by_the_plain_name_of_its_kind() -> None:
    shogun = Title.register(
        UUID(int=7),
        studio_id="fx",
        name="Shōgun",
        kind=TitleKind("show"),
        portal=Portal(),
        at=PREMIERE,
    )

    assert shogun.kind is TitleKind.SHOW


def test_the_name_of_a_title_is_trimmed() -> None:
    assert register_dune(name="   Dune: Part Two \n").name == "Dune: Part Two"


@pytest.mark.parametrize("name", ["", "    ", "x" * (MAX_TEXT + 1)])
def test_a_title_needs_a_name_of_reasonable_length(name: str) -> None:
    with pytest.raises(InvalidValue, match="name must have 1 to 200 characters"):
        register_dune(name=name)


def test_a_name_of_exactly_the_maximum_length_is_accepted() -> None:
    assert register_dune(name="x" * MAX_TEXT).name == "x" * MAX_TEXT


def test_a_title_belongs_to_a_studio() -> None:
    with pytest.raises(InvalidValue, match="belongs to a studio"):
        Title.register(
            DUNE_ID, studio_id="", name="Dune", kind=TitleKind.MOVIE, portal=Portal(), at=PREMIERE
        )


def test_a_registration_time_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        register_dune(at=datetime(2024, 2, 28, 19, 30))


def test_a_registration_time_in_any_time_zone_is_accepted() -> None:
    paris = timezone(timedelta(hours=1))

    dune = register_dune(at=datetime(2024, 2, 28, 20, 30, tzinfo=paris))

    assert dune.registered_at == PREMIERE


def test_a_title_is_owned_by_the_studio_that_registered_it() -> None:
    dune = register_dune()

    assert dune.is_owned_by(LEGENDARY)
    assert not dune.is_owned_by("warner")
    assert not dune.is_owned_by("")


def test_the_studio_replaces_the_portal_of_its_title() -> None:
    dune = register_dune()
    a_month_later = PREMIERE + timedelta(days=30)

    dune.update_portal(STREAMING, by="studio:legendary", at=a_month_later)

    assert dune.portal == STREAMING
    assert dune.version == 2
    updated = dune.collect_events()[-1]
    assert isinstance(updated, Title.PortalUpdated)
    assert updated.updated_by == "studio:legendary"
    assert updated.updated_at == a_month_later


def test_offering_the_same_portal_again_records_nothing() -> None:
    dune = register_dune()

    with pytest.raises(PortalUnchanged):
        dune.update_portal(
            Portal(tickets=[Link(label="Cinema City", url="https://cinemacity.example/dune")]),
            by="studio:legendary",
            at=PREMIERE,
        )

    assert dune.version == 1
    assert len(dune.collect_events()) == 1


def test_a_portal_update_time_without_a_time_zone_is_refused() -> None:
    dune = register_dune()

    with pytest.raises(InvalidValue, match="time zone"):
        dune.update_portal(STREAMING, by="studio:legendary", at=datetime(2024, 3, 1))

    assert dune.portal == TICKETS
    assert dune.version == 1


def test_a_title_rebuilt_from_its_events_equals_the_title_that_recorded_them() -> None:
    dune = register_dune()
    dune.update_portal(STREAMING, by="studio:legendary", at=PREMIERE + timedelta(days=30))
    dune.update_portal(Portal(), by="admin:ops", at=PREMIERE + timedelta(days=400))

    rebuilt: Title | None = None
    for recorded in dune.collect_events():
        rebuilt = recorded.mutate(rebuilt)

    assert rebuilt is not None
    assert rebuilt.__dict__ == dune.__dict__
