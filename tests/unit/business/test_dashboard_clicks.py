"""The campaign dashboards count call-to-action clicks from rows exactly as
``DistinctClicks`` counts them in memory: once per viewer and video in each window, a window
forgotten once two newer ones were seen, clicks on unknown videos ignored, across batches."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.campaign_dashboards import SqlDashboardTables
from adapters.projections.protection import persisted_protection
from adapters.storage import parse_store
from application.business.campaign_dashboard import NAME, CampaignDashboardProjection
from application.logs import CatalogueLog
from application.projections import ProjectionRunner
from domain.anchors.audience import CallToActionClickBatch, DistinctClicks, VideoClick
from domain.anchors.videos import Video
from tests.fakes import OPENING_NIGHT

WINDOW = timedelta(hours=1)
VIDEOS = (UUID(int=1), UUID(int=2))
UNKNOWN = UUID(int=3)

# A batch: a viewer and clicks, each on a video at some minutes after opening night; times
# go back and forth across several windows, as batches reported late do.
batches = st.lists(
    st.tuples(
        st.sampled_from(["zoe", "max"]),
        st.lists(
            st.tuples(st.sampled_from((*VIDEOS, UNKNOWN)), st.integers(0, 6 * 60)),
            min_size=1,
            max_size=6,
        ),
    ),
    max_size=12,
)


class Catalogue:
    """Applies a catalogue's events to the projection, one transaction per aggregate."""

    def __init__(self) -> None:
        store = parse_store("memory://")
        self.store = SqlProjectionStore(projection_database_for(store))
        self.log = CatalogueLog(store.env_for(CatalogueLog.name))
        self.projection = CampaignDashboardProjection(
            SqlDashboardTables(self.store),
            persisted_protection(self.store, ProjectionRunner(self.store, {"catalogue": self.log})),
            WINDOW,
        )
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, aggregate: Aggregate) -> None:
        events = aggregate.collect_events()
        start, end = self.position, self.position + len(events)
        with self.store.batch(NAME, self.generation, "catalogue", start, end) as batch:
            for event in events:
                self.position += 1
                self.projection.apply(batch, "catalogue", event, self.position)

    def clicks(self, video_id: UUID) -> Counter[date]:
        days = self.projection.tables.video_days(self.generation, video_id)
        return Counter({day: figures.clicks for day, figures in days.items() if figures.clicks})


@settings(max_examples=40, deadline=None)
@given(batches=batches)
def test_clicks_counted_from_rows_are_the_clicks_distinct_clicks_counts(
    batches: list[tuple[str, list[tuple[UUID, int]]]],
) -> None:
    catalogue = Catalogue()
    for video_id in VIDEOS:
        catalogue.apply(
            Video.publish(
                video_id,
                creator_id="mia",
                caption="glow",
                hashtags=[],
                category="beauty",
                at=OPENING_NIGHT,
            )
        )
    distinct = DistinctClicks(WINDOW)
    expected: dict[UUID, Counter[date]] = {video_id: Counter() for video_id in VIDEOS}
    for number, (viewer, clicks) in enumerate(batches):
        at = [(video_id, OPENING_NIGHT + timedelta(minutes=m)) for video_id, m in clicks]
        catalogue.apply(
            CallToActionClickBatch.record(
                UUID(int=1_000 + number),
                viewer=viewer,
                clicks=[VideoClick(video_id, when) for video_id, when in at],
            )
        )
        for video_id, when in at:
            if video_id in expected and distinct.counts(viewer, video_id, "call-to-action", when):
                expected[video_id][when.date()] += 1

    assert {video_id: catalogue.clicks(video_id) for video_id in VIDEOS} == expected
    catalogue.store.close()
