"""Finding listings by text: BM25 over folded words (the title counts three times), typos
resolved through the vocabulary, forgotten listings gone for good, and a query that reads
only the postings of its own words. Through the shop, only what a viewer can buy is found."""

from __future__ import annotations

import random
from collections import defaultdict
from functools import partial
from typing import Any
from uuid import UUID

import numpy as np
import pytest

from adapters.search.listings import BM25ListingSearch, SearchHit
from application.auth import Principal, Role
from application.paging import Page
from domain.errors import InvalidValue
from domain.money import Money
from domain.shop.listings import STRIKES_TO_SUSPEND, ListingStatus
from entrypoints.bootstrap import Spotlight
from tests.pages import every_page
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
VIC = Principal(Role.VIEWER, "vic")


def lid(n: int) -> UUID:
    return UUID(int=n)


def engine_with(*listings: tuple[str, str]) -> BM25ListingSearch:
    """Listings 1, 2, ... with (title, description)."""
    engine = BM25ListingSearch()
    for n, (title, description) in enumerate(listings, start=1):
        engine.index(lid(n), title=title, description=description, attributes={})
    return engine


def found(engine: BM25ListingSearch, query: str, limit: int = 10) -> list[UUID]:
    return [hit.listing_id for hit in engine.search(query, limit=limit)]


# Ranking ------------------------------------------------------------------------------------


def test_an_empty_index_finds_nothing() -> None:
    engine = BM25ListingSearch()
    assert engine.search("handbag", limit=10) == []
    assert len(engine) == 0


def test_a_word_in_the_title_counts_more_than_in_the_description() -> None:
    engine = engine_with(
        ("Brown tote", "A roomy handbag for every day"),
        ("Handbag", "A roomy tote for every day"),
        ("Garden hose", "Twenty metres"),
    )

    hits = engine.search("handbag", limit=10)

    assert [h.listing_id for h in hits] == [lid(2), lid(1)]
    assert hits[0].score > hits[1].score > 0
    assert all(h.matched == ("handbag",) for h in hits)


def test_a_rare_word_weighs_more_than_a_common_one() -> None:
    engine = engine_with(
        ("Leather wallet", ""),
        ("Leather belt", ""),
        ("Leather gloves", ""),
        ("Canvas satchel", ""),
    )

    hits = engine.search("leather satchel", limit=10)

    assert hits[0].listing_id == lid(4)  # the only satchel beats three leathers
    assert {h.listing_id for h in hits} == {lid(1), lid(2), lid(3), lid(4)}
    assert hits[1].score == hits[2].score == hits[3].score  # equally long, equally leather


def test_a_listing_matching_more_of_the_query_ranks_higher() -> None:
    engine = engine_with(
        ("Leather belt", ""),
        ("Leather handbag", ""),
        ("Canvas handbag", ""),
        ("Wool scarf", ""),
    )
    assert found(engine, "leather handbag")[0] == lid(2)


def test_a_shorter_listing_ranks_above_a_longer_one_saying_the_same_once() -> None:
    engine = engine_with(
        ("Handbag", "brown"),
        ("Handbag", "brown with brass buckle zip pocket and a long shoulder strap"),
        ("Scarf", "wool"),
    )
    assert found(engine, "handbag") == [lid(1), lid(2)]


def test_equal_scores_are_ordered_by_id_and_the_limit_holds() -> None:
    engine = engine_with(*[("Handbag", "") for _ in range(5)])

    assert found(engine, "handbag", limit=3) == [lid(1), lid(2), lid(3)]
    assert len({h.score for h in engine.search("handbag", limit=5)}) == 1


def test_words_are_folded_before_they_are_compared() -> None:
    engine = engine_with(("Café crème MUG", ""), ("Teapot", ""))

    assert found(engine, "CAFE creme") == [lid(1)]
    assert found(engine, "mug!") == [lid(1)]
    assert found(engine, "   ") == []


def test_attributes_are_searched_like_the_description() -> None:
    engine = BM25ListingSearch()
    engine.index(lid(1), title="Tote", description="", attributes={"material": "Leather"})
    engine.index(lid(2), title="Tote", description="", attributes={"leather": "no"})

    assert found(engine, "leather") == [lid(1)]  # values count, names do not


