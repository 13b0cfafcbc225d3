"""Value objects are written into stored events under stable names and come back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder

from application.transcodings import STABLE_NAMES, register_domain_transcodings
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.videos import Anchor
from tests.catalogue_driver import CatalogueDriver

DUNE_ID = UUID("00000000-0000-0000-0000-00000000d00e")
TICKETS = Link(label="Cinema City", url="https://cinemacity.example/dune")
ZENDAYA = CastMember(name="Zendaya", role="Chani", bio="Actress and singer.")

VALUES = [
    pytest.param(TICKETS, id="link"),
    pytest.param(ZENDAYA, id="cast member"),
    pytest.param(Portal(), id="empty portal"),
    pytest.param(
        Portal(tickets=[TICKETS], streaming=[TICKETS], cast=[ZENDAYA], official=[TICKETS]),
        id="full portal",
    ),
    pytest.param(Engagement(views=10, likes=2, shares=1, comments=0), id="engagement"),
    pytest.param(
        Anchor(
            title_id=DUNE_ID,
            attached_by="reviewer:rosa",
            attached_at=datetime(2025, 3, 1, 20, 0, tzinfo=UTC),
            note="trailer reaction",
        ),
        id="anchor",
    ),
]


@pytest.fixture
def transcoder(catalogue: CatalogueDriver) -> JSONTranscoder:
    """The transcoder the catalogue writes its events with."""
    built = catalogue.construct_transcoder()
    assert isinstance(built, JSONTranscoder)
    return built


@pytest.mark.parametrize("value", VALUES)
def test_a_value_object_comes_back_equal_from_its_stored_form(
    transcoder: JSONTranscoder, value: object
) -> None:
    assert transcoder.decode(transcoder.encode(value)) == value


@pytest.mark.parametrize("value", VALUES)
def test_a_value_object_is_stored_under_its_stable_name(
    transcoder: JSONTranscoder, value: object
) -> None:
    stored = json.loads(transcoder.encode(value))

    assert stored["_type_"] == STABLE_NAMES[type(value)]
    assert stored["_type_"].startswith("spotlight.")


def test_the_stored_form_of_a_portal_names_no_python_module() -> None:
    transcoder = JSONTranscoder()
    register_domain_transcodings(transcoder)

    stored = transcoder.encode(Portal(tickets=[TICKETS], cast=[ZENDAYA])).decode()

    assert "domain." not in stored
    assert "spotlight.Link" in stored
    assert "spotlight.CastMember" in stored
