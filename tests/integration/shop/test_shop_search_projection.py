"""Shop search persisted in the projection store: a search reads the offers and the text
index from its rows, a restarted core applies nothing again and answers the same, a crash in
the middle of a batch keeps nothing of it, and a rebuild from zero answers what the live
projection answers.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.shop.search_filters import SearchFilters
from application.shop.shop_search import NAME, ListingText
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
VIC = Principal(Role.VIEWER, "vic")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "shop_search")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def list_product(core: Spotlight, title: str, *, stock: int = 5) -> UUID:
    return core.shop.list_product(
        ACME,
        title=title,
        description="made to last",
        price=Money(49_99, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


class Story:
    """Acme lists four handbags; one is delisted, one sold out."""

    def __init__(self, core: Spotlight) -> None:
        core.shop.register_seller(ACME, name="Acme")
        self.leather = list_product(core, "Leather handbag")
        self.canvas = list_product(core, "Canvas handbag")
        self.suede = list_product(core, "Suede handbag")
        self.last = list_product(core, "Last handbag", stock=1)
        core.shop.delist(ACME, self.suede, reason="discontinued")
        core.shop.place_order(VIC, listing_id=self.last, quantity=1, order_key="k-1")


def found(core: Spotlight, query: str) -> list[tuple[UUID, float]]:
    return [(r.listing_id, r.score) for r in core.shop_search.search(query, limit=50).items]


def test_a_search_reads_the_offers_and_the_words_from_the_rows(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)

    assert [listing for listing, _ in found(core, "leather handbga")] == [
        story.leather,
        story.canvas,
    ]
    view = core.read_models[NAME].export({})
    # Each listing holds 9 words: its title's two thrice, 'made to last' once; the suede
    # handbag's are forgotten.
    assert view["shop_text:totals"] == (3, 3 * 9)
    assert f"shop_text:document:{story.suede}" not in view

    core.shop.restock(ACME, story.last, 2)
    assert {listing for listing, _ in found(core, "handbag")} == {
        story.leather,
        story.canvas,
        story.last,
    }


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    before = found(core, "handbag")
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert found(restarted, "handbag") == before
    # And it goes on from there.
    tote = list_product(restarted, "Handbag tote")
    assert [listing for listing, _ in found(restarted, "tote")] == [tote]
    assert len(found(restarted, "handbag")) == len(before) + 1
    assert story.leather in dict(found(restarted, "leather"))


def test_a_crash_in_the_middle_of_a_batch_keeps_nothing_of_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    Story(core)
    core.projections.catch_up(NAME)
    before = core.read_models[NAME].export({})
    totes = [list_product(core, f"Tote {n}") for n in range(3)]
    tables = core.shop_search.projection.tables
    index = tables.index

    def crashing(batch: Any, texts: Mapping[UUID, ListingText]) -> None:
        # The three listings are one page, written at once: killed once they are written,
        # before the batch commits.
        index(batch, texts)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "index", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    assert core.read_models[NAME].export({}) == before
    monkeypatch.setattr(tables, "index", index)

    assert {listing for listing, _ in found(core, "tote")} == set(totes)
    view = core.read_models[NAME].export({})
    assert view["shop_text:totals"] == (6, 6 * 9)
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert core.read_models[NAME].export({}) == view
    assert {listing for listing, _ in found(core, "tote")} == set(totes)


def test_filters_and_orders_are_read_from_the_rows(deployment: Deployment) -> None:
    core = deployment.start()
    core.shop.register_seller(ACME, name="Acme")
    ids: dict[str, UUID] = {}
    for title, minor, currency, category, stock in [
        ("Cheap handbag", 5_00, "USD", "fashion", 3),
        ("Dear handbag", 90_00, "USD", "fashion", 3),
        ("Mid handbag", 40_00, "USD", "fashion", 3),
        ("Pet handbag", 40_00, "USD", "pets", 3),
        ("Gone handbag", 20_00, "USD", "fashion", 0),
        ("Euro handbag", 10_00, "EUR", "fashion", 3),
    ]:
        deployment.clock.advance(timedelta(minutes=1))
        ids[title.split()[0]] = core.shop.list_product(
            ACME,
            title=title,
            description="",
            price=Money(minor, currency),
            stock=stock,
            category=category,
            images=[plain_photo(title)],
        ).id

    def titles(**given: Any) -> list[str]:
        filters = SearchFilters(**given)
        return [
            r.title.split()[0]
            for r in every_page(
                lambda cursor: core.shop_search.search(
                    "handbag", filters=filters, limit=2, cursor=cursor
                )
            )
        ]

    assert titles(category="fashion", currency="USD", sort="price_asc") == ["Cheap", "Mid", "Dear"]
    assert titles(currency="USD", min_price=10_00, max_price=40_00, sort="price_desc")[:2] == (
        sorted(["Mid", "Pet"], key=lambda word: str(ids[word]))
    )
    assert titles(currency="USD", min_price=10_00, max_price=40_00, in_stock=False)
    assert "Gone" in titles(in_stock=False)
    assert "Gone" not in titles()
    assert titles(sort="newest") == ["Euro", "Pet", "Mid", "Dear", "Cheap"]
    # The filters are read from persisted rows: a restarted core answers the same.
    again = deployment.fresh_start()
    assert [
        r.listing_id
        for r in again.shop_search.search("handbag", filters=SearchFilters(category="pets")).items
    ] == [ids["Pet"]]
