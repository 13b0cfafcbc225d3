"""The shop driven through its services by random commands, against a model of what must be.

A hypothesis state machine registers sellers, lists products with some stock, restocks and
delists them, changes commission rates, tags products on videos (automatically or by a
reviewer, with a notifier that now and then fails — before delivering, or after, losing
its answer), delivers pending notices, lets creators remove tags and change their
preferences (automatic tags, affiliate share) per creator and per video, places orders
(attributed to a video or not, retried with the same key, or the key reused for another
order), files counterfeit reports and decides them. Many commands are refused on purpose;
a refusal records nothing. After every step:

- each listing's stock is its initial stock plus its restocks less what was sold, never
  below zero, and its status is the model's;
- the journal balances (total debits equal total credits);
- each seller's payable balance is the sum of the proceeds of its orders;
- each creator's affiliate credits are the affiliate shares of the orders attributed to
  their videos while they were opted in;
- a taken-down listing has no tag on any video and sold nothing after its takedown;
- a suspended seller sold nothing after the suspension;
- every video's tags, shown and hidden, are the model's, and each creator's inbox holds one
  message per tag they were told of;
- a ``LedgerReadModel`` rebuilt from nothing but the revenue log agrees with the live one.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import attrs
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from adapters.notifications.inbox import InAppNotifier
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotFound
from application.log_follower import LogFollower
from application.notifications import Notice
from application.revenue.ledger_read_model import LedgerReadModel
from application.shop.shop import ORDER_PLACED, NotAttributable, OrderView, SellerExists
from domain.errors import IdempotencyKeyReused, RuleViolated
from domain.inbox import InboxMessage
from domain.money import Money
from domain.revenue.ledger import JournalEntry, creator_payable, seller_payable
from domain.shop.counterfeit import (
    REPORTS_PER_DAY,
    ReportDecided,
    ReportLimitReached,
    ReportStatus,
)
from domain.shop.listings import (
    STRIKES_TO_SUSPEND,
    Listing,
    ListingStatus,
    NotOnSale,
    OutOfStock,
    Seller,
    SellerSuspended,
)
from domain.shop.orders import DEFAULT_RATE_BP, Order
from domain.shop.product_tags import MAX_TAGS, NoSuchTag, TagRefused, TagState, VideoTags
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock, SequentialIdentities
from tests.photos import plain_photo

T = TypeVar("T")

OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
SELLERS = ("acme", "bolt", "cask")
CREATORS = ("mia", "leo")
CATEGORIES = ("fashion", "beauty")
BUYERS = (
    Principal(Role.VIEWER, "vic"),
    Principal(Role.VIEWER, "wes"),
    Principal(Role.CREATOR, "mia"),
)
REPORTERS = (Principal(Role.VIEWER, "vic"), Principal(Role.CREATOR, "leo"))
SECRET = b"a-secret-only-the-shop-machine-knows"
CURRENCY = "USD"
MAX_LISTINGS = 14  # enough to tag, sell, report and suspend; more only dilutes the steps


class FlakyNotifier:
    """The in-app inbox behind a connection the machine breaks at will: while ``down`` a
    notice raises, before it was delivered or — with ``answer_lost`` — after."""

    def __init__(self) -> None:
        self.inner: InAppNotifier | None = None
        self.down = False
        self.answer_lost = False

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        assert self.inner is not None
        if self.down:
            if self.answer_lost:
                self.inner.notify(recipient, subject=subject, body=body, key=key, **typed)
            raise ConnectionError("the notification service did not answer")
        return self.inner.notify(recipient, subject=subject, body=body, key=key, **typed)

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Notice]:
        assert self.inner is not None
        return self.inner.inbox(recipient, after=after, limit=limit, **filters)


@attrs.define
class ModelSeller:
    strikes: int = 0

    @property
    def suspended(self) -> bool:
        return self.strikes >= STRIKES_TO_SUSPEND


@attrs.define
class ModelListing:
    seller: str
    category: str
    price: int
    initial: int
    restocked: int = 0
    sold: int = 0
    status: ListingStatus = ListingStatus.LISTED

    @property
    def stock(self) -> int:
        return self.initial + self.restocked - self.sold


@attrs.define
class ModelVideo:
    creator: str
    tags: dict[UUID, bool] = attrs.field(factory=dict)  # listing -> shown
    removed: set[UUID] = attrs.field(factory=set)
    opted_out: bool = False


@attrs.define
class ModelPreferences:
    auto_tags: bool = True
    affiliate: bool = False


@attrs.frozen
class ModelOrder:
    buyer: Principal
    key: str
    listing_id: UUID
    quantity: int
    video_id: UUID | None
    view: OrderView


@attrs.define
class ModelReport:
    listing_id: UUID
    status: ReportStatus = ReportStatus.OPEN


class ShopMachine(RuleBasedStateMachine):
    listings = Bundle("listings")
    videos = Bundle("videos")
    orders = Bundle("orders")
    reports = Bundle("reports")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.notifier = FlakyNotifier()
        self.core = bootstrap(
            Settings(
                store=parse_store("memory://"), data_dir=Path(tempfile.gettempdir()), secret=SECRET
            ),
            clock=self.clock,
            identities=SequentialIdentities(),
            engines=(),
            notifier=self.notifier,
        )
        self.notifier.inner = InAppNotifier(
            self.core._inbox, clock=self.clock, reads=self.core.inbox_reads
        )
        self.sellers: dict[str, ModelSeller] = {}
        self.listing_models: dict[UUID, ModelListing] = {}
        self.video_models: dict[UUID, ModelVideo] = {}
        self.preferences: dict[str, ModelPreferences] = defaultdict(ModelPreferences)
        self.rates: dict[str, int] = defaultdict(lambda: DEFAULT_RATE_BP)
        self.order_models: dict[tuple[str, str], ModelOrder] = {}
        self.report_models: dict[UUID, ModelReport] = {}
        self.quotas: dict[tuple[str, date], int] = defaultdict(int)
        self.proceeds: dict[str, int] = defaultdict(int)
        self.affiliate: dict[str, int] = defaultdict(int)
        self.told: dict[str, set[str]] = defaultdict(set)  # creator -> notice keys delivered
        self.keys = 0
        self.initial_listings: list[UUID] = []
        self.initial_videos: list[UUID] = []
        self.initial_reports: list[UUID | None] = []
        self.cast()

    def teardown(self) -> None:
        self.core.close()

    # Helpers ------------------------------------------------------------------------------

    def logged(self) -> int:
        return self.core._revenue.recorder.max_notification_id() or 0

    @staticmethod
    def refused(doing: str, refusal: Exception, expected: type[Exception]) -> None:
        # Exactly the refusal the model expects: NotOnSale and SellerSuspended are both
        # RuleViolated, and one must not stand for the other.
        assert type(refusal) is expected, f"{doing}: {refusal!r}, not {expected.__name__}"
        event(f"{doing} refused: {expected.__name__}")

    def attempt(
        self, doing: str, command: Callable[[], T], expected: type[Exception] | None
    ) -> T | None:
        """Run a command the model says succeeds, or fails with exactly ``expected``; a
        refusal records nothing in the revenue log."""
        before = self.logged()
        try:
            result = command()
        except Exception as refusal:
            if expected is None:
                raise
            self.refused(doing, refusal, expected)
            assert self.logged() == before, f"{doing} was refused but recorded something"
            return None
        assert expected is None, f"{doing} should have been refused with {expected.__name__}"
        event(f"{doing} applied")
        return result

    def fresh_key(self, prefix: str) -> str:
        self.keys += 1
        return f"{prefix}-{self.keys}"

    @staticmethod
    def notice_key(video_id: UUID, listing_id: UUID) -> str:
        return f"product-tag:{video_id}:{listing_id}"

    def set_notifier(self, down: bool, answer_lost: bool) -> None:
        self.notifier.down, self.notifier.answer_lost = down, answer_lost

    def tell(self, video_id: UUID, listing_id: UUID, *, down: bool, answer_lost: bool) -> None:
        """What telling the creator of a hidden tag does in the model."""
        video = self.video_models[video_id]
        if not down or answer_lost:
            self.told[video.creator].add(self.notice_key(video_id, listing_id))
        video.tags[listing_id] = not down

    # A cast to start from ------------------------------------------------------------------

    def cast(self) -> None:
        """Two sellers with a few listings (Bolt with two strikes already: one more upheld
        report suspends it), three videos, a tag Mia was told of and one Leo was not, and
        Mia taking the affiliate share."""
        for account in ("acme", "bolt"):
            self.core.shop.register_seller(Principal(Role.SELLER, account), name=account)
            self.sellers[account] = ModelSeller()
        listed = [
            self.listed("acme", "fashion", 19_99, 10),
            self.listed("acme", "beauty", 123_45, 3),
            self.listed("bolt", "fashion", 99, 1),
            self.listed("bolt", "fashion", 5_00, 10),
            self.listed("bolt", "beauty", 5_00, 2),
            self.listed("bolt", "beauty", 7_00, 2),
        ]
        self.initial_listings = [listing_id for listing_id in listed if listing_id is not None]
        acme_fashion, acme_beauty, _, bolt_fashion, *struck = self.initial_listings
        for listing_id in struck:
            report_id = self.filed(listing_id, REPORTERS[0])
            assert report_id is not None
            self.decide_report(report_id, uphold=True)
        assert self.sellers["bolt"].strikes == STRIKES_TO_SUSPEND - 1
        # Open reports, one of them the strike that would suspend Bolt.
        self.initial_reports = [
            self.filed(listing_id, REPORTERS[1]) for listing_id in (bolt_fashion, acme_beauty)
        ]
        self.initial_videos = []
        for creator in ("mia", "mia", "leo"):
            view = CatalogueDriver(self.core).publish_video(
                Principal(Role.CREATOR, creator), caption="haul", hashtags=[], category="fashion"
            )
            self.video_models[view.id] = ModelVideo(creator)
            self.initial_videos.append(view.id)
        mias, _, leos = self.initial_videos
        self.tag(mias, acme_fashion, automatic=True, down=False, answer_lost=False)
        self.tag(mias, bolt_fashion, automatic=False, down=False, answer_lost=False)
        self.tag(leos, acme_beauty, automatic=True, down=True, answer_lost=False)
        self.set_preferences("mia", auto_tags=True, affiliate=True)

    @initialize(target=listings)
    def the_listings_of_the_cast(self) -> Any:
        return multiple(*self.initial_listings)

    @initialize(target=videos)
    def the_videos_of_the_cast(self) -> Any:
        return multiple(*self.initial_videos)

    @initialize(target=reports)
    def the_open_reports_of_the_cast(self) -> Any:
        return multiple(*(r for r in self.initial_reports if r is not None))

    # Sellers and listings -----------------------------------------------------------------

    @precondition(lambda self: len(self.sellers) < len(SELLERS))
    @rule(account=st.sampled_from(SELLERS))
    def register_seller(self, account: str) -> None:
        expected = SellerExists if account in self.sellers else None
        if self.attempt(
            "register seller",
            lambda: self.core.shop.register_seller(Principal(Role.SELLER, account), name="Shop"),
            expected,
        ):
            self.sellers[account] = ModelSeller()

    @precondition(lambda self: len(self.listing_models) < MAX_LISTINGS)
    @rule(
        target=listings,
        account=st.sampled_from(SELLERS),
        category=st.sampled_from(CATEGORIES),
        price=st.sampled_from([1, 99, 19_99, 123_45]),
        stock=st.sampled_from([0, 1, 3, 10]),
    )
    def list_product(self, account: str, category: str, price: int, stock: int) -> Any:
        listing_id = self.listed(account, category, price, stock)
        return multiple() if listing_id is None else listing_id

    def listed(self, account: str, category: str, price: int, stock: int) -> UUID | None:
        seller = self.sellers.get(account)
        expected: type[Exception] | None = None
        if seller is None:
            expected = NotFound
        elif seller.suspended:
            expected = SellerSuspended
        view = self.attempt(
            "list",
            lambda: self.core.shop.list_product(
                Principal(Role.SELLER, account),
                title=f"{category} item",
                description="",
                price=Money(price, CURRENCY),
                stock=stock,
                category=category,
                images=[plain_photo(category)],
            ),
            expected,
        )
        if view is None:
            return None
        self.listing_models[view.id] = ModelListing(account, category, price, stock)
        return view.id

    @rule(
        listing_id=listings,
        added=st.integers(1, 5),
        withdraw=st.sampled_from([False, False, False, True]),
    )
    def seller_restocks_or_delists(self, listing_id: UUID, added: int, withdraw: bool) -> None:
        """Mostly a restock; now and then the seller withdraws the listing instead."""
        model = self.listing_models[listing_id]
        seller = Principal(Role.SELLER, model.seller)
        expected = None if model.status is ListingStatus.LISTED else NotOnSale
        if withdraw:
            if self.attempt(
                "delist",
                lambda: self.core.shop.delist(seller, listing_id, reason="discontinued"),
                expected,
            ):
                model.status = ListingStatus.DELISTED
            return
        view = self.attempt(
            "restock", lambda: self.core.shop.restock(seller, listing_id, added), expected
        )
        if view is not None:
            model.restocked += added
            assert view.stock == model.stock

    @rule(category=st.sampled_from(CATEGORIES), basis_points=st.sampled_from([0, 1, 800, 5_000]))
    def set_commission_rate(self, category: str, basis_points: int) -> None:
        assert self.core.shop.set_commission_rate(OPS, category, basis_points) == basis_points
        self.rates[category] = basis_points

    # Tags and preferences -----------------------------------------------------------------

    @rule(creator=st.sampled_from(CREATORS), auto_tags=st.booleans(), affiliate=st.booleans())
    def set_preferences(self, creator: str, auto_tags: bool, affiliate: bool) -> None:
        model = self.preferences[creator]
        unchanged = (model.auto_tags, model.affiliate) == (auto_tags, affiliate)
        if self.attempt(
            "set preferences",
            lambda: self.core.tagging.set_preferences(
                Principal(Role.CREATOR, creator), auto_tags=auto_tags, affiliate=affiliate
            ),
            RuleViolated if unchanged else None,
        ):
            model.auto_tags, model.affiliate = auto_tags, affiliate

    @rule(video_id=videos, on=st.booleans())
    def set_video_auto_tags(self, video_id: UUID, on: bool) -> None:
        model = self.video_models[video_id]
        expected = RuleViolated if model.opted_out is not on else None
        if self.attempt(
            "video auto tags",
            lambda: self.core.tagging.set_video_auto_tags(
                Principal(Role.CREATOR, model.creator), video_id, on=on
            ),
            expected,
        ):
            model.opted_out = not on

    @rule(
        video_id=videos,
        listing_id=listings,
        automatic=st.booleans(),
        down=st.sampled_from([False, False, True]),
        answer_lost=st.booleans(),
    )
    def tag(
        self, video_id: UUID, listing_id: UUID, automatic: bool, down: bool, answer_lost: bool
    ) -> None:
        video = self.video_models[video_id]
        opted_out = video.opted_out or not self.preferences[video.creator].auto_tags
        may = (
            self.listing_models[listing_id].status is ListingStatus.LISTED
            and listing_id not in video.removed
            and listing_id not in video.tags
            and not (automatic and opted_out)
            and len(video.tags) < MAX_TAGS
        )
        self.set_notifier(down, answer_lost)
        try:
            if automatic:
                before = self.logged()
                added = self.core.tagging.tag(
                    video_id, listing_id, confidence=0.7, evidence={"frame": 1}, by="recognition:1"
                )
                assert added is may
                assert may or self.logged() == before
            else:
                # A reviewer is told why a tag is refused; asking for one already there
                # changes nothing.
                on_sale = self.listing_models[listing_id].status is ListingStatus.LISTED
                already = on_sale and listing_id in video.tags
                refused = None if may or already else TagRefused
                view = self.attempt(
                    "manual tag",
                    lambda: self.core.tagging.manual_tag(ROSA, video_id, listing_id),
                    refused,
                )
                assert view is None or listing_id in {t.listing_id for t in view.tags}
        finally:
            self.set_notifier(False, False)
        if not may:
            event("tag refused")
            return
        event(f"tag added, notifier {'down' if down else 'up'}")
        self.tell(video_id, listing_id, down=down, answer_lost=answer_lost)

    @rule(down=st.booleans(), answer_lost=st.booleans())
    def deliver_pending_notices(self, down: bool, answer_lost: bool) -> None:
        pending = [
            (video_id, listing_id)
            for video_id, video in self.video_models.items()
            for listing_id, shown in video.tags.items()
            if not shown
        ]
        self.set_notifier(down, answer_lost)
        try:
            delivered = self.core.tagging.deliver_pending_notices()
        finally:
            self.set_notifier(False, False)
        assert delivered == (0 if down else len(pending))
        for video_id, listing_id in pending:
            self.tell(video_id, listing_id, down=down, answer_lost=answer_lost)
        event(f"{len(pending)} pending notices, notifier {'down' if down else 'up'}")

    @rule(video_id=videos, data=st.data())
    def creator_removes_a_tag(self, video_id: UUID, data: st.DataObject) -> None:
        video = self.video_models[video_id]
        candidates = sorted(video.tags, key=str) * 3 + sorted(self.listing_models, key=str)
        if not candidates:
            return
        listing_id = data.draw(st.sampled_from(candidates), label="listing")
        expected = None if listing_id in video.tags else NoSuchTag
        if self.attempt(
            "remove tag",
            lambda: self.core.tagging.remove_tag(
                Principal(Role.CREATOR, video.creator), video_id, listing_id, reason="not mine"
            ),
            expected,
        ):
            del video.tags[listing_id]
            video.removed.add(listing_id)

    # Orders -------------------------------------------------------------------------------

    @rule(
        target=orders,
        listing_id=listings,
        buyer=st.sampled_from(BUYERS),
        quantity=st.integers(1, 4),
    )
    def place_order_directly(self, listing_id: UUID, buyer: Principal, quantity: int) -> Any:
        return self.place_order(listing_id, buyer, quantity, None)

    @rule(target=orders, buyer=st.sampled_from(BUYERS), quantity=st.integers(1, 4), data=st.data())
    def buy_what_a_video_shows(self, buyer: Principal, quantity: int, data: st.DataObject) -> Any:
        shown = sorted(
            (str(video_id), str(listing_id))
            for video_id, video in self.video_models.items()
            for listing_id, is_shown in video.tags.items()
            if is_shown
        )
        if not shown:
            event("nothing shown to buy")
            return multiple()
        event("buying what a video shows")
        video_id, listing_id = data.draw(st.sampled_from(shown), label="video and listing")
        return self.place_order(UUID(listing_id), buyer, quantity, UUID(video_id))

    @rule(
        target=orders,
        listing_id=listings,
        video_id=videos,
        buyer=st.sampled_from(BUYERS),
        quantity=st.integers(1, 4),
    )
    def buy_through_any_video(
        self, listing_id: UUID, video_id: UUID, buyer: Principal, quantity: int
    ) -> Any:
        return self.place_order(listing_id, buyer, quantity, video_id)

    def place_order(
        self, listing_id: UUID, buyer: Principal, quantity: int, video_id: UUID | None
    ) -> Any:
        listing = self.listing_models[listing_id]
        expected: type[Exception] | None = None
        if video_id is not None and not self.video_models[video_id].tags.get(listing_id):
            expected = NotAttributable
        elif self.sellers[listing.seller].suspended:
            expected = SellerSuspended
        elif listing.status is not ListingStatus.LISTED:
            expected = NotOnSale
        elif quantity > listing.stock:
            expected = OutOfStock
        key = self.fresh_key("order")
        view = self.attempt(
            "order",
            lambda: self.core.shop.place_order(
                buyer, listing_id=listing_id, quantity=quantity, order_key=key, video_id=video_id
            ),
            expected,
        )
        if view is None:
            return multiple()
        total = listing.price * quantity
        rate = self.rates[listing.category]
        commission = total * rate // 10_000
        creator = None
        if video_id is not None:
            creator = self.video_models[video_id].creator
            # Opted in, and not buying through their own video.
            creator = (
                creator
                if self.preferences[creator].affiliate and creator != buyer.subject
                else None
            )
        share = (commission + 1) // 2 if creator is not None else 0
        assert not view.replayed
        assert (view.total, view.rate_bp, view.video_id, view.affiliate_creator) == (
            Money(total, CURRENCY),
            rate,
            video_id,
            creator,
        )
        assert (view.proceeds, view.platform_commission, view.affiliate_share) == (
            Money(total - commission, CURRENCY),
            Money(commission - share, CURRENCY),
            Money(share, CURRENCY),
        )
        listing.sold += quantity
        self.proceeds[listing.seller] += total - commission
        if creator is not None:
            self.affiliate[creator] += share
            event("order with an affiliate share")
        self.order_models[(buyer.label, key)] = ModelOrder(
            buyer, key, listing_id, quantity, video_id, view
        )
        return (buyer.label, key)

    @rule(order=orders, change=st.booleans())
    def buyer_retries_an_order(self, order: tuple[str, str], change: bool) -> None:
        model = self.order_models[order]
        before = self.logged()
        quantity = model.quantity + 1 if change else model.quantity
        again = self.attempt(
            "retried order",
            lambda: self.core.shop.place_order(
                model.buyer,
                listing_id=model.listing_id,
                quantity=quantity,
                order_key=model.key,
                video_id=model.video_id,
            ),
            IdempotencyKeyReused if change else None,
        )
        if again is not None:
            assert again == attrs.evolve(model.view, replayed=True)
        assert self.logged() == before

    # Counterfeit reports ------------------------------------------------------------------

    @rule(
        target=reports,
        listing_id=listings,
        reporter=st.sampled_from(REPORTERS),
        count=st.sampled_from([1, 1, 1, 2, REPORTS_PER_DAY + 1]),
    )
    def file_reports(self, listing_id: UUID, reporter: Principal, count: int) -> Any:
        filed = [self.filed(listing_id, reporter) for _ in range(count)]
        return multiple(*(report_id for report_id in filed if report_id is not None))

    def filed(self, listing_id: UUID, reporter: Principal) -> UUID | None:
        day = (reporter.label, self.clock.now().date())
        expected = ReportLimitReached if self.quotas[day] >= REPORTS_PER_DAY else None
        view = self.attempt(
            "report",
            lambda: self.core.reports.file(reporter, listing_id, reason="looks fake"),
            expected,
        )
        if view is None:
            return None
        self.quotas[day] += 1
        self.report_models[view.id] = ModelReport(listing_id)
        return view.id

    @rule(report_id=reports, uphold=st.booleans())
    def decide_report(self, report_id: UUID, uphold: bool) -> None:
        report = self.report_models[report_id]
        listing = self.listing_models[report.listing_id]
        expected: type[Exception] | None = None
        if report.status is not ReportStatus.OPEN:
            expected = ReportDecided
        view = self.attempt(
            "decide",
            lambda: self.core.reports.decide(ROSA, report_id, uphold=uphold, reason="reviewed"),
            expected,
        )
        if view is None:
            return
        if not uphold:
            report.status = ReportStatus.DISMISSED
            return
        report.status = ReportStatus.UPHELD
        if listing.status is ListingStatus.TAKEN_DOWN:
            event("report upheld of a listing taken down before")
            return  # one listing, one takedown, one strike
        listing.status = ListingStatus.TAKEN_DOWN
        self.sellers[listing.seller].strikes += 1
        for video in self.video_models.values():
            if video.tags.pop(report.listing_id, None) is not None:
                video.removed.add(report.listing_id)
        if self.sellers[listing.seller].suspended:
            event("seller suspended")

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    # Invariants ---------------------------------------------------------------------------

    def recorded(self, *topics: str) -> list[tuple[int, Any]]:
        revenue = self.core._revenue
        notifications = revenue.recorder.select_notifications(
            start=None, limit=1_000_000, topics=topics
        )
        return [(n.id, revenue.mapper.to_domain_event(n)) for n in notifications]

    @invariant()
    def stock_is_what_came_in_less_what_was_sold(self) -> None:
        for listing_id, model in self.listing_models.items():
            listing = self.core._revenue.load(Listing, listing_id)
            assert listing.stock == model.stock >= 0, listing_id
            assert ListingStatus(listing.status) is model.status, listing_id

    @invariant()
    def the_journal_balances(self) -> None:
        model = self.core.ledger.reading()
        assert model.debits == model.credits

    @invariant()
    def sellers_are_owed_the_proceeds_of_their_orders(self) -> None:
        recorded: dict[str, int] = defaultdict(int)
        for _position, placed in self.recorded(Order.Placed.TOPIC):
            recorded[placed.seller] += placed.proceeds.minor
        for seller in SELLERS:
            balance = self.core.ledger.balance_of(seller_payable(seller, CURRENCY))
            assert balance == Money(self.proceeds[seller], CURRENCY), seller
            assert balance.minor == recorded[seller], seller

    @invariant()
    def creators_earn_the_affiliate_shares_of_orders_while_opted_in(self) -> None:
        recorded: dict[str, int] = defaultdict(int)
        for _position, placed in self.recorded(Order.Placed.TOPIC):
            if placed.creator is not None:
                recorded[placed.creator] += placed.affiliate_share.minor
        model = self.core.ledger.reading()
        for creator in CREATORS:
            credited = sum(
                line.credit
                for line in model.every_line(creator_payable(creator, CURRENCY))
                if line.kind == ORDER_PLACED
            )
            assert credited == self.affiliate[creator] == recorded[creator], creator

    @invariant()
    def a_taken_down_listing_has_no_tags_and_sold_nothing_since(self) -> None:
        taken_down = {
            listing_id
            for listing_id, model in self.listing_models.items()
            if model.status is ListingStatus.TAKEN_DOWN
        }
        for video_id in self.video_models:
            tags = self.core._revenue.find(VideoTags, VideoTags.id_for(video_id))
            if tags is not None:
                assert not taken_down & set(tags.tags), video_id
        when: dict[UUID, int] = {
            e.originator_id: position for position, e in self.recorded(Listing.TakenDown.TOPIC)
        }
        assert set(when) == taken_down
        for position, sold in self.recorded(Listing.Sold.TOPIC):
            assert position < when.get(sold.originator_id, position + 1)

    @invariant()
    def a_suspended_seller_sold_nothing_since(self) -> None:
        suspended = {
            self.core._revenue.load(Seller, e.originator_id).account: position
            for position, e in self.recorded(Seller.Suspended.TOPIC)
        }
        assert set(suspended) == {s for s, model in self.sellers.items() if model.suspended}
        for position, sold in self.recorded(Listing.Sold.TOPIC):
            seller = self.listing_models[sold.originator_id].seller
            assert position < suspended.get(seller, position + 1)

    @invariant()
    def tags_are_shown_only_once_their_creator_was_told(self) -> None:
        for video_id, model in self.video_models.items():
            tags = self.core._revenue.find(VideoTags, VideoTags.id_for(video_id))
            found = {} if tags is None else tags.tags
            assert {
                listing_id: TagState(tag.state) is TagState.SHOWN
                for listing_id, tag in found.items()
            } == model.tags, video_id
            assert (set() if tags is None else tags.removed) == model.removed
            for listing_id, shown in model.tags.items():
                if shown:
                    assert self.notice_key(video_id, listing_id) in self.told[model.creator]
        for creator in CREATORS:
            notices = [
                notice
                for notice in self.notifier.inbox(creator, limit=10_000)
                if notice.kind not in ("counterfeit_report_upheld", "counterfeit_report_dismissed")
            ]
            assert sorted(n.notice_id for n in notices) == sorted(
                str(InboxMessage.id_for(key)) for key in self.told[creator]
            ), creator

    @invariant()
    def a_read_model_rebuilt_from_the_log_agrees(self) -> None:
        live = self.core.ledger.reading()
        rebuilt = LedgerReadModel()
        LogFollower(self.core._revenue, rebuilt.handlers).catch_up()
        assert {c: (t.debits, t.credits) for c, t in rebuilt.totals.items()} == {
            c: (t.debits, t.credits) for c, t in live.totals.items()
        }
        assert (rebuilt.debits, rebuilt.credits, rebuilt.entries) == (
            live.debits,
            live.credits,
            live.entries,
        )
        entries = self.recorded(JournalEntry.Recorded.TOPIC)
        assert len(entries) == live.entries == len(self.order_models)
        for code in rebuilt.accounts():
            totals = rebuilt.totals[code]
            if code.startswith(("seller:", "creator:")):
                balance = self.core.ledger.balance_of(code)
                assert balance == Money(totals.credits - totals.debits, CURRENCY), code


ShopMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No "explain" phase: on a failure it replays the machine many times for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestTheShopThroughItsServicesAgreesWithItsModel = ShopMachine.TestCase
