"""The anchors' projections read an engagement batch's stored state as its sums by video:
the same sums, in the same order, and the same instant as the mapper's event added up;
and where the stored state is not exactly what the library writes, nothing (the mapper then
decodes the event whole, or refuses it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder
from hypothesis import given, settings
from hypothesis import strategies as st

from application.anchors.engagement_reading import (
    EngagementBatchSums,
    _in_place,
    added_by_video,
    read_engagement_batch,
)
from application.logs import CatalogueLog
from application.transcodings import FastJSONTranscoder
from domain.anchors.audience import EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from tests.unit.test_transcodings import _stored_counts

BATCH_ID = UUID(int=0xBA7C4)
AT = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)

counts = st.lists(
    st.builds(
        EngagementCount,
        video_id=st.sampled_from([UUID(int=n) for n in range(1, 6)]),
        added=st.builds(
            Engagement,
            views=st.integers(0, 2**62),
            likes=st.integers(0, 99),
            shares=st.integers(0, 99),
            comments=st.integers(0, 99),
        ).filter(lambda engagement: not engagement.is_empty),
    ),
    min_size=1,
    max_size=30,
)


def _stored(batch_counts: list[EngagementCount]) -> tuple[CatalogueLog, Any]:
    log = CatalogueLog()
    batch = EngagementBatch.record(BATCH_ID, reporter="studio:a24", counts=batch_counts, at=AT)
    return log, log.mapper.to_stored_event(batch.collect_events()[0])


@settings(max_examples=200, deadline=None)
@given(batch_counts=counts)
def test_a_stored_batch_reads_as_its_decoded_counts_summed_by_video(
    batch_counts: list[EngagementCount],
) -> None:
    log, stored = _stored(batch_counts)
    decoded: Any = log.mapper.to_domain_event(stored)

    read = read_engagement_batch(stored.state, stored.originator_id, log.mapper.transcoder)

    assert isinstance(read, EngagementBatchSums)
    assert read.originator_id == decoded.originator_id
    assert read.reported_at == decoded.reported_at
    assert list(read.added.items()) == list(added_by_video(decoded).items())
    sums: dict[UUID, list[int]] = {}
    for count in batch_counts:
        kept = sums.setdefault(count.video_id, [0, 0, 0, 0])
        for n, amount in enumerate(
            (count.added.views, count.added.likes, count.added.shares, count.added.comments)
        ):
            kept[n] += amount
    assert {
        video: [engagement.views, engagement.likes, engagement.shares, engagement.comments]
        for video, engagement in read.added.items()
    } == sums


@settings(max_examples=300, deadline=None)
@given(stored_counts=st.lists(_stored_counts(), min_size=1, max_size=12))
def test_a_state_bent_out_of_the_stored_shape_is_left_to_the_mapper(
    stored_counts: list[dict[str, object]],
) -> None:
    """Whatever the reader answers for a bent state is what the library's decoding sums up;
    and every state the library refuses, the reader leaves to it."""
    library = JSONTranscoder()
    CatalogueLog().register_transcodings(library)
    fast = CatalogueLog().mapper.transcoder
    assert isinstance(fast, FastJSONTranscoder)
    state = json.dumps(
        {
            "counts": stored_counts,
            "reported_at": {"_type_": "datetime_iso", "_data_": AT.isoformat()},
        }
    ).encode()

    read = read_engagement_batch(state, BATCH_ID, fast)

    try:
        decoded = library.decode(state)
        expected: dict[UUID, Engagement] | None = {}
        assert expected is not None
        for count in decoded["counts"]:
            before = expected.get(count.video_id)
            expected[count.video_id] = count.added if before is None else before + count.added
    except Exception:
        expected = None
    if expected is None:
        assert read is None
    elif read is not None:
        assert list(read.added.items()) == list(expected.items())
        assert read.reported_at == AT


def test_another_version_of_the_event_is_left_to_the_mapper() -> None:
    log, stored = _stored([EngagementCount(video_id=UUID(int=1), added=Engagement(views=1))])
    versioned = stored.state.replace(b'{"timestamp"', b'{"class_version":2,"timestamp"', 1)

    assert read_engagement_batch(versioned, BATCH_ID, log.mapper.transcoder) is None
    assert read_engagement_batch(stored.state, BATCH_ID, log.mapper.transcoder) is not None


def _batch_state(stored_counts: list[Any], *, compact: bool, **more: Any) -> bytes:
    return json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": AT.isoformat()},
            "originator_topic": "spotlight.audience:EngagementBatch",
            "reporter": "studio:a24",
            "counts": stored_counts,
            "reported_at": {"_type_": "datetime_iso", "_data_": AT.isoformat()},
            **more,
        },
        separators=(",", ":") if compact else None,
    ).encode()


def _same_reading(state: bytes) -> EngagementBatchSums | None:
    """What the reader answers of ``state``, checked to be what its count-by-count path
    answers."""
    fast = CatalogueLog().mapper.transcoder
    in_place = read_engagement_batch(state, BATCH_ID, fast)
    one_by_one = read_engagement_batch(state, BATCH_ID, fast, in_place=False)
    if one_by_one is None:
        assert in_place is None
    else:
        assert in_place is not None
        assert list(in_place.added.items()) == list(one_by_one.added.items())
        assert in_place.reported_at == one_by_one.reported_at
    return in_place


@settings(max_examples=300, deadline=None)
@given(stored_counts=st.lists(_stored_counts(), max_size=12), compact=st.booleans())
def test_counts_read_in_place_sum_as_the_counts_read_one_by_one(
    stored_counts: list[dict[str, object]], compact: bool
) -> None:
    """Compact states as the transcoder writes them (mostly read in place) and spaced ones
    (never), with counts sometimes bent out of the stored shape."""
    _same_reading(_batch_state(stored_counts, compact=compact))


@settings(max_examples=100, deadline=None)
@given(batch_counts=counts)
def test_a_batch_the_library_stored_is_read_in_place(batch_counts: list[EngagementCount]) -> None:
    _log, stored = _stored(batch_counts)

    assert _in_place(stored.state) is not None
    assert _same_reading(stored.state) is not None


def test_a_counts_list_that_is_not_the_states_own_is_not_read_in_place() -> None:
    """A second ``counts`` key (JSON readers keep the last), or a list of counts under
    another key that ends in ``counts``, is left to the count-by-count path."""
    _log, stored = _stored([EngagementCount(video_id=UUID(int=7), added=Engagement(views=3))])
    counts_text = stored.state.split(b'"counts":', 1)[1].split(b',"reported_at"', 1)[0]
    for state in (
        stored.state.replace(b'"counts":', b'"x\\"counts":' + counts_text + b',"counts":', 1),
        stored.state.replace(b'"reported_at"', b'"counts":[],"reported_at"', 1),
    ):
        assert _in_place(state) is None
        _same_reading(state)
