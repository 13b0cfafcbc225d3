"""The creator marketplace's rows come out the same whether the catalogue's events are applied
one at a time or a page at a time, the pages cut anywhere; and a search of those rows ranks
the creators exactly as the rule says, worked out here in plain Python from the same story
(the text signal given as numbers, apart from the text index)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.marketplace import SqlMarketplaceTables, creator_text
from adapters.storage import parse_store
from application.business.marketplace_projection import (
    NAME,
    ONE,
    CreatorSearch,
    MarketplaceProjection,
    audience_signal,
    category_signal,
    combined,
    engagement_signal,
    rate_bp,
)
from domain.anchors.audience import EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
ACCOUNTS = ("ana", "ben", "cy", "dee")
CATEGORIES = ("dance", "comedy", "beauty")
REGIONS = ("US", "JP")

added = st.builds(
    Engagement,
    views=st.integers(0, 50),
    likes=st.integers(0, 9),
    shares=st.integers(0, 2),
    comments=st.integers(0, 2),
).filter(lambda e: not e.is_empty)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 3), st.sampled_from(REGIONS)),
        st.tuples(st.just("publish"), st.integers(0, 3), st.sampled_from(CATEGORIES)),
        st.tuples(st.just("publish"), st.integers(0, 3), st.just("dance")),
        st.tuples(
            st.just("batch"), st.lists(st.tuples(st.integers(0, 30), added), min_size=1, max_size=5)
        ),
        st.tuples(st.just("count"), st.integers(0, 3), st.integers(0, 2_000_000)),
        st.tuples(st.just("band"), st.integers(0, 3), st.sampled_from(list(AgeBand))),
    ),
    min_size=4,
    max_size=50,
)


@attrs.define
class Facts:
    """A creator as the rule sees them, from the story."""

    region: str = ""
    followers: int = 0
    categories: Counter[str] = attrs.Factory(Counter)
    views: int = 0
    engagements: int = 0
    minor: bool = False


def story(steps: list[tuple[Any, ...]]) -> tuple[list[Any], dict[str, Facts]]:
    """The catalogue's events the steps record, in log order, and each creator's facts."""
    events: list[Any] = []
    facts: dict[str, Facts] = {}
    creators: dict[str, Creator] = {}
    creator_of: dict[UUID, str] = {}

    def record(aggregate: Aggregate) -> None:
        events.extend(aggregate.collect_events())

    for number, (kind, *args) in enumerate(steps):
        if kind == "register" and ACCOUNTS[args[0]] not in creators:
            account = ACCOUNTS[args[0]]
            creators[account] = Creator.register(account=account, region=args[1], at=NOW)
            facts.setdefault(account, Facts()).region = args[1]
            record(creators[account])
        elif kind == "publish":
            account = ACCOUNTS[args[0]]
            video = Video.publish(
                UUID(int=len(creator_of) + 1),
                creator_id=account,
                caption=f"{account} {args[1]}",
                hashtags=[],
                category=args[1],
                at=NOW,
            )
            creator_of[video.id] = account
            facts.setdefault(account, Facts()).categories[args[1]] += 1
            record(video)
        elif kind == "batch":
            counts = [EngagementCount(UUID(int=which + 1), more) for which, more in args[0]]
            for count in counts:
                if count.video_id in creator_of:
                    line = facts[creator_of[count.video_id]]
                    line.views += count.added.views
                    line.engagements += (
                        count.added.likes + count.added.shares + count.added.comments
                    )
            record(
                EngagementBatch.record(
                    UUID(int=10_000 + number), reporter="r", counts=counts, at=NOW
                )
            )
        elif kind == "count" and ACCOUNTS[args[0]] in creators:
            creators[ACCOUNTS[args[0]]].count_followers(args[1], at=NOW, by="admin:ops")
            facts[ACCOUNTS[args[0]]].followers = args[1]
            record(creators[ACCOUNTS[args[0]]])
        elif kind == "band" and ACCOUNTS[args[0]] in creators:
            creators[ACCOUNTS[args[0]]].verify_age_band(
                args[1], reason="checked", by="admin:ops", at=NOW
            )
            facts[ACCOUNTS[args[0]]].minor = args[1].is_minor
            record(creators[ACCOUNTS[args[0]]])
    return events, facts


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.projection = MarketplaceProjection(
            SqlMarketplaceTables(self.store), creator_text(self.store)
        )
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, page: Sequence[tuple[Any, int]]) -> None:
        end = page[-1][1]
        with self.store.batch(NAME, self.generation, "catalogue", self.position, end) as batch:
            if len(page) == 1:
                self.projection.apply(batch, "catalogue", *page[0])
            else:
                self.projection.apply_page(batch, "catalogue", page)
        self.position = end

    def export(self) -> object:
        return self.projection.export(self.generation, {})

    def close(self) -> None:
        self.store.close()


@settings(max_examples=60, deadline=None)
@given(steps=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_rows(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    one_by_one, by_pages = Rows(), Rows()
    events, _facts = story(steps)
    events = [(event, position) for position, event in enumerate(events, start=1)]
    for event in events:
        one_by_one.apply([event])
    while events:
        size = data.draw(st.integers(1, len(events)))
        by_pages.apply(events[:size])
        events = events[size:]

    assert by_pages.export() == one_by_one.export()
    one_by_one.close()
    by_pages.close()


subsets = st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2).map(tuple)
searches = st.builds(
    CreatorSearch,
    text=st.none() | st.dictionaries(st.sampled_from(ACCOUNTS), st.integers(0, ONE), max_size=3),
    text_only=st.booleans(),
    categories=subsets,
    campaign_categories=subsets,
    regions=st.lists(st.sampled_from(REGIONS), unique=True, max_size=1).map(tuple),
    followers_min=st.none() | st.integers(0, 1_000_000),
    followers_max=st.none() | st.integers(0, 2_000_000),
    rate_min_bp=st.none() | st.integers(0, 3_000),
    wanted_categories=subsets,
    wanted_regions=st.lists(st.sampled_from(REGIONS), unique=True, max_size=2).map(tuple),
)


def ranked_by_the_rule(facts: dict[str, Facts], search: CreatorSearch) -> list[str]:
    return [account for _score, account in scored_by_the_rule(facts, search)]


def scored_by_the_rule(facts: dict[str, Facts], search: CreatorSearch) -> list[tuple[int, str]]:
    """The candidates with their scores, best first (then by account)."""
    said = dict(search.text or {})

    def makes(account: str, categories: Sequence[str]) -> bool:
        return any(facts[account].categories[c] for c in categories)

    if search.text_only:
        candidates = set(said) & set(facts)
    elif search.categories:
        candidates = {a for a in facts if makes(a, search.categories)}
    elif search.campaign_categories:
        candidates = {a for a in facts if a in said or makes(a, search.campaign_categories)}
    else:
        candidates = set(facts)
    scored = []
    for account in candidates:
        f = facts[account]
        if (
            f.minor
            or (search.categories and not makes(account, search.categories))
            or (search.regions and f.region not in search.regions)
            or (search.followers_min is not None and f.followers < search.followers_min)
            or (search.followers_max is not None and f.followers > search.followers_max)
            or (
                search.rate_min_bp is not None
                and rate_bp(f.views, f.engagements) < search.rate_min_bp
            )
        ):
            continue
        scores = {}
        if search.text is not None:
            scores["text"] = said.get(account, 0)
        if search.wanted_categories:
            inside = sum(f.categories[c] for c in search.wanted_categories)
            scores["category"] = category_signal(inside, sum(f.categories.values()))
        if search.wanted_regions:
            scores["region"] = ONE if f.region in search.wanted_regions else 0
        scores["engagement"] = engagement_signal(f.views, f.engagements)
        scores["audience"] = audience_signal(f.followers)
        scored.append((-combined(scores), account))
    return [(-negated, account) for negated, account in sorted(scored)]


@settings(max_examples=80, deadline=None)
@given(steps=steps, search=searches, offset=st.integers(0, 3))
def test_a_search_of_the_rows_ranks_the_creators_as_the_rule_does(
    steps: list[tuple[Any, ...]], search: CreatorSearch, offset: int
) -> None:
    rows = Rows()
    events, facts = story(steps)
    if events:
        rows.apply([(event, position) for position, event in enumerate(events, start=1)])

    # A page starts after the (score, account) of the one before it; past every one, nothing.
    scored = scored_by_the_rule(facts, search)
    after = None if offset == 0 else scored[offset - 1] if offset <= len(scored) else (-1, "")
    found = rows.projection.tables.search(rows.generation, search, after=after, limit=3)

    assert [f.account for f in found] == ranked_by_the_rule(facts, search)[offset : offset + 3]
    for row in found:
        f = facts[row.account]
        assert (row.region, row.followers, row.videos) == (
            f.region,
            f.followers,
            sum(f.categories.values()),
        )
        assert row.inside == sum(f.categories[c] for c in search.wanted_categories)
    rows.close()
