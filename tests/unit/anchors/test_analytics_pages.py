"""The studio analytics' projection applies a page of events as it applies each in turn: a
random story of titles, videos, anchors attached and revoked, engagement before and after
anchoring and clicks in moving windows leaves the same rows whether it is applied an event
per batch or in pages cut anywhere."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.analytics import SqlAnalyticsTables
from adapters.storage import parse_store
from application.anchors.analytics import NAME, StudioAnalyticsProjection
from domain.anchors.audience import Click, ClickBatch, ClickTarget, EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video

START = datetime(2026, 3, 1, 9, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
STUDIO = "legendary"
TAGS = ("#dune", "#spice", "#worm", "#desert", "#arrival")
#: A video the log counts engagement and clicks for but never publishes.
UNPUBLISHED = UUID(int=999)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("title"), st.sampled_from(TAGS)),
        st.tuples(st.just("words"), st.integers(0, 3), st.lists(st.sampled_from(TAGS))),
        st.tuples(st.just("publish"), st.lists(st.sampled_from(TAGS), max_size=3)),
        st.tuples(st.just("engage"), st.integers(0, 3), st.integers(1, 50), st.integers(0, 5)),
        st.tuples(
            st.just("batch"),
            st.lists(st.tuples(st.integers(0, 4), st.integers(1, 50)), min_size=1, max_size=5),
        ),
        st.tuples(st.just("attach"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("revoke"), st.integers(0, 3)),
        st.tuples(
            st.just("clicks"),
            st.sampled_from(("zoe", "max")),
            st.lists(
                st.tuples(
                    st.integers(0, 4), st.sampled_from(tuple(ClickTarget)), st.integers(-70, 5)
                ),
                min_size=1,
                max_size=4,
            ),
        ),
        st.tuples(st.just("wait"), st.integers(1, 100)),
    ),
    max_size=40,
)


def story(chosen: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The events of the steps that make sense where they fall (a video anchored once at a
    time), in log order."""
    at = START
    titles: list[Title] = []
    videos: list[Video] = []
    events: list[Any] = []

    def video_id(index: int) -> UUID:
        return videos[index % len(videos)].id if videos and index < 4 else UNPUBLISHED

    def title_id(index: int) -> UUID:
        return titles[index % len(titles)].id if titles else UUID(int=998)

    for step in chosen:
        kind = step[0]
        if kind == "wait":
            at += timedelta(minutes=step[1])
            continue
        if kind == "title":
            title = Title.register(
                UUID(int=100 + len(titles)),
                studio_id=STUDIO,
                name=f"Title {step[1]} {len(titles)}",
                kind=TitleKind.MOVIE,
                portal=Portal(),
                at=at,
            )
            titles.append(title)
            events += title.collect_events()
        elif kind == "words" and titles:
            title = titles[step[1] % len(titles)]
            title.set_match_words(hashtags=step[2], keywords=[], by="studio", at=at)
            events += title.collect_events()
        elif kind == "publish":
            video = Video.publish(
                UUID(int=200 + len(videos)),
                creator_id="mia",
                caption="Clip",
                hashtags=step[1],
                category="film-and-tv",
                at=at,
            )
            videos.append(video)
            events += video.collect_events()
        elif kind == "engage" and videos:
            video = videos[step[1] % len(videos)]
            video.record_engagement(Engagement(views=step[2], likes=step[3]), at=at)
            events += video.collect_events()
        elif kind == "batch":
            batch = EngagementBatch.record(
                UUID(int=300 + len(events)),
                reporter="platform",
                counts=[
                    EngagementCount(video_id(index), Engagement(views=views, shares=1))
                    for index, views in step[1]
                ],
                at=at,
            )
            events += batch.collect_events()
        elif kind == "attach" and videos and titles:
            video = videos[step[1] % len(videos)]
            if video.anchor is None:
                video.attach_anchor(title_id(step[2]), by="rosa", at=at)
                events += video.collect_events()
        elif kind == "revoke" and videos:
            video = videos[step[1] % len(videos)]
            if video.anchor is not None:
                video.revoke_anchor(by="rosa", reason="not this title", at=at)
                events += video.collect_events()
        elif kind == "clicks":
            clicks = ClickBatch.record(
                UUID(int=400 + len(events)),
                viewer=step[1],
                clicks=[
                    Click(
                        video_id=video_id(index),
                        title_id=title_id(index),
                        target=target,
                        at=at + timedelta(minutes=minutes),
                    )
                    for index, target, minutes in step[2]
                ],
                # Some viewers say where they are, for the audience by region.
                region="JP" if len(events) % 2 else None,
            )
            events += clicks.collect_events()
    return events


