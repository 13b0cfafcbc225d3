"""A seller's listings, sales and the reports against them, a buyer's orders and the
reviewers' counterfeit-report queue, read a page at a time from their persisted read model
through the Python API: every item once, in the order it happened, whatever the page size,
only the owner's, with the filters applied; a restarted core and a rebuild from zero answer
the same.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotPermitted
from application.shop.shop_lists import NAME
from domain.errors import InvalidValue
from domain.money import Money
from domain.shop.counterfeit import ReportStatus
from domain.shop.listings import ListingStatus
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
BOLT = Principal(Role.SELLER, "bolt")
VIC = Principal(Role.VIEWER, "vic")
MIA = Principal(Role.CREATOR, "mia")
RITA = Principal(Role.REVIEWER, "rita")
AUDITOR = Principal(Role.AUDITOR, "audrey")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "shop_lists")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def list_product(core: Spotlight, seller: Principal, title: str, *, stock: int = 5) -> UUID:
    return core.shop.list_product(
        seller,
        title=title,
        description="made to last",
        price=Money(20_00, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


class Story:
    """Acme and Bolt list six products each; Vic and Mia buy from both; Acme delists one;
    reports are filed against two of Acme's listings, one upheld (taken down) and one left
    open, and one against Bolt's, dismissed."""

    def __init__(self, core: Spotlight) -> None:
        core.shop.register_seller(ACME, name="Acme")
        core.shop.register_seller(BOLT, name="Bolt")
        self.acme: list[UUID] = []
        self.bolt: list[UUID] = []
        for n in range(6):
            self.acme.append(list_product(core, ACME, f"Acme bag {n}"))
            self.bolt.append(list_product(core, BOLT, f"Bolt belt {n}"))
        self.vic_orders: list[UUID] = []
        self.acme_sales: list[UUID] = []
        for n in range(4):
            order = core.shop.place_order(
                VIC, listing_id=self.acme[n], quantity=1, order_key=f"vic-acme-{n}"
            )
            self.vic_orders.append(order.id)
            self.acme_sales.append(order.id)
            self.vic_orders.append(
                core.shop.place_order(
                    VIC, listing_id=self.bolt[n], quantity=2, order_key=f"vic-bolt-{n}"
                ).id
            )
            self.acme_sales.append(
                core.shop.place_order(
                    MIA, listing_id=self.acme[0], quantity=1, order_key=f"mia-{n}"
                ).id
            )
        core.shop.delist(ACME, self.acme[5], reason="discontinued")
        self.upheld = core.reports.file(VIC, self.acme[1], reason="fake logo").id
        self.open = core.reports.file(MIA, self.acme[2], reason="stitching is off").id
        self.dismissed = core.reports.file(VIC, self.bolt[0], reason="looks odd").id
        core.reports.decide(RITA, self.upheld, uphold=True, reason="confirmed fake")
        core.reports.decide(RITA, self.dismissed, uphold=False, reason="genuine")


def test_each_seller_reads_their_own_listings_with_state_stock_and_open_reports(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)

    for limit in (1, 2, 5, 50):
        listings = every_page(partial(core.shop_lists.seller_listings, ACME, limit=limit))
        assert [row.listing_id for row in listings] == story.acme
    rows = {
        row.listing_id: row for row in every_page(partial(core.shop_lists.seller_listings, ACME))
    }
    assert rows[story.acme[0]].stock == 5 - 1 - 4
    assert rows[story.acme[1]].state is ListingStatus.TAKEN_DOWN
    assert rows[story.acme[2]].open_reports == 1
    assert rows[story.acme[1]].open_reports == 0  # upheld: decided
    assert rows[story.acme[5]].state is ListingStatus.DELISTED
    assert rows[story.acme[0]].price == Money(20_00, "USD")

    listed = every_page(
        partial(core.shop_lists.seller_listings, ACME, state=ListingStatus.LISTED, limit=2)
    )
    assert [row.listing_id for row in listed] == [story.acme[n] for n in (0, 2, 3, 4)]
    bolts = every_page(partial(core.shop_lists.seller_listings, AUDITOR, "bolt", limit=4))
    assert [row.listing_id for row in bolts] == story.bolt


