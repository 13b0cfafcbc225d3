"""Pulse inventory: the top 4% of each category (``ceil(4% x videos)`` ranks) by engagement
score, ties to the earlier publication, of approved creators whose latest follower count is at
least 100,000; kept up to date event by event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.pulse_inventory import SqlInventoryTables
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotFound
from application.revenue.pulse import NotInventory
from application.revenue.pulse_inventory import (
    NAME,
    InventoryProjection,
    Standing,
    inventory_size,
)
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.money import Money
from domain.revenue.creators import Creator
from domain.revenue.pulse import ImpressionBatch, PulseEnrolment
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, FixedClock

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
FIZZ = Principal(Role.BRAND, "fizz")


@pytest.mark.parametrize(
    ("videos", "top"),
    [(0, 0), (1, 1), (24, 1), (25, 1), (26, 2), (50, 2), (51, 3), (100, 4), (101, 5), (1_000, 40)],
)
def test_the_top_four_percent_is_rounded_up(videos: int, top: int) -> None:
    assert inventory_size(videos) == top


# The projection, fed with the domain's own events --------------------------------------------


class Feed:
    """Hands the projection the events the aggregates record, at increasing log positions,
    one transaction of a scratch projection store per aggregate's events."""

    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = InventoryProjection(SqlInventoryTables(self.store))
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0
        self.reached = {"catalogue": 0, "revenue": 0}
        self.videos: dict[UUID, Video] = {}
        self.creators: dict[str, Creator] = {}
        self.enrolments: dict[str, PulseEnrolment] = {}

    def _apply(self, aggregate: Aggregate) -> int:
        log = "revenue" if isinstance(aggregate, PulseEnrolment) else "catalogue"
        events = aggregate.collect_events()
        start, end = self.reached[log], self.position + len(events)
        with self.store.batch(NAME, self.generation, log, start, end) as batch:
            for domain_event in events:
                self.position += 1
                if type(domain_event).TOPIC in self.projection.follows[log]:  # type: ignore[attr-defined]
                    self.projection.apply(batch, log, domain_event, self.position)
        self.reached[log] = end
        return self.position

    def creator(self, account: str, followers: int, *, approved: bool = True) -> None:
        creator = Creator.register(account=account, region="US", at=NOW)
        creator.count_followers(max(followers, 100_000), at=NOW, by="admin:ops")
        self.creators[account] = creator
        self._apply(creator)
        enrolment = PulseEnrolment.apply(creator, launched_regions=["US"], at=NOW)
        if approved:
            enrolment.approve(creator, launched_regions=["US"], by="admin:ops", reason="ok", at=NOW)
        self.enrolments[account] = enrolment
        self._apply(enrolment)
        self.count(account, followers)

    def count(self, account: str, followers: int) -> None:
        creator = self.creators[account]
        creator.count_followers(followers, at=NOW, by="admin:ops")
        self._apply(creator)

    def publish(self, number: int, creator: str, category: str = "dance") -> UUID:
        video = Video.publish(
            UUID(int=number),
            creator_id=creator,
            caption="hi",
            hashtags=[],
            category=category,
            at=NOW,
        )
        self.videos[video.id] = video
        self._apply(video)
        return video.id

    def engage(self, video_id: UUID, added: Engagement) -> None:
        video = self.videos[video_id]
        video.record_engagement(added, at=NOW)
        self._apply(video)

    def standing(self, video_id: UUID) -> Standing:
        found = self.projection.standing(self.generation, video_id)
        assert found is not None
        return found

    def inventory(self, category: str) -> list[Standing]:
        return self.projection.inventory(self.generation, category)


def test_videos_rank_by_engagement_score_then_by_publication_order() -> None:
    feed = Feed()
    feed.creator("mia", 150_000)
    first, second, third = (feed.publish(n, "mia") for n in (1, 2, 3))
    feed.engage(third, Engagement(views=12))  # score 12
    feed.engage(second, Engagement(shares=1))  # score 12, published earlier
    feed.engage(first, Engagement(likes=2))  # score 8

    assert [(feed.standing(v).rank, feed.standing(v).score) for v in (second, third, first)] == [
        (1, 12),
        (2, 12),
        (3, 8),
    ]
    assert {feed.standing(v).category_size for v in (first, second, third)} == {3}