# Typos --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typo", ["handbga", "handbagg", "HANDBAF", "handbags"])
def test_a_misspelt_word_finds_the_word_it_stands_for(typo: str) -> None:
    engine = engine_with(("Leather handbag", ""), ("Garden hose", ""), ("Hand cream", ""))

    hits = engine.search(typo, limit=10)

    assert [(h.listing_id, h.matched) for h in hits] == [(lid(1), ("handbag",))]


def test_a_typo_counts_less_than_the_word_itself() -> None:
    engine = engine_with(("Leather handbag", ""), ("Garden hose", ""))

    exact = engine.search("handbag", limit=1)[0].score
    misspelt = engine.search("handbga", limit=1)[0].score

    assert 0 < misspelt < exact


def test_a_word_spelt_right_is_not_read_as_a_typo_of_another() -> None:
    engine = engine_with(("Leather handbag", ""), ("Leather handbags", ""))
    assert [h.matched for h in engine.search("handbag", limit=10)] == [("handbag",)]


def test_short_or_unrelated_words_find_nothing() -> None:
    engine = engine_with(("Leather handbag", ""), ("Red hat", ""))

    assert found(engine, "ht") == []  # too short to be read as a typo
    assert found(engine, "bicycle") == []
    assert found(engine, "hndbg") == []  # too far from any word


def test_one_slip_in_a_short_word_or_two_swapped_letters_still_find_it() -> None:
    engine = engine_with(("Red hat", ""), ("Ceramic mug", ""), ("Denim jacket", ""))

    assert found(engine, "hta") == [lid(1)]  # swapped
    assert found(engine, "umg") == [lid(2)]
    assert found(engine, "mg") == []  # two letters: taken as typed
    assert found(engine, "muug") == [lid(2)]  # a letter doubled
    assert found(engine, "jcaket") == [lid(3)]  # few trigrams in common with 'jacket'
    assert found(engine, "dnim jakcet") == [lid(3)]


# Forgetting ---------------------------------------------------------------------------------


def test_a_forgotten_listing_is_never_found_again() -> None:
    engine = engine_with(("Leather handbag", ""), ("Leather belt", ""))

    engine.forget(lid(1))

    assert len(engine) == 1
    assert found(engine, "handbag") == []
    assert found(engine, "handbga") == []  # its words left the vocabulary too
    assert found(engine, "leather") == [lid(2)]
    engine.forget(lid(1))  # forgetting twice is harmless
    engine.forget(lid(99))
    assert found(engine, "leather") == [lid(2)]


def test_reindexing_a_listing_replaces_its_words() -> None:
    engine = engine_with(("Leather handbag", ""), ("Leather belt", ""))

    engine.index(lid(1), title="Canvas tote", description="", attributes={})

    assert len(engine) == 2
    assert found(engine, "handbag") == []
    assert found(engine, "tote") == [lid(1)]
    assert found(engine, "leather") == [lid(2)]


def test_forgetting_everything_leaves_scores_as_if_it_was_never_indexed() -> None:
    fresh = engine_with(("Leather handbag", "brown"), ("Wool scarf", "grey"))
    churned = engine_with(("Leather handbag", "brown"), ("Wool scarf", "grey"))
    for n in range(10, 20):
        churned.index(lid(n), title="Leather anything", description="x y z", attributes={})
    for n in range(10, 20):
        churned.forget(lid(n))

    assert churned.search("leather handbag", limit=5) == fresh.search("leather handbag", limit=5)
    assert churned.search("scraf", limit=5) == fresh.search("scraf", limit=5)


# A query reads only its own postings ----------------------------------------------------------


class _RecordingPostings(defaultdict[str, dict[int, int]]):
    def __init__(self) -> None:
        super().__init__(dict)
        self.read: set[str] = set()

    def __getitem__(self, word: str) -> dict[int, int]:
        self.read.add(word)
        return super().__getitem__(word)


