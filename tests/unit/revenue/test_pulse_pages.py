"""The Pulse inventory's rows come out the same whether the logs' events are applied one at a
time or a page at a time, the pages cut anywhere: a run of publications or of engagement
written at once leaves what each event in turn would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.pulse_inventory import SqlInventoryTables
from adapters.storage import parse_store
from application.revenue.pulse_inventory import NAME, InventoryProjection
from domain.anchors.audience import EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.revenue.pulse import PulseEnrolment
from domain.trust.moderation import AgeBand
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
CREATORS = ("mia", "leo", "ana")
added = st.builds(
    Engagement,
    views=st.integers(0, 50),
    likes=st.integers(0, 3),
    shares=st.integers(0, 2),
    comments=st.integers(0, 2),
).filter(lambda e: not e.is_empty)
# Videos published in two categories, engagement on one video or in batches over several
# (some never published), follower counts, and age bands making a creator a minor or not.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(0, 2), st.sampled_from(["dance", "comedy"])),
        st.tuples(st.just("publish"), st.integers(0, 2), st.just("dance")),
        st.tuples(st.just("engage"), st.integers(0, 30), added),
        st.tuples(
            st.just("batch"), st.lists(st.tuples(st.integers(0, 40), added), min_size=1, max_size=5)
        ),
        st.tuples(st.just("count"), st.integers(0, 2), st.sampled_from([0, 150_000])),
        st.tuples(st.just("band"), st.integers(0, 2), st.sampled_from(list(AgeBand))),
    ),
    min_size=4,
    max_size=60,
)


def story(steps: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """The events the steps record, by log, in log order."""
    logs: dict[str, list[Any]] = {"catalogue": [], "revenue": []}

    def record(aggregate: Aggregate) -> None:
        log = "revenue" if isinstance(aggregate, PulseEnrolment) else "catalogue"
        logs[log].extend(aggregate.collect_events())

    creators = {}
    for account in CREATORS:
        creator = Creator.register(account=account, region="US", at=NOW)
        creator.count_followers(150_000, at=NOW, by="admin:ops")
        creators[account] = creator
        record(creator)
        enrolment = PulseEnrolment.apply(creator, launched_regions=["US"], at=NOW)
        enrolment.approve(creator, launched_regions=["US"], by="admin:ops", reason="ok", at=NOW)
        record(enrolment)
    videos: list[Video] = []
    for number, (kind, *args) in enumerate(steps):
        if kind == "publish":
            video = Video.publish(
                UUID(int=number + 1),
                creator_id=CREATORS[args[0]],
                caption="hi",
                hashtags=[],
                category=args[1],
                at=NOW,
            )
            videos.append(video)
            record(video)
        elif kind == "engage" and videos:
            video = videos[args[0] % len(videos)]
            video.record_engagement(args[1], at=NOW)
            record(video)
        elif kind == "batch":
            counts = [EngagementCount(UUID(int=which + 1), more) for which, more in args[0]]
            record(
                EngagementBatch.record(
                    UUID(int=10_000 + number), reporter="r", counts=counts, at=NOW
                )
            )
        elif kind == "count":
            creators[CREATORS[args[0]]].count_followers(args[1], at=NOW, by="admin:ops")
            record(creators[CREATORS[args[0]]])
        elif kind == "band":
            creator = creators[CREATORS[args[0]]]
            creator.verify_age_band(args[1], reason="checked", by="admin:ops", at=NOW)
            record(creator)
    return logs


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = InventoryProjection(SqlInventoryTables(self.store))
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.positions = dict.fromkeys(self.projection.follows, 0)

    def apply(self, log: str, page: Sequence[tuple[Any, int]]) -> None:
        start, end = self.positions[log], page[-1][1]
        with self.store.batch(NAME, self.generation, log, start, end) as batch:
            if len(page) == 1:
                self.projection.apply(batch, log, *page[0])
            else:
                self.projection.apply_page(batch, log, page)
        self.positions[log] = end

    def export(self) -> object:
        return self.projection.export(self.generation, {})


@settings(max_examples=60, deadline=None)
@given(steps=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_inventory(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    one_by_one, by_pages = Rows(), Rows()
    for log, recorded in story(steps).items():
        followed = one_by_one.projection.follows[log]
        events = [
            (event, position)
            for position, event in enumerate(recorded, start=1)
            if type(event).TOPIC in followed
        ]
        for event in events:
            one_by_one.apply(log, [event])
        while events:
            size = data.draw(st.integers(1, len(events)))
            by_pages.apply(log, events[:size])
            events = events[size:]

    assert by_pages.export() == one_by_one.export()
    one_by_one.store.close()
    by_pages.store.close()