def test_an_engagement_report_moves_one_video_and_the_others_keep_their_order() -> None:
    feed = Feed()
    feed.creator("mia", 150_000)
    videos = [feed.publish(n, "mia") for n in range(1, 31)]
    for score, video_id in zip(range(300, 0, -10), videos, strict=True):
        feed.engage(video_id, Engagement(views=score))
    before = [feed.standing(v).rank for v in videos]
    assert before == list(range(1, 31))

    feed.engage(videos[20], Engagement(views=85))  # 100 + 85 = 185: between 190 and 180

    after = {v: feed.standing(v).rank for v in videos}
    assert after[videos[20]] == 13
    others = [v for v in videos if v != videos[20]]
    assert sorted(others, key=after.__getitem__) == others
    assert [after[v] for v in videos[:12]] == list(range(1, 13))
    assert [after[v] for v in videos[12:20]] == list(range(14, 22))
    assert [after[v] for v in videos[21:]] == list(range(22, 31))


def test_only_the_top_ranks_of_a_category_are_inventory() -> None:
    feed = Feed()
    feed.creator("mia", 150_000)
    dance = [feed.publish(n, "mia", "dance") for n in range(1, 27)]  # 26 videos: top 2
    comedy = [feed.publish(n, "mia", "comedy") for n in range(101, 104)]  # 3 videos: top 1

    assert [feed.standing(v).is_inventory for v in dance[:3]] == [True, True, False]
    assert feed.standing(dance[2]).why_not == "rank 3 of 26 is outside the top 2 of dance"
    assert [feed.standing(v).is_inventory for v in comedy] == [True, False, False]
    assert [s.video_id for s in feed.inventory("dance")] == dance[:2]
    assert [s.video_id for s in feed.inventory("comedy")] == comedy[:1]
    assert feed.inventory("pets") == []
    assert feed.projection.standing(feed.generation, UUID(int=999)) is None


def test_a_follower_count_below_the_threshold_takes_the_videos_out_until_a_later_count() -> None:
    feed = Feed()
    feed.creator("mia", 150_000)
    video = feed.publish(1, "mia")
    assert feed.standing(video).is_inventory

    feed.count("mia", 99_999)
    out = feed.standing(video)
    assert (out.is_inventory, out.rank) == (False, 1)
    assert "below 100,000" in out.why_not
    assert feed.inventory("dance") == []

    feed.count("mia", 100_000)
    assert feed.standing(video).is_inventory


def test_only_approved_creators_videos_are_inventory() -> None:
    feed = Feed()
    feed.creator("mia", 150_000, approved=False)
    video = feed.publish(1, "mia")

    assert not feed.standing(video).is_inventory
    assert feed.standing(video).why_not == "creator mia is not approved for Pulse"

    enrolment, creator = feed.enrolments["mia"], feed.creators["mia"]
    enrolment.approve(creator, launched_regions=["US"], by="admin:ops", reason="ok", at=NOW)
    feed._apply(enrolment)
    assert feed.standing(video).is_inventory


def test_a_video_of_a_creator_never_enrolled_is_not_inventory() -> None:
    feed = Feed()
    video = feed.publish(1, "stranger")

    assert feed.standing(video).rank == 1
    assert not feed.standing(video).is_inventory


@attrs.frozen
class Published:
    creator: str
    category: str


@attrs.frozen
class Engaged:
    video: int
    added: Engagement


@attrs.frozen
class Counted:
    creator: str
    followers: int