class _RecordingLengths(np.ndarray[Any, np.dtype[np.float64]]):
    """The engine's array of listing lengths, remembering which listings were looked at."""

    read: set[int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, np.ndarray):
            self.read.update(int(o) for o in np.arange(len(self))[key])
        elif isinstance(key, slice):
            self.read.update(range(*key.indices(len(self))))
        elif isinstance(key, int | np.integer):
            self.read.add(int(key))
        return super().__getitem__(key)


class CountingSearch(BM25ListingSearch):
    """The engine, remembering which postings and which listings' lengths it read."""

    def __init__(self) -> None:
        super().__init__()
        self.postings = _RecordingPostings()
        self.lengths = np.zeros(4096, dtype=np.float64).view(_RecordingLengths)
        self.lengths.read = set()
        self._postings = self.postings
        self._lengths = self.lengths
        self.texts: dict[UUID, str] = {}

    def counted_search(self, query: str) -> list[SearchHit]:
        self.postings.read.clear()
        self.lengths.read.clear()
        return self.search(query, limit=1_000)

    @property
    def lengths_read(self) -> set[UUID]:
        return {listing for o in self.lengths.read if (listing := self._ids[o]) is not None}


VOCABULARY = [
    "leather", "canvas", "wool", "silk", "denim", "linen", "cotton", "suede", "velvet",
    "belt", "wallet", "scarf", "gloves", "boots", "jacket", "shirt", "skirt", "tote", "cap",
    "brown", "black", "navy", "olive", "ivory", "crimson", "amber", "teal", "plum", "sand",
]  # fmt: skip


@pytest.fixture
def crowded() -> CountingSearch:
    """A thousand listings of common words, and three handbags among them."""
    engine = CountingSearch()
    draw = random.Random(7)
    for n in range(1, 1_001):
        title, description = " ".join(draw.sample(VOCABULARY, 2)), draw.choice(VOCABULARY)
        engine.texts[lid(n)] = f"{title} {description}"
        engine.index(lid(n), title=title, description=description, attributes={})
    for n, title in ((2_001, "Leather handbag"), (2_002, "Handbag strap"), (2_003, "Handbag")):
        engine.texts[lid(n)] = title.lower()
        engine.index(lid(n), title=title, description="", attributes={})
    return engine


def test_a_query_reads_the_postings_of_its_words_only(crowded: CountingSearch) -> None:
    hits = crowded.counted_search("handbag")

    assert {h.listing_id for h in hits} == {lid(2_001), lid(2_002), lid(2_003)}
    assert crowded.postings.read == {"handbag"}
    assert crowded.lengths_read == {lid(2_001), lid(2_002), lid(2_003)}


def test_a_typo_reads_the_postings_of_the_words_it_stands_for_only(
    crowded: CountingSearch,
) -> None:
    hits = crowded.counted_search("handbga strap")

    assert {h.listing_id for h in hits} == {lid(2_001), lid(2_002), lid(2_003)}
    assert crowded.postings.read == {"handbag", "strap"}
    assert crowded.lengths_read == {lid(2_001), lid(2_002), lid(2_003)}


def test_a_query_of_unknown_words_reads_no_postings(crowded: CountingSearch) -> None:
    assert crowded.counted_search("bicycle zzz") == []
    assert crowded.postings.read == set()
    assert crowded.lengths_read == set()


def test_a_common_word_reads_exactly_the_listings_holding_it(crowded: CountingSearch) -> None:
    hits = crowded.counted_search("teal")
    holding = {listing_id for listing_id, text in crowded.texts.items() if "teal" in text.split()}

    assert crowded.postings.read == {"teal"}
    assert {h.listing_id for h in hits} == crowded.lengths_read == holding
    assert 0 < len(holding) < 1_000


# Through the shop ---------------------------------------------------------------------------