def test_sales_orders_and_reports_are_each_owners_own_in_order(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)

    for limit in (1, 3, 50):
        sales = every_page(partial(core.shop_lists.seller_sales, ACME, limit=limit))
        assert sorted(row.order_id for row in sales) == sorted(story.acme_sales)
        assert [row.order for row in sales] == sorted(row.order for row in sales)
        orders = every_page(partial(core.shop_lists.buyer_orders, VIC, limit=limit))
        assert [row.order_id for row in orders] == story.vic_orders
    one_listing = every_page(
        partial(core.shop_lists.seller_sales, ACME, listing_id=story.acme[0], limit=2)
    )
    assert len(one_listing) == 5
    assert {row.listing_id for row in one_listing} == {story.acme[0]}
    assert {row.buyer for row in one_listing} == {"viewer:vic", "creator:mia"}
    assert every_page(partial(core.shop_lists.buyer_orders, AUDITOR, "creator:mia")) == [
        row for row in one_listing if row.buyer == "creator:mia"
    ]

    reports = every_page(partial(core.shop_lists.seller_reports, ACME, limit=1))
    assert [(row.report_id, row.state) for row in reports] == [
        (story.upheld, ReportStatus.UPHELD),
        (story.open, ReportStatus.OPEN),
    ]
    still_open = core.shop_lists.seller_reports(ACME, state=ReportStatus.OPEN)
    assert [row.report_id for row in still_open.items] == [story.open]
    bolt = every_page(partial(core.shop_lists.seller_reports, BOLT))
    assert [row.report_id for row in bolt] == [story.dismissed]


def test_the_report_queue_holds_what_awaits_a_decision_oldest_first(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    later = core.reports.file(VIC, story.bolt[3], reason="wrong brand").id

    queue = every_page(partial(core.shop_lists.report_queue, RITA, limit=1))
    assert [row.report_id for row in queue] == [story.open, later]
    first = core.shop_lists.report_queue(RITA, limit=1)
    core.reports.decide(RITA, story.open, uphold=False, reason="genuine")
    # Deciding the first item moves the queue on: the next page still starts after it.
    rest = core.shop_lists.report_queue(RITA, limit=1, cursor=first.next_cursor)
    assert [row.report_id for row in rest.items] == [later]
    dismissed = every_page(
        partial(core.shop_lists.report_queue, AUDITOR, state=ReportStatus.DISMISSED)
    )
    assert [row.report_id for row in dismissed] == [story.open, story.dismissed]  # as filed


def test_nobody_reads_anothers_lists_and_a_cursor_of_another_list_is_refused(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    Story(core)

    with pytest.raises(NotPermitted):
        core.shop_lists.seller_listings(ACME, "bolt")
    with pytest.raises(NotPermitted):
        core.shop_lists.seller_sales(VIC)
    with pytest.raises(NotPermitted):
        core.shop_lists.buyer_orders(VIC, "creator:mia")
    with pytest.raises(NotPermitted):
        core.shop_lists.buyer_orders(ACME)
    with pytest.raises(NotPermitted):
        core.shop_lists.report_queue(ACME)
    cursor = core.shop_lists.seller_listings(ACME, limit=1).next_cursor
    with pytest.raises(InvalidValue, match="another list"):
        core.shop_lists.seller_sales(ACME, cursor=cursor)


def test_a_restarted_core_and_a_rebuild_answer_the_same(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)
    core.shop_lists.catch_up()
    view = core.read_models[NAME].export({})
    assert len(view) == 12 + 12 + 3

    restarted = deployment.fresh_start()
    assert restarted.read_models[NAME].export({}) == view
    rebuilt = restarted.projections.rebuild(NAME)
    assert restarted.projections.active(NAME) == rebuilt
    assert restarted.read_models[NAME].export({}) == view
    listings = every_page(partial(restarted.shop_lists.seller_listings, ACME, limit=2))
    assert [row.listing_id for row in listings] == story.acme
