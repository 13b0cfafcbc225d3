"""The shop: sellers, listings, commission rates, and orders that take stock and share money.

Listings, orders and their journal entries live in the revenue log — the log of everything
that moves money — so an order, the stock it takes and its postings are one transaction.
Concurrent orders race on the listing's version; the loser is retried against the new stock
and is refused only when the stock is gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, acting_for, owns, require_role
from application.errors import ApplicationError, NotFound, NotPermitted, StaleVersion
from application.idempotency import answer_again
from application.logs import RevenueLog
from application.ports import Clock, IdentityProvider
from application.revenue.ledgers import Ledger
from application.shop.payments import IntentStatus, PaymentDeclined, PaymentProvider
from application.shop.products import DESCRIBED_PHOTOS, PhotoWithoutDetail, ProductRecognizer
from domain.errors import IdempotencyKeyReused, RuleViolated
from domain.media import StoredBlob
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BUYER_PAYMENTS,
    PLATFORM_COMMISSION,
    JournalEntry,
    Posting,
    creator_payable,
    credit,
    debit,
    platform,
    seller_payable,
)
from domain.shop.listing_descriptors import ListingDescriptors
from domain.shop.listings import Listing, ListingStatus, Seller
from domain.shop.orders import CommissionSchedule, Order, OrderState
from domain.shop.product_tags import ShopPreferences, VideoTags

ORDER_PLACED = "order-placed"
#: The test token of a card that pays, for callers that name no payment method (the
#: sandbox takes it; a real provider is handed what the buyer's client collected).
DEFAULT_PAYMENT_METHOD = "pm_card_visa"
ORDER_ATTEMPTS = 30


class SellerExists(ApplicationError):
    """The account is registered as a seller already."""


class NotAttributable(RuleViolated):
    """The order names a video that shows no tag of the listing."""


@attrs.frozen
class ListingView:
    id: UUID
    version: int
    seller: str
    title: str
    description: str
    price: Money
    stock: int
    category: str
    images: tuple[str, ...]
    attributes: Mapping[str, str]
    status: ListingStatus
    listed_at: datetime
    recognisable: bool  # its photos were described: it can be recognised in videos
    #: The photos kept in the media store and shown on its page, in the order added.
    photos: tuple[StoredBlob, ...] = ()

    @classmethod
    def of(cls, listing: Listing, *, recognisable: bool) -> ListingView:
        return cls(
            id=listing.id,
            version=listing.version,
            seller=listing.seller,
            title=listing.title,
            description=listing.description,
            price=listing.price,
            stock=listing.stock,
            category=listing.category,
            images=listing.images,
            attributes=dict(listing.attributes),
            status=ListingStatus(listing.status),
            listed_at=listing.listed_at,
            recognisable=recognisable,
            photos=listing.photos,
        )


@attrs.frozen
class OrderView:
    id: UUID
    listing_id: UUID
    buyer: str
    seller: str
    quantity: int
    total: Money
    video_id: UUID | None
    proceeds: Money
    platform_commission: Money
    affiliate_share: Money
    affiliate_creator: str | None
    rate_bp: int
    placed_at: datetime
    replayed: bool = False
    state: OrderState = OrderState.PAID
    payment_provider: str = ""
    payment_intent: str = ""
    carrier: str = ""
    tracking: str = ""
    return_reason: str = ""
    refunded: Money | None = None
    refund_reference: str = ""

    @classmethod
    def of(cls, order: Order, *, replayed: bool = False) -> OrderView:
        return cls(
            id=order.id,
            listing_id=order.listing_id,
            buyer=order.buyer,
            seller=order.seller,
            quantity=order.quantity,
            total=order.total,
            video_id=order.video_id,
            proceeds=order.proceeds,
            platform_commission=order.platform_commission,
            affiliate_share=order.affiliate_share,
            affiliate_creator=order.creator,
            rate_bp=order.rate_bp,
            placed_at=order.placed_at,
            replayed=replayed,
            state=OrderState(order.state),
            payment_provider=order.payment_provider,
            payment_intent=order.payment_intent,
            carrier=order.carrier,
            tracking=order.tracking,
            return_reason=order.return_reason,
            refunded=order.refunded,
            refund_reference=order.refund_reference,
        )


class Shop:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        ledger: Ledger,
        clock: Clock,
        identities: IdentityProvider,
        payments: PaymentProvider,
        recognizer: ProductRecognizer | None = None,
    ) -> None:
        self._revenue = revenue
        self.payments = payments
        self.ledger = ledger
        self.clock = clock
        self.identities = identities
        self.recognizer = recognizer

    # Sellers and listings ----------------------------------------------------------------

    def register_seller(self, actor: Principal, *, name: str, account: str | None = None) -> str:
        """A seller registers themself under a shop name (an admin names the account). An account
        registered already is ``SellerExists``."""
        owner = acting_for(actor, account, Role.SELLER, doing="register as a seller")
        if self._revenue.find(Seller, Seller.id_for(owner)) is not None:
            raise SellerExists(f"account {owner} is registered as a seller already")
        try:
            self._revenue.commit(Seller.register(account=owner, name=name, at=self.clock.now()))
        except StaleVersion:
            raise SellerExists(f"account {owner} is registered as a seller already") from None
        return owner

    def seller(self, account: str) -> Seller:
        """The seller aggregate of an account, for other use cases to read (no access check);
        ``NotFound`` if the account is not registered."""
        found = self._revenue.find(Seller, Seller.id_for(account))
        if found is None:
            raise NotFound("seller", account)
        return found

    @staticmethod
    def may_list(actor: Principal) -> None:
        """Refuse a role that never lists before its upload is read (images are decoded to
        be checked; nobody else should make the service do that work)."""
        require_role(actor, Role.SELLER, Role.ADMIN, doing="list a product")

    def list_product(
        self,
        actor: Principal,
        *,
        title: str,
        description: str,
        price: Money,
        stock: int,
        category: str,
        images: Sequence[bytes],
        attributes: Mapping[str, str] | None = None,
        seller: str | None = None,
    ) -> ListingView:
        """List a product; its photos are described for recognition in videos in the same
        transaction (photos too plain to recognise a product by still list it, unrecognisable;
        bytes that are not images are refused)."""
        owner = acting_for(actor, seller, Role.SELLER, doing="list a product")
        listing = Listing.list(
            self.identities.new_id(),
            seller=self.seller(owner),
            title=title,
            description=description,
            price=price,
            stock=stock,
            category=category,
            images=[hashlib.sha256(image).hexdigest() for image in images],
            attributes=attributes,
            at=self.clock.now(),
        )
        to_save: list[Aggregate] = [listing]
        if self.recognizer is not None:
            try:
                descriptors = self.recognizer.describe_listing(images[:DESCRIBED_PHOTOS])
            except PhotoWithoutDetail:
                descriptors = b""
            if descriptors:
                to_save.append(
                    ListingDescriptors.describe(
                        listing.id,
                        recogniser=self.recognizer.version,
                        descriptors=descriptors,
                        at=self.clock.now(),
                    )
                )
        self._revenue.commit(*to_save)
        return ListingView.of(listing, recognisable=len(to_save) > 1)

    def edit_listing(
        self,
        actor: Principal,
        listing_id: UUID,
        *,
        title: str,
        description: str,
        price: Money,
        category: str,
        attributes: Mapping[str, str],
        expected_version: int | None = None,
    ) -> ListingView:
        """A seller edits one of their own listings (an admin any listing); another's is
        ``NotPermitted``."""
        listing = self._own_listing(actor, listing_id, expected_version)
        listing.edit(
            title=title,
            description=description,
            price=price,
            category=category,
            attributes=attributes,
            by=actor.label,
            at=self.clock.now(),
        )
        self._revenue.commit(listing)
        return self._view(listing)

    def restock(self, actor: Principal, listing_id: UUID, added: int) -> ListingView:
        """A seller adds stock to one of their own listings (an admin to any); another's is
        ``NotPermitted``."""
        listing = self._own_listing(actor, listing_id)
        listing.restock(added, at=self.clock.now())
        self._revenue.commit(listing)
        return self._view(listing)

    def delist(self, actor: Principal, listing_id: UUID, *, reason: str) -> ListingView:
        """A seller takes one of their own listings off sale with a reason (an admin any);
        another's is ``NotPermitted``."""
        listing = self._own_listing(actor, listing_id)
        listing.delist(by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(listing)
        return self._view(listing)

    def listing(self, listing_id: UUID) -> ListingView:
        """A listing as a view (anyone may read it); an unknown listing is ``NotFound``."""
        return self._view(self._revenue.load(Listing, listing_id))

    def _view(self, listing: Listing) -> ListingView:
        described = self._revenue.find(ListingDescriptors, ListingDescriptors.id_for(listing.id))
        return ListingView.of(listing, recognisable=described is not None)

    def _own_listing(
        self, actor: Principal, listing_id: UUID, expected_version: int | None = None
    ) -> Listing:
        listing = self._revenue.load(Listing, listing_id, expected_version)
        if actor.role is not Role.ADMIN:
            require_role(actor, Role.SELLER, doing="change a listing")
            if not owns(actor, Role.SELLER, listing.seller):
                raise NotPermitted("a seller changes only their own listings")
        return listing

    # Commission -------------------------------------------------------------------------

    def set_commission_rate(self, actor: Principal, category: str, basis_points: int) -> int:
        """An admin sets a category's commission rate in basis points; answers the rate now in
        force for it."""
        require_role(actor, Role.ADMIN, doing="set a commission rate")
        schedule = self._schedule()
        schedule.set_rate(category, basis_points, by=actor.label, at=self.clock.now())
        self._revenue.commit(schedule)
        return schedule.rate_for(category)

    def commission_rates(self) -> dict[str, int]:
        """The categories given their own commission rate (others pay the default), in basis
        points; anyone may read them."""
        return dict(self._schedule().rates)

    def _schedule(self) -> CommissionSchedule:
        return (
            self._revenue.find(CommissionSchedule, CommissionSchedule.ID)
            or CommissionSchedule.open()
        )

    # Orders -----------------------------------------------------------------------------

    def place_order(
        self,
        actor: Principal,
        *,
        listing_id: UUID,
        quantity: int,
        order_key: str,
        video_id: UUID | None = None,
        payment_method: str = DEFAULT_PAYMENT_METHOD,
    ) -> OrderView:
        """Buy from a listing, attributed to the video whose tag led here (if any), paying
        with ``payment_method`` through the payment provider: the order, its payment, the
        stock it takes and its postings are recorded together once the payment succeeded;
        a declined payment is ``PaymentDeclined`` and records nothing."""
        require_role(actor, Role.VIEWER, Role.CREATOR, Role.ARTIST, Role.BRAND, doing="buy")
        order_id = Order.id_for(actor.label, order_key)
        for attempt in range(ORDER_ATTEMPTS):
            previous = self._revenue.find(Order, order_id)
            if previous is not None:
                return self._repeat(previous, listing_id, quantity, video_id)
            try:
                return self._place(actor, order_id, listing_id, quantity, video_id, payment_method)
            except StaleVersion:
                if attempt == ORDER_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _place(
        self,
        actor: Principal,
        order_id: UUID,
        listing_id: UUID,
        quantity: int,
        video_id: UUID | None,
        payment_method: str,
    ) -> OrderView:
        listing = self._revenue.load(Listing, listing_id)
        affiliate = self._affiliate_of(listing_id, video_id)
        if owns(actor, Role.CREATOR, affiliate):
            affiliate = None  # buying through one's own video earns no affiliate share
        now = self.clock.now()
        order = Order.place(
            order_id,
            listing=listing,
            seller=self.seller(listing.seller),
            buyer=actor.label,
            buyer_account=actor.subject,
            quantity=quantity,
            video_id=video_id,
            affiliate_creator=affiliate,
            rate_bp=self._schedule().rate_for(listing.category),
            at=now,
        )
        entry = self._order_entry(order, now)
        accounts = self.ledger.accounts_for(entry)
        # Paid last, once everything else is known to hold: a retry after a conflict at the
        # save asks with the same key and finds the intent that succeeded.
        self._pay(order, payment_method)
        self._revenue.commit(listing, order, entry, *accounts)
        return OrderView.of(order)

    def _pay(self, order: Order, payment_method: str) -> None:
        intent = self.payments.create_intent(
            order.total,
            idempotency_key=f"order:{order.id}",
            description=f"order {order.id} of listing {order.listing_id}",
        )
        intent = self.payments.confirm(intent.id, payment_method=payment_method)
        if intent.status is not IntentStatus.SUCCEEDED:
            raise PaymentDeclined(
                f"the payment of {order.total} failed: {intent.failure or intent.status.value}"
            )
        order.record_payment(
            provider=self.payments.name, intent=intent.id, amount=order.total, at=self.clock.now()
        )

    def _affiliate_of(self, listing_id: UUID, video_id: UUID | None) -> str | None:
        """The creator owed the affiliate share: the video must show the listing's tag."""
        if video_id is None:
            return None
        tags = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
        if tags is None or all(tag.listing_id != listing_id for tag in tags.shown):
            raise NotAttributable(f"video {video_id} shows no tag of listing {listing_id}")
        preferences = self._revenue.find(ShopPreferences, ShopPreferences.id_for(tags.creator))
        return tags.creator if preferences is not None and preferences.affiliate else None

    def _order_entry(self, order: Order, at: datetime) -> JournalEntry:
        currency = order.total.currency
        postings: list[Posting] = [
            debit(platform(PLATFORM_BUYER_PAYMENTS, currency), order.total),
        ]
        if order.proceeds.is_positive:
            postings.append(credit(seller_payable(order.seller, currency), order.proceeds))
        if order.platform_commission.is_positive:
            postings.append(
                credit(platform(PLATFORM_COMMISSION, currency), order.platform_commission)
            )
        if order.creator is not None and order.affiliate_share.is_positive:
            postings.append(
                credit(
                    creator_payable(order.creator, currency),
                    order.affiliate_share,
                    reference=f"video:{order.video_id}",
                )
            )
        return JournalEntry.record(
            cause=f"order:{order.id}", kind=ORDER_PLACED, postings=postings, at=at
        )

    @staticmethod
    def _repeat(order: Order, listing_id: UUID, quantity: int, video_id: UUID | None) -> OrderView:
        # The order's id is made from its key, so a found order always carries the same key.
        return answer_again(
            order,
            same_key=True,
            same_request=(order.listing_id, order.quantity, order.video_id)
            == (listing_id, quantity, video_id),
            answer=lambda earlier: OrderView.of(earlier, replayed=True),
            key_reused=lambda: IdempotencyKeyReused("this order key was used for another order"),
        )

    def order(self, actor: Principal, order_id: UUID) -> OrderView:
        """An order, for its buyer, its seller, an admin or an auditor (anyone else is
        ``NotPermitted``)."""
        order = self._revenue.load(Order, order_id)
        sees = (
            actor.role in (Role.ADMIN, Role.AUDITOR)
            or actor.label == order.buyer
            or owns(actor, Role.SELLER, order.seller)
        )
        if not sees:
            raise NotPermitted("an order is seen by its buyer, its seller, admins and auditors")
        return OrderView.of(order)
