"""Value objects are written into stored events under stable names and come back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given, settings
from hypothesis import strategies as st

from application.logs import CatalogueLog
from application.transcodings import (
    STABLE_NAMES,
    FastJSONTranscoder,
    register_domain_transcodings,
)
from domain.anchors.audience import EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.videos import Anchor
from domain.errors import InvalidValue
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


# The faster decoder answers what the library's decoder answers -------------------------------

_IDS = st.uuids()
_COUNTS = st.builds(
    EngagementCount,
    video_id=_IDS,
    added=st.builds(
        Engagement,
        views=st.integers(0, 10**6),
        likes=st.integers(0, 10**6),
        shares=st.integers(0, 10**6),
        comments=st.integers(0, 10**6),
    ),
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | _IDS
    | st.datetimes(timezones=st.just(UTC))
    | _COUNTS
    | st.just(ZENDAYA)
)
_DOCUMENTS = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "_type_", "_data_", "counts", "b"]), inner, max_size=3
        )
    ),
    max_leaves=20,
)


def _both() -> tuple[JSONTranscoder, JSONTranscoder]:
    """The transcoder the catalogue's log decodes with, and the library's own with the same
    transcodings."""
    log = CatalogueLog()
    fast = log.mapper.transcoder
    assert isinstance(fast, FastJSONTranscoder)
    library = JSONTranscoder()
    log.register_transcodings(library)
    return fast, library


@settings(max_examples=300, deadline=None)
@given(document=_DOCUMENTS)
def test_the_fast_decoder_answers_what_the_library_decodes(document: object) -> None:
    fast, library = _both()
    try:
        stored = library.encode(document)
    except Exception:
        return  # a dictionary shaped like a stored value: not a document anyone writes
    try:
        expected = library.decode(stored)
    except Exception as error:
        with pytest.raises(type(error)):
            fast.decode(stored)
        return
    decoded = fast.decode(stored)
    assert decoded == expected
    assert repr(decoded) == repr(expected)  # an integer is not a float equal to it


def test_a_stored_negative_engagement_is_refused_as_the_library_refuses_it() -> None:
    fast, _library = _both()
    stored = (
        b'{"_type_":"spotlight.EngagementCount","_data_":{"video_id":{"_type_":"uuid_hex",'
        b'"_data_":"' + DUNE_ID.hex.encode() + b'"},"added":{"_type_":"spotlight.Engagement",'
        b'"_data_":{"views":-1,"likes":0,"shares":0,"comments":0}}}}'
    )

    with pytest.raises(InvalidValue):
        fast.decode(stored)


def test_numbers_orjson_cannot_read_are_read_as_the_library_reads_them() -> None:
    fast, library = _both()
    for stored in (
        b'{"minor":123456789012345678901234567890}',
        b'{"minor":-9223372036854775809}',
        b"[NaN, Infinity]",
    ):
        assert repr(fast.decode(stored)) == repr(library.decode(stored))