class Applied:
    """One generation of the projection in a scratch database."""

    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = StudioAnalyticsProjection(SqlAnalyticsTables(self.store), WINDOW)
        self.generation = self.store.new_generation(
            NAME, self.projection.version, ("catalogue",), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def page(self, events: Sequence[tuple[Any, int]]) -> None:
        end = events[-1][1]
        with self.store.batch(NAME, self.generation, "catalogue", self.position, end) as batch:
            self.projection.apply_page(batch, "catalogue", events)
        self.position = end

    def event(self, event: Any, position: int) -> None:
        with self.store.batch(NAME, self.generation, "catalogue", self.position, position) as batch:
            self.projection.apply(batch, "catalogue", event, position)
        self.position = position

    def rows(self) -> tuple[Mapping[str, object], object, dict[str, list[tuple[Any, ...]]]]:
        """What the replay compares, what the studio reads, and every row of every table."""
        suffix = f"_g{self.generation}"
        with self.store.reading() as connection:
            names = [
                name for name in sa.inspect(connection).get_table_names() if name.endswith(suffix)
            ]
            tables = sa.MetaData()
            tables.reflect(connection, only=names)
            rows = {
                name: sorted(
                    (tuple(row) for row in connection.execute(sa.select(tables.tables[name]))),
                    key=repr,
                )
                for name in names
            }
        return (
            self.projection.export(self.generation, {}),
            self.projection.analytics(self.generation, STUDIO, (START + timedelta(days=1)).date()),
            rows,
        )

    def close(self) -> None:
        self.store.close()


@settings(max_examples=40, deadline=None)
@given(chosen=steps, cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6))
def test_a_story_applied_in_pages_leaves_the_rows_it_leaves_applied_event_by_event(
    chosen: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    events = [(event, position) for position, event in enumerate(story(chosen), start=1)]
    one_by_one, in_pages = Applied(), Applied()
    try:
        for event, position in events:
            one_by_one.event(event, position)
        bounds = [0, *sorted(cut % (len(events) + 1) for cut in cuts), len(events)]
        for start, end in itertools.pairwise(bounds):
            if start < end:
                in_pages.page(events[start:end])

        paged, alone = in_pages.rows(), one_by_one.rows()
        assert len(paged[2]) == 11  # every table of the generation
        assert paged == alone
    finally:
        one_by_one.close()
        in_pages.close()


def test_a_page_counts_a_video_anchored_and_revoked_within_it_as_its_events_say() -> None:
    title = Title.register(
        UUID(int=1), studio_id=STUDIO, name="Dune", kind=TitleKind.MOVIE, portal=Portal(), at=START
    )
    video = Video.publish(
        UUID(int=2),
        creator_id="mia",
        caption="Worm",
        hashtags=["#worm"],
        category="film-and-tv",
        at=START,
    )
    video.record_engagement(Engagement(views=7), at=START)  # before its anchor
    video.attach_anchor(title.id, by="rosa", at=START)
    video.record_engagement(Engagement(views=5), at=START)
    video.revoke_anchor(by="rosa", reason="not Dune", at=START)
    video.attach_anchor(title.id, by="rosa", at=START)
    events = [*title.collect_events(), *video.collect_events()]
    applied = Applied()
    try:
        applied.page([(event, position) for position, event in enumerate(events, start=1)])

        (dune,) = applied.projection.analytics(applied.generation, STUDIO, START.date()).titles
        assert (dune.anchored_videos, dune.views) == (1, 12)
        assert dune.daily[-1].views == 5  # only what it received while anchored
        assert dune.daily[-1].new_anchors == 2
        assert dune.top_hashtags == (("worm", 1),)
    finally:
        applied.close()


def test_a_page_forgets_the_clicks_of_windows_left_behind_as_the_events_move_on() -> None:
    title = Title.register(
        UUID(int=1), studio_id=STUDIO, name="Dune", kind=TitleKind.MOVIE, portal=Portal(), at=START
    )

    def clicks(number: int, minutes: int) -> list[Any]:
        batch = ClickBatch.record(
            UUID(int=10 + number),
            viewer="zoe",
            clicks=[
                Click(
                    video_id=UNPUBLISHED,
                    title_id=title.id,
                    target=ClickTarget.TICKETS,
                    at=START + timedelta(minutes=minutes),
                )
            ],
        )
        return list(batch.collect_events())

    # Zoe clicks in the first window; an hour later, the newest window is two ahead, so the
    # first is forgotten; a click recorded late in the first window counts again.
    events = [*title.collect_events(), *clicks(1, 5), *clicks(2, 65), *clicks(3, 10)]
    numbered = [(event, position) for position, event in enumerate(events, start=1)]
    alone, paged = Applied(), Applied()
    try:
        for event, position in numbered:
            alone.event(event, position)
        paged.page(numbered)

        (dune,) = paged.projection.analytics(paged.generation, STUDIO, START.date()).titles
        assert dune.clicks["tickets"] == 3
        assert paged.rows() == alone.rows()
    finally:
        alone.close()
        paged.close()
