"""Value objects are written into stored events under stable names and come back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
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


def _same_answer(fast: JSONTranscoder, library: JSONTranscoder, stored: bytes) -> None:
    try:
        expected = library.decode(stored)
    except Exception as error:
        with pytest.raises(type(error)):
            fast.decode(stored)
        return
    decoded = fast.decode(stored)
    assert decoded == expected
    assert repr(decoded) == repr(expected)  # an integer is not a float equal to it


@settings(max_examples=300, deadline=None)
@given(document=_DOCUMENTS)
def test_the_fast_decoder_answers_what_the_library_decodes(document: object) -> None:
    fast, library = _both()
    try:
        stored = library.encode(document)
    except Exception:
        return  # a dictionary shaped like a stored value: not a document anyone writes
    _same_answer(fast, library, stored)


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


# An engagement batch's counts, decoded in one loop, answer what the library decodes -------

_FEW_IDS = st.sampled_from([UUID(int=n) for n in (1, 2, 0xD00E)])
_FIELDS = ("views", "likes", "shares", "comments")
_FIELD_VALUES = (
    st.integers(-3, 3)
    | st.integers(2**62, 2**70)
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.text(max_size=2)
    | st.none()
)


@st.composite
def _stored_counts(draw: st.DrawFn) -> dict[str, object]:
    """A count as stored, mostly as written and sometimes bent out of that shape: an id
    that is not hex text, a field of another kind or missing, a key too many."""
    video: object = draw(_FEW_IDS).hex
    if draw(st.integers(0, 9)) == 0:
        video = draw(st.text(max_size=4) | st.integers() | st.just([video]))
    fields: dict[str, object] = {
        name: draw(st.integers(0, 10**6) if draw(st.integers(0, 3)) else _FIELD_VALUES)
        for name in _FIELDS
    }
    if draw(st.integers(0, 9)) == 0:
        del fields[draw(st.sampled_from(_FIELDS))]
    if draw(st.integers(0, 9)) == 0:
        fields["reach"] = 1
    data: dict[str, object] = {
        "video_id": {"_type_": "uuid_hex", "_data_": video},
        "added": {"_type_": "spotlight.Engagement", "_data_": fields},
    }
    if draw(st.integers(0, 19)) == 0:
        data["note"] = "late"
    stored: dict[str, object] = {"_type_": "spotlight.EngagementCount", "_data_": data}
    if draw(st.integers(0, 19)) == 0:
        stored = draw(st.sampled_from([data, {**stored, "b": 1}, video]))
    return stored


@settings(max_examples=300, deadline=None)
@given(counts=st.lists(_stored_counts(), min_size=1, max_size=12), again=st.booleans())
def test_a_batch_of_stored_counts_decodes_as_the_library_decodes_it(
    counts: list[dict[str, object]], again: bool
) -> None:
    fast, library = _both()
    stored = json.dumps({"reporter": "studio:a24", "counts": counts}).encode()
    _same_answer(fast, library, stored)
    if again:  # the ids now known to the fast decoder are read from its cache
        _same_answer(fast, library, stored)


def test_a_thousand_counts_of_a_batch_come_back_equal_to_the_library_decoding() -> None:
    fast, library = _both()
    counts = [
        EngagementCount(
            video_id=UUID(int=n % 97),
            added=Engagement(views=n, likes=n % 7, shares=n % 3, comments=0),
        )
        for n in range(1000)
    ]
    stored = library.encode({"reporter": "studio:a24", "counts": counts})

    expected = {"reporter": "studio:a24", "counts": counts}
    assert fast.decode(stored) == library.decode(stored) == expected


def test_a_negative_count_in_a_batch_is_refused_as_the_library_refuses_it() -> None:
    fast, library = _both()
    counts = [EngagementCount(video_id=DUNE_ID, added=Engagement(views=1))] * 2
    stored = library.encode(counts).replace(b'"views":1', b'"views":-1')
    fast.decode(library.encode(counts))  # the video is known: its count is read inline

    with pytest.raises(InvalidValue):
        fast.decode(stored)


def test_counts_are_refused_by_a_transcoder_that_does_not_know_them() -> None:
    fast = FastJSONTranscoder()
    stored = _both()[1].encode([EngagementCount(video_id=DUNE_ID, added=Engagement(views=1))])

    with pytest.raises(TranscodingNotRegisteredError):
        fast.decode(stored)