def list_product(core: Spotlight, title: str, *, stock: int = 5, description: str = "") -> UUID:
    if not core._revenue.recorder.max_notification_id():
        core.shop.register_seller(ACME, name="Acme")
    return core.shop.list_product(
        ACME,
        title=title,
        description=description,
        price=Money(49_99, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


def searched(core: Spotlight, query: str) -> list[UUID]:
    return [r.listing_id for r in core.shop_search.search(query).items]


def test_the_shop_finds_only_what_a_viewer_can_buy(core: Spotlight) -> None:
    bag = list_product(core, "Leather handbag", stock=1)
    tote = list_product(core, "Canvas handbag")
    delisted = list_product(core, "Suede handbag")
    taken_down = list_product(core, "Logo handbag")
    empty = list_product(core, "Silk handbag", stock=0)
    core.shop.delist(ACME, delisted, reason="discontinued")
    report = core.reports.file(VIC, taken_down, reason="fake logo")
    core.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert set(searched(core, "handbga")) == {bag, tote}
    first, *_ = core.shop_search.search("leather handbag").items
    assert (first.listing_id, first.title, first.seller, first.price) == (
        bag,
        "Leather handbag",
        "acme",
        Money(49_99, "USD"),
    )

    core.shop.place_order(VIC, listing_id=bag, quantity=1, order_key="k-1")
    assert searched(core, "handbag") == [tote]
    core.shop.restock(ACME, bag, 2)
    core.shop.restock(ACME, empty, 1)
    assert set(searched(core, "handbag")) == {bag, tote, empty}
    assert searched(core, "suede") == searched(core, "logo") == []


def test_the_shop_finds_nothing_of_a_suspended_seller(core: Spotlight) -> None:
    bag = list_product(core, "Leather handbag")
    fakes = [list_product(core, f"Logo handbag {n}") for n in range(STRIKES_TO_SUSPEND)]
    for n, fake in enumerate(fakes):
        report = core.reports.file(VIC, fake, reason=f"fake logo {n}")
        core.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert core.shop.seller("acme").suspended
    assert core.shop.listing(bag).status is ListingStatus.LISTED
    assert searched(core, "handbag") == searched(core, "leather") == []


def test_an_edited_listing_is_found_by_its_new_words_only(core: Spotlight) -> None:
    bag = list_product(core, "Leather handbag")
    core.shop.edit_listing(
        ACME,
        bag,
        title="Leather satchel",
        description="",
        price=Money(59_99, "USD"),
        category="fashion",
        attributes={"colour": "tan"},
    )

    assert searched(core, "handbag") == []
    assert searched(core, "satchel") == searched(core, "tan") == [bag]
    assert core.shop_search.search("satchel").items[0].price == Money(59_99, "USD")


def test_shop_results_come_a_page_at_a_time(core: Spotlight) -> None:
    listings = [list_product(core, f"Handbag {n}") for n in range(5)]

    page = core.shop_search.search("handbag", limit=2)
    rest = core.shop_search.search("handbag", cursor=page.next_cursor, limit=10)

    assert len(page.items) == 2
    assert page.next_cursor is not None
    assert rest.next_cursor is None
    assert [r.listing_id for r in page.items + rest.items] == [
        r.listing_id for r in core.shop_search.search("handbag", limit=10).items
    ]
    assert {r.listing_id for r in page.items + rest.items} == set(listings)
    assert core.shop_search.search("  ") == Page((), None)


def test_search_pages_at_any_size_follow_the_ranking_on_the_querys_own_cursor(
    core: Spotlight,
) -> None:
    # Titles of one length score alike: the ranking's ties go by listing id.
    for n in range(4):
        list_product(core, f"Handbag {n}")
        list_product(core, f"Leather handbag {n}")
    whole = core.shop_search.search("leather handbag", limit=50).items

    assert [r.score for r in whole] == sorted((r.score for r in whole), reverse=True)
    for limit in (1, 2, 3, 7):
        assert every_page(partial(core.shop_search.search, "leather handbag", limit=limit)) == list(
            whole
        )
    cursor = core.shop_search.search("leather handbag", limit=1).next_cursor
    assert core.shop_search.search("  Leather   HANDBAG ", cursor=cursor).items == whole[1:]
    with pytest.raises(InvalidValue, match="another query"):
        core.shop_search.search("handbag", cursor=cursor)
