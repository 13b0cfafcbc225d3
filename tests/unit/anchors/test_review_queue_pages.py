"""The review queue's rows come out the same whether the catalogue's events are applied one
at a time or a page at a time, the pages cut anywhere; the rows keep the queue's order (most
popular first, then the longest waiting, whatever the offset its time was recorded with); and
reading it page by page, from each page's cursor, reads every item once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta, timezone
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.review_queue import SqlReviewTables
from adapters.storage import parse_store
from application.anchors.review_queue import (
    DISPUTE,
    NAME,
    QueuePlace,
    ReviewItem,
    ReviewQueueProjection,
)
from domain.anchors.audience import EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.matching import Signal, SignalEvidence
from domain.anchors.sweeps import MatchSweep
from domain.anchors.videos import Video
from domain.errors import DomainError
from tests.fakes import OPENING_NIGHT

VIDEOS = 5
TITLES = 3
EAST = timezone(timedelta(hours=2))
added = st.builds(
    Engagement,
    views=st.integers(0, 50),
    likes=st.integers(0, 3),
    shares=st.integers(0, 2),
    comments=st.integers(0, 2),
).filter(lambda e: not e.is_empty)
video = st.integers(0, VIDEOS - 1)
title = st.integers(0, TITLES - 1)
# Proposals at a few instants, some recorded two hours east (the same instant, another
# text), decisions and disputes, engagement on one video or in batches (some of videos never
# published), and sweeps started and finished.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("propose"),
            video,
            title,
            st.integers(0, 3),
            st.booleans(),
            st.floats(0.2, 1.0),
        ),
        st.tuples(st.just("attach"), video, title),
        st.tuples(st.just("reject"), video, title),
        st.tuples(st.just("dispute"), video),
        st.tuples(st.just("revoke"), video),
        st.tuples(st.just("dismiss"), video),
        st.tuples(st.just("engage"), video, added),
        st.tuples(
            st.just("batch"),
            st.lists(st.tuples(st.integers(0, VIDEOS + 2), added), min_size=1, max_size=4),
        ),
        st.tuples(st.just("sweep"), title, st.integers(0, 2)),
        st.tuples(st.just("finish"), title, st.integers(0, 2)),
    ),
    min_size=4,
    max_size=50,
)


def story(steps: list[tuple[Any, ...]]) -> list[Any]:
    """The catalogue events the steps record, in log order (steps the domain refuses record
    nothing)."""
    events: list[Any] = []

    def record(aggregate: Aggregate) -> None:
        events.extend(aggregate.collect_events())

    videos = []
    for number in range(VIDEOS):
        published = Video.publish(
            UUID(int=number + 1),
            creator_id="mia",
            caption="clip",
            hashtags=[],
            category="film-and-tv",
            at=OPENING_NIGHT,
        )
        videos.append(published)
        record(published)
    sweeps: dict[UUID, MatchSweep] = {}
    for number, (kind, *args) in enumerate(steps):
        at = OPENING_NIGHT + timedelta(minutes=number)
        try:
            if kind == "propose":
                which, title_id, minutes, east, score = args
                when = OPENING_NIGHT + timedelta(minutes=minutes)
                videos[which].propose_anchor(
                    UUID(int=100 + title_id),
                    [SignalEvidence(Signal.TEXT, score, details={"words": ["arrakis"]})],
                    at=when.astimezone(EAST) if east else when,
                )
            elif kind == "attach":
                videos[args[0]].attach_anchor(UUID(int=100 + args[1]), by="reviewer:rosa", at=at)
            elif kind == "reject":
                videos[args[0]].reject_anchor(
                    UUID(int=100 + args[1]), by="reviewer:rosa", reason="no", at=at
                )
            elif kind == "dispute":
                videos[args[0]].dispute_anchor(by="creator:mia", reason="mine", at=at)
            elif kind == "revoke":
                videos[args[0]].revoke_anchor(by="reviewer:rosa", reason="upheld", at=at)
            elif kind == "dismiss":
                videos[args[0]].dismiss_dispute(by="reviewer:rosa", reason="no", at=at)
            elif kind == "engage":
                videos[args[0]].record_engagement(args[1], at=at)
            elif kind == "batch":
                counts = [EngagementCount(UUID(int=which + 1), more) for which, more in args[0]]
                record(
                    EngagementBatch.record(
                        UUID(int=10_000 + number), reporter="r", counts=counts, at=at
                    )
                )
            elif kind == "sweep":
                sweep_id = MatchSweep.id_for(UUID(int=100 + args[0]), f"words:{args[1]}")
                if sweep_id not in sweeps:
                    sweeps[sweep_id] = MatchSweep.start(
                        title_id=UUID(int=100 + args[0]),
                        material=f"words:{args[1]}",
                        until_position=len(events),
                        at=at,
                    )
                    record(sweeps[sweep_id])
            elif kind == "finish":
                sweep_id = MatchSweep.id_for(UUID(int=100 + args[0]), f"words:{args[1]}")
                if sweep_id in sweeps:
                    sweeps[sweep_id].finish(at=at)
                    record(sweeps[sweep_id])
        except DomainError:
            pass
        for each in videos:
            record(each)
    return events


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = ReviewQueueProjection(SqlReviewTables(self.store))
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, page: Sequence[tuple[Any, int]]) -> None:
        start, end = self.position, page[-1][1]
        with self.store.batch(NAME, self.generation, "catalogue", start, end) as batch:
            if len(page) == 1:
                self.projection.apply(batch, "catalogue", *page[0])
            else:
                self.projection.apply_page(batch, "catalogue", page)
        self.position = end

    def export(self) -> dict[str, object]:
        return dict(self.projection.export(self.generation, {}))

    def items(self) -> list[ReviewItem]:
        """The queue in the order of its places."""
        places = [
            cast(tuple[int, ReviewItem], value)
            for key, value in self.export().items()
            if not key.startswith("sweep:")
        ]
        return [item for _place, item in sorted(places, key=lambda place: place[0])]

    def close(self) -> None:
        self.store.close()


def followed(rows: Rows, steps: list[tuple[Any, ...]]) -> list[tuple[Any, int]]:
    topics = rows.projection.follows["catalogue"]
    return [
        (event, position)
        for position, event in enumerate(story(steps), start=1)
        if type(event).TOPIC in topics
    ]


@settings(max_examples=60, deadline=None)
@given(steps=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_queue(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    one_by_one, by_pages = Rows(), Rows()
    events = followed(one_by_one, steps)
    for event in events:
        one_by_one.apply([event])
    while events:
        size = data.draw(st.integers(1, len(events)))
        by_pages.apply(events[:size])
        events = events[size:]

    assert by_pages.export() == one_by_one.export()
    one_by_one.close()
    by_pages.close()


@settings(max_examples=40, deadline=None)
@given(steps=steps, data=st.data())
def test_the_rows_keep_the_queues_order_and_its_pages_read_each_item_once(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    rows = Rows()
    for event in followed(rows, steps):
        rows.apply([event])
    items = rows.items()
    admitted = data.draw(st.sets(st.integers(1, VIDEOS + 3)))

    # The order the queue always had: most popular, longest waiting, then by the ids' text;
    # a proposal before a dispute of the same video and title at the same instant.
    assert items == sorted(
        items,
        key=lambda i: (
            -i.popularity,
            i.proposed_at,
            str(i.video_id),
            str(i.title_id),
            i.kind == DISPUTE,
        ),
    )
    paged: list[ReviewItem] = []
    after: QueuePlace | None = None
    while True:
        page, more = rows.projection.page(
            rows.generation,
            after=after,
            limit=data.draw(st.integers(1, 4)),
            excluded=lambda ids: {video_id for video_id in ids if video_id.int not in admitted},
        )
        paged += page
        if not more:
            break
        after = QueuePlace.after(QueuePlace.of(page[-1]).cursor)
    assert paged == [item for item in items if item.video_id.int in admitted]
    assert all(item.proposed_at.utcoffset() is not None for item in items)
    rows.close()


def test_a_page_reads_past_items_left_out_in_growing_steps() -> None:
    rows = Rows()
    events: list[Any] = []
    for number in range(30):
        clip = Video.publish(
            UUID(int=number + 1),
            creator_id="mia",
            caption="clip",
            hashtags=[],
            category="film-and-tv",
            at=OPENING_NIGHT,
        )
        clip.propose_anchor(
            UUID(int=100), [SignalEvidence(Signal.TEXT, 0.5)], at=OPENING_NIGHT.astimezone(UTC)
        )
        events += clip.collect_events()
    topics = rows.projection.follows["catalogue"]
    rows.apply([(e, n) for n, e in enumerate(events, start=1) if type(e).TOPIC in topics])

    page, more = rows.projection.page(
        rows.generation,
        after=None,
        limit=2,
        excluded=lambda ids: {video_id for video_id in ids if video_id.int <= 25},
    )

    assert [item.video_id.int for item in page] == [26, 27]
    assert more
