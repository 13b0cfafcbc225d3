"""The campaign dashboards' rows come out the same whether the logs' events are applied one
at a time, in any interleaving of the two logs, or a page at a time (pages cut anywhere);
and the sums kept as events arrive always come to what summing the videos' days gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.campaign_dashboards import SqlDashboardTables
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.business.campaign_dashboard import NAME, CampaignDashboardProjection
from application.errors import ApplicationError
from domain.anchors.engagement import Engagement
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.errors import DomainError
from domain.money import Money
from domain.trust.moderation import DECISIONS, AgeBand, ModerationState
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import fresh_core
from tests.fakes import OPENING_NIGHT, FixedClock

BRAND = Principal(Role.BRAND, "glowco")
ADMIN = Principal(Role.ADMIN, "ops")
CREATORS = ("ana", "ben", "cy")
TODAY = OPENING_NIGHT.date()

# What happens, in order: creators join the campaign, publish (with its hashtag or not),
# link their videos; engagement and clicks are reported, days pass, a video is removed,
# restricted or cleared, a creator is found to be a minor or verified an adult, the brand ends
# the campaign early.
publish = st.tuples(st.just("publish"), st.integers(0, 2), st.booleans())
engage = st.tuples(st.just("engage"), st.integers(0, 9), st.integers(0, 500), st.integers(0, 50))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.integers(0, 2)),
        publish,
        publish,
        st.tuples(st.just("link"), st.integers(0, 2), st.integers(0, 9)),
        engage,
        engage,
        engage,
        st.tuples(st.just("click"), st.integers(0, 3), st.integers(0, 9)),
        st.tuples(st.just("days"), st.integers(1, 4)),
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("decide"), st.integers(0, 9), st.sampled_from(DECISIONS)),
        st.tuples(st.just("age"), st.integers(0, 2), st.sampled_from(AgeBand)),
        st.tuples(st.just("end")),
    ),
    min_size=6,
    max_size=40,
)


def creator(name: str) -> Principal:
    return Principal(Role.CREATOR, name)


def tell(core: Spotlight, clock: FixedClock, story: list[tuple[Any, ...]]) -> None:
    for name in CREATORS:
        core.creators.register(creator(name), region="US")
    campaign = core.campaigns.launch(
        BRAND,
        name="Glow up",
        objective="engagement",
        budget=Money(2_000_00, "USD"),
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=9),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000), KpiTarget(Kpi.COST_PER_ENGAGEMENT, 200)],
        hashtag="#GlowUp",
    )
    terms = Terms(Money(10_00, "USD"), "a video", TODAY + timedelta(days=9))
    videos: list[tuple[str, UUID]] = []
    for number, (kind, *args) in enumerate(story):
        try:
            if kind == "join":
                sent = core.campaigns.invite(
                    BRAND, campaign.id, creator=CREATORS[args[0]], terms=terms
                )
                core.campaigns.accept(creator(CREATORS[args[0]]), sent.id)
            elif kind == "publish":
                name = CREATORS[args[0]]
                video = CatalogueDriver(core).publish_video(
                    creator(name),
                    caption="glow",
                    hashtags=["#GlowUp"] if args[1] else ["#other"],
                    category="beauty",
                )
                videos.append((name, video.id))
            elif kind == "link" and videos:
                core.campaigns.link_video(
                    creator(CREATORS[args[0]]), campaign.id, videos[args[1] % len(videos)][1]
                )
            elif kind == "engage" and videos:
                core.audience.record_engagement(
                    ADMIN,
                    f"e{number}",
                    [(videos[args[0] % len(videos)][1], Engagement(views=args[1], likes=args[2]))],
                )
            elif kind == "click" and videos:
                core.audience.record_call_to_action_clicks(
                    Principal(Role.VIEWER, f"v{args[0]}"),
                    f"c{number}",
                    [videos[args[1] % len(videos)][1]],
                )
            elif kind == "days":
                clock.advance(timedelta(days=args[0]))
            elif kind == "remove" and videos:
                core.moderation.decide(
                    ADMIN,
                    videos[args[0] % len(videos)][1],
                    ModerationState.REMOVED,
                    reason="spam",
                    policy="spam",
                )
            elif kind == "decide" and videos:
                core.moderation.decide(
                    ADMIN, videos[args[0] % len(videos)][1], args[1], reason="seen", policy="p"
                )
            elif kind == "age":
                core.moderation.record_age_band(ADMIN, CREATORS[args[0]], args[1], reason="seen")
            elif kind == "end":
                core.campaigns.end(BRAND, campaign.id, reason="done")
        except (DomainError, ApplicationError):
            pass  # a step the rules refuse changes nothing


class Rows:
    """A dashboard projection of its own, fed by hand."""

    def __init__(self, core: Spotlight) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.tables = SqlDashboardTables(self.store)
        self.projection = CampaignDashboardProjection(self.tables, core.protection)
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


def logged(core: Spotlight, rows: Rows) -> dict[str, list[tuple[Any, int]]]:
    found = {}
    for name, topics in rows.projection.follows.items():
        log = core._catalogue if name == "catalogue" else core._revenue
        found[name] = [
            (log.mapper.to_domain_event(notification), notification.id)
            for notification in log.recorder.select_notifications(
                start=0, limit=10_000, topics=topics, inclusive_of_start=False
            )
        ]
    return found


@settings(max_examples=50, deadline=None)
@given(story=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_dashboards(
    story: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    clock = FixedClock()
    with fresh_core(clock) as core:
        tell(core, clock, story)
        one_by_one, by_pages = Rows(core), Rows(core)
        events = logged(core, one_by_one)
        # One at a time, the two logs interleaved at random.
        pending = {log: list(found) for log, found in events.items()}
        while any(pending.values()):
            log = data.draw(st.sampled_from(sorted(name for name, left in pending.items() if left)))
            one_by_one.apply(log, [pending[log].pop(0)])
        # A page at a time, each log in turn, pages cut anywhere.
        for log, found in events.items():
            while found:
                size = data.draw(st.integers(1, len(found)))
                by_pages.apply(log, found[:size])
                found = found[size:]

        assert by_pages.projection.export(by_pages.generation, {}) == (
            one_by_one.projection.export(one_by_one.generation, {})
        )
        excluded = by_pages.projection.protection.catch_up().excluded_among
        for rows in (one_by_one, by_pages):
            for campaign_id in rows.tables.campaigns(rows.generation):
                for days in range(-1, 14):
                    as_of = TODAY + timedelta(days=days)
                    kept = rows.tables.figures(rows.generation, campaign_id, as_of)
                    summed = rows.tables.figures_from_days(
                        rows.generation, campaign_id, as_of, excluded
                    )
                    assert kept == summed
        one_by_one.store.close()
        by_pages.store.close()


# Three videos with the campaign's hashtag, by two participants, with engagement and a click.
SCENE: list[tuple[Any, ...]] = [
    ("join", 0),
    ("join", 1),
    ("publish", 0, True),
    ("publish", 1, True),
    ("publish", 0, True),
    ("engage", 0, 100, 5),
    ("engage", 1, 50, 2),
    ("engage", 2, 30, 1),
    ("click", 0, 0),
]


@pytest.mark.parametrize(
    ("turns", "videos"),
    [
        ([], 3),
        ([("remove", 0)], 2),
        ([("decide", 0, ModerationState.AGE_RESTRICTED)], 2),
        (
            [
                ("decide", 0, ModerationState.AGE_RESTRICTED),
                ("decide", 0, ModerationState.CLEAR),
            ],
            3,
        ),
        ([("age", 1, AgeBand.UNDER_13)], 2),
        ([("age", 1, AgeBand.UNDER_13), ("age", 1, AgeBand.ADULT)], 3),
    ],
)
def test_a_video_leaves_and_joins_its_campaign_as_protection_changes_its_answer(
    turns: list[tuple[Any, ...]], videos: int
) -> None:
    """The exclusions the rows keep come to protection's own answer asked at the read (the
    dashboard as it was read before the rows kept them), either way a video's state turns."""
    clock = FixedClock()
    with fresh_core(clock) as core:
        tell(core, clock, SCENE + turns)
        rows = Rows(core)
        for log, found in logged(core, rows).items():
            rows.apply(log, found)
        excluded = core.protection.catch_up().excluded_among
        [campaign_id] = rows.tables.campaigns(rows.generation)
        last = TODAY + timedelta(days=9)
        kept = rows.tables.figures(rows.generation, campaign_id, last)
        assert kept is not None
        assert kept == rows.tables.figures_from_days(rows.generation, campaign_id, last, excluded)
        assert kept.videos == videos
        assert core.campaign_dashboards.dashboard(BRAND, campaign_id, as_of=last).videos == videos
        rows.store.close()