CREATORS = ("mia", "leo", "ana")
APPROVED = ("mia", "leo")
steps = st.lists(
    st.one_of(
        st.builds(
            Published,
            creator=st.sampled_from(CREATORS),
            category=st.sampled_from(["dance", "comedy"]),
        ),
        st.builds(
            Engaged,
            video=st.integers(0, 80),
            added=st.builds(
                Engagement,
                views=st.integers(0, 50),
                likes=st.integers(0, 3),
                shares=st.integers(0, 2),
                comments=st.integers(0, 2),
            ).filter(lambda e: not e.is_empty),
        ),
        st.builds(
            Counted,
            creator=st.sampled_from(CREATORS),
            followers=st.sampled_from([0, 99_999, 100_000, 2_000_000]),
        ),
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(steps=steps)
def test_inventory_always_equals_a_ranking_computed_from_scratch(
    steps: Sequence[Published | Engaged | Counted],
) -> None:
    feed = Feed()
    followers = dict.fromkeys(CREATORS, 150_000)
    for account in CREATORS:
        feed.creator(account, followers[account], approved=account in APPROVED)
    published: list[tuple[UUID, str, str]] = []  # in publication order
    scores: dict[UUID, int] = {}
    for step in steps:
        if isinstance(step, Published):
            video_id = feed.publish(len(published) + 1, step.creator, step.category)
            published.append((video_id, step.creator, step.category))
            scores[video_id] = 0
        elif isinstance(step, Engaged) and step.video < len(published):
            video_id = published[step.video][0]
            feed.engage(video_id, step.added)
            scores[video_id] += step.added.score
        elif isinstance(step, Counted):
            feed.count(step.creator, step.followers)
            followers[step.creator] = step.followers

    for category in ("dance", "comedy"):
        expected = ranked([(v, c) for v, c, cat in published if cat == category], scores, published)
        top = inventory_size(len(expected))
        for rank, (video_id, creator) in enumerate(expected, start=1):
            standing = feed.standing(video_id)
            eligible = creator in APPROVED and followers[creator] >= 100_000
            assert (standing.rank, standing.score, standing.category_size, standing.top) == (
                rank,
                scores[video_id],
                len(expected),
                top,
            )
            assert standing.is_inventory == (rank <= top and eligible)
        assert [s.video_id for s in feed.inventory(category)] == [
            v
            for rank, (v, c) in enumerate(expected, start=1)
            if rank <= top and c in APPROVED and followers[c] >= 100_000
        ]


def ranked(
    videos: Iterable[tuple[UUID, str]],
    scores: dict[UUID, int],
    published: list[tuple[UUID, str, str]],
) -> list[tuple[UUID, str]]:
    order = {video_id: number for number, (video_id, _, _) in enumerate(published)}
    return sorted(videos, key=lambda vc: (-scores[vc[0]], order[vc[0]]))


# Through the services ------------------------------------------------------------------------


def enrolled(core: Spotlight, account: str, *, followers: int = 150_000) -> Principal:
    creator = Principal(Role.CREATOR, account)
    core.creators.register(creator, region="US")
    core.creators.count_followers(OPS, account, followers)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, account, approve=True, reason="fits")
    return creator


def publish(core: Spotlight, creator: Principal, count: int, category: str = "dance") -> list[UUID]:
    return [
        CatalogueDriver(core)
        .publish_video(creator, caption=f"v{n}", hashtags=[], category=category)
        .id
        for n in range(count)
    ]


def test_the_services_keep_the_inventory_from_both_logs(core: Spotlight, clock: FixedClock) -> None:
    mia = enrolled(core, "mia")
    leo = Principal(Role.CREATOR, "leo")
    core.creators.register(leo, region="US")
    core.creators.count_followers(OPS, "leo", 500_000)
    core.pulse.apply(leo)  # applied, never approved
    mias = publish(core, mia, 20)
    leos = publish(core, leo, 10)  # 30 dance videos: the top 2 are inventory

    core.audience.record_engagement(
        OPS, "e-1", [(leos[0], Engagement(views=900)), (mias[5], Engagement(views=500))]
    )
    core.cataloguing.record_engagement(OPS, mias[9], Engagement(likes=100))  # score 400

    assert [(s.video_id, s.rank) for s in core.pulse.inventory("dance")] == [(mias[5], 2)]
    assert core.pulse.standing(leos[0]).rank == 1
    assert "not approved" in core.pulse.standing(leos[0]).why_not
    assert core.pulse.standing(mias[9]).rank == 3
    with pytest.raises(NotFound):
        core.pulse.standing(UUID(int=12345))

    clock.advance(timedelta(days=1))
    core.creators.count_followers(OPS, "mia", 80_000)
    assert core.pulse.inventory("dance") == []
    clock.advance(timedelta(days=1))
    core.creators.count_followers(OPS, "mia", 120_000)
    assert [s.video_id for s in core.pulse.inventory("dance")] == [mias[5]]


def test_impressions_are_billed_only_beside_inventory_with_its_evidence(core: Spotlight) -> None:
    mia = enrolled(core, "mia")
    dance = publish(core, mia, 26)  # top 2
    [comedy] = publish(core, mia, 1, "comedy")
    core.audience.record_engagement(OPS, "e-1", [(dance[3], Engagement(shares=10))])
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category="dance",
        budget=Money(100_00, "USD"),
        cpm=Money(4_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )

    for outside in (dance[2], comedy):
        with pytest.raises(NotInventory):
            core.pulse.record_impressions(
                OPS, batch_key="b-0", campaign_id=campaign.id, placements=[(outside, 100)]
            )
    receipt = core.pulse.record_impressions(
        OPS,
        batch_key="b-1",
        campaign_id=campaign.id,
        placements=[(dance[3], 1_000), (dance[0], 10)],
    )

    batch = core._revenue.load(ImpressionBatch, receipt.batch_id)
    assert [(p.video_id, p.rank, p.category_size, p.creator) for p in batch.placements] == [
        (dance[3], 1, 26, "mia"),
        (dance[0], 2, 26, "mia"),
    ]
    assert receipt.billed == Money(4_00 + 4, "USD")  # 10 impressions at 4.00: 4 cents
