"""Protection's rows are the same whether its events are applied one at a time or a page at
once (publications inserted a run at a time), cut anywhere."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.protection import SqlProtectionTables
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import ApplicationError
from application.trust.protection import NAME, ProtectionModel, ProtectionProjection
from domain.errors import DomainError
from domain.trust.moderation import AgeBand
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import fresh_core

OPS = Principal(Role.ADMIN, "ops")
REVIEWER = Principal(Role.REVIEWER, "rita")
CREATORS = ("ana", "tim", "zoe")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(0, 2), st.booleans()),
        st.tuples(st.just("decide"), st.integers(0, 20), st.sampled_from(("clear", "removed"))),
        st.tuples(st.just("band"), st.integers(0, 2), st.sampled_from(list(AgeBand))),
    ),
    max_size=25,
)


def tell(core: Spotlight, story: list[tuple[Any, ...]]) -> None:
    for account in CREATORS:
        core.creators.register(Principal(Role.CREATOR, account), region="US")
    videos = []
    for kind, *args in story:
        try:
            if kind == "publish":
                creator = Principal(Role.CREATOR, CREATORS[args[0]])
                # The keyword classifier flags a caption about drugs until a reviewer decides.
                caption = "cocaine party" if args[1] else "a dance"
                videos.append(
                    CatalogueDriver(core)
                    .publish_video(creator, caption=caption, hashtags=[], category="dance")
                    .id
                )
            elif kind == "decide" and videos:
                video = videos[args[0] % len(videos)]
                core.moderation.decide(REVIEWER, video, args[1], reason="r", policy="p/1")
            elif kind == "band":
                core.moderation.record_age_band(OPS, CREATORS[args[0]], args[1], reason="seen")
        except (DomainError, ApplicationError):
            pass  # refused: nothing recorded


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = ProtectionProjection(SqlProtectionTables(self.store))
        self.generation = self.store.new_generation(
            NAME, self.projection.version, ("catalogue",), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, page: list[tuple[Any, int]]) -> None:
        end = page[-1][1]
        with self.store.batch(NAME, self.generation, "catalogue", self.position, end) as batch:
            if len(page) == 1:
                self.projection.apply(batch, "catalogue", *page[0])
            else:
                self.projection.apply_page(batch, "catalogue", page)
        self.position = end

    def answers(self, videos: list[Any]) -> tuple[object, ...]:
        model = ProtectionModel(self.projection.tables, self.generation)
        return (
            self.projection.export(self.generation, {}),
            model.excluded_among(videos),
            model.minors_among(CREATORS),
            [model.videos_of(account) for account in CREATORS],
            model.flagged(limit=100),
        )


@settings(max_examples=20, deadline=None)
@given(story=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_rows(
    story: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    with fresh_core() as core:
        tell(core, story)
        topics = tuple(core.protection.projection.follows["catalogue"])
        events = [
            (core._catalogue.mapper.to_domain_event(notification), notification.id)
            for notification in core._catalogue.recorder.select_notifications(
                start=0, limit=10_000, topics=topics, inclusive_of_start=False
            )
        ]
        one_by_one, by_pages = Rows(), Rows()
        for event in events:
            one_by_one.apply([event])
        left = list(events)
        while left:
            size = data.draw(st.integers(1, len(left)))
            by_pages.apply(left[:size])
            left = left[size:]

        videos = [event.originator_id for event, _ in events]
        assert by_pages.answers(videos) == one_by_one.answers(videos)
        # And both are what the core's own protection answers, once caught up.
        model = core.protection.catch_up()
        assert one_by_one.answers(videos) == (
            core.protection.projection.export(model.generation, {}),
            model.excluded_among(videos),
            model.minors_among(CREATORS),
            [model.videos_of(account) for account in CREATORS],
            model.flagged(limit=100),
        )
        for video in core.moderation.flagged(REVIEWER).items:
            assert model.why_excluded(video.video_id) == "the video is flagged"
