"""The shop's listings and the sellers behind them.

A listing's stock lives in the listing: an order takes from it in the same transaction as the
order is recorded, so concurrent orders race on the listing's version and stock never goes
below zero. Delisting (the seller withdraws it) and taking down (trust and safety upheld a
counterfeit report) are different facts with different consequences: only a takedown counts
against the seller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.bounds import MAX_QUANTITY, checked_quantity
from domain.categories import checked_category
from domain.errors import InvalidValue, RuleViolated
from domain.identifiers import checked_account
from domain.media import StoredBlob
from domain.money import Money
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
MAX_IMAGES = 10
#: Photos kept in the media store and shown on the listing's page, at most.
MAX_PHOTOS = 10
MAX_ATTRIBUTES = 30
STRIKES_TO_SUSPEND = 3
_SELLERS = uuid5(NAMESPACE_URL, "urn:spotlight:seller")


class ListingStatus(StrEnum):
    LISTED = "listed"
    DELISTED = "delisted"  # withdrawn by the seller
    TAKEN_DOWN = "taken-down"  # removed by trust and safety


class NotOnSale(RuleViolated):
    """The listing is delisted or taken down, or its seller is suspended."""


class OutOfStock(RuleViolated):
    """The order asks for more than the listing has."""


class SellerSuspended(RuleViolated):
    """Three upheld counterfeit reports suspend a seller: no new listings, no sales."""


def _text(value: str, what: str, longest: int, *, required: bool = True, line: bool = False) -> str:
    stripped = (checked_line if line else checked_free_text)(value, what).strip()
    if (required and not stripped) or len(stripped) > longest:
        raise InvalidValue(f"{what} has {'1' if required else '0'} to {longest} characters")
    return stripped


def _attributes(values: Mapping[str, str]) -> dict[str, str]:
    cleaned = {
        _text(k, "an attribute's name", 100, line=True): _text(v, "an attribute", 500, line=True)
        for k, v in values.items()
    }
    if len(cleaned) > MAX_ATTRIBUTES:
        raise InvalidValue(f"a listing has at most {MAX_ATTRIBUTES} attributes")
    return dict(sorted(cleaned.items()))


def _images(digests: Iterable[str]) -> tuple[str, ...]:
    images = tuple(dict.fromkeys(digests))
    if not 1 <= len(images) <= MAX_IMAGES:
        raise InvalidValue(f"a listing has 1 to {MAX_IMAGES} product images")
    return images


def _stock(value: int) -> int:
    return checked_quantity(value, "stock")


def _ordered(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidValue("an order is for at least one item")
    return quantity


class Seller(DomainAggregate):
    TOPIC = "spotlight.sellers:Seller"

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.sellers:SellerRegistered"
        account: str
        name: str
        registered_at: datetime

    class Struck(Aggregate.Event):
        TOPIC = "spotlight.sellers:SellerStruck"
        report_id: UUID
        listing_id: UUID
        struck_at: datetime

    class Suspended(Aggregate.Event):
        TOPIC = "spotlight.sellers:SellerSuspended"
        strikes: int
        suspended_at: datetime

    @staticmethod
    def id_for(account: str) -> UUID:
        return uuid5(_SELLERS, account)

    @classmethod
    def register(cls, *, account: str, name: str, at: datetime) -> Seller:
        return cls(
            id=cls.id_for(checked_account(account, "a seller's account")),
            account=account,
            name=_text(name, "a seller's name", MAX_TITLE, line=True),
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(self, id: UUID, account: str, name: str, registered_at: datetime) -> None:
        self.account = account
        self.name = name
        self.strikes: list[UUID] = []
        self.suspended = False

    def require_active(self) -> None:
        if self.suspended:
            raise SellerSuspended(f"seller {self.account} is suspended")

    def strike(self, report_id: UUID, listing_id: UUID, *, at: datetime) -> None:
        """An upheld counterfeit report; the third suspends the seller."""
        if report_id in self.strikes:
            raise RuleViolated(f"report {report_id} has already struck this seller")
        self._struck(report_id=report_id, listing_id=listing_id, struck_at=checked_instant(at))
        if len(self.strikes) >= STRIKES_TO_SUSPEND and not self.suspended:
            self._suspended(strikes=len(self.strikes), suspended_at=checked_instant(at))

    @event(Struck)
    def _struck(self, report_id: UUID, listing_id: UUID, struck_at: datetime) -> None:
        self.strikes.append(report_id)

    @event(Suspended)
    def _suspended(self, strikes: int, suspended_at: datetime) -> None:
        self.suspended = True


class Listing(DomainAggregate):
    TOPIC = "spotlight.listings:Listing"

    class Listed(Aggregate.Created):
        TOPIC = "spotlight.listings:ProductListed"
        seller: str
        title: str
        description: str
        price: Money
        stock: int
        category: str
        images: tuple[str, ...]  # sha256 digests of the product images
        attributes: dict[str, str]
        listed_at: datetime

    class Edited(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingEdited"
        title: str
        description: str
        price: Money
        category: str
        attributes: dict[str, str]
        edited_by: str
        edited_at: datetime

    class Restocked(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingRestocked"
        added: int
        restocked_at: datetime

    class Sold(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingSold"
        order_id: UUID
        quantity: int

    class Delisted(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingDelisted"
        delisted_by: str
        reason: str
        delisted_at: datetime

    class TakenDown(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingTakenDown"
        report_id: UUID
        taken_down_by: str
        reason: str
        taken_down_at: datetime

    class PhotoAdded(Aggregate.Event):
        """A photo of the product kept in the media store (its address is the sha256 of the
        bytes), shown on the listing's page."""

        TOPIC = "spotlight.listings:ListingPhotoAdded"
        address: str
        size: int
        content_type: str
        added_by: str
        added_at: datetime

    class PhotoRemoved(Aggregate.Event):
        TOPIC = "spotlight.listings:ListingPhotoRemoved"
        address: str
        removed_by: str
        removed_at: datetime

    @classmethod
    def list(
        cls,
        listing_id: UUID,
        *,
        seller: Seller,
        title: str,
        description: str,
        price: Money,
        stock: int,
        category: str,
        images: Iterable[str],
        attributes: Mapping[str, str] | None = None,
        at: datetime,
    ) -> Listing:
        seller.require_active()
        price.require_amount("a price")
        return cls(
            id=listing_id,
            seller=seller.account,
            title=_text(title, "a listing's title", MAX_TITLE, line=True),
            description=_text(description, "a description", MAX_DESCRIPTION, required=False),
            price=price,
            stock=_stock(stock),
            category=checked_category(category),
            images=_images(images),
            attributes=_attributes(attributes or {}),
            listed_at=checked_instant(at),
        )

    @event(Listed)
    def __init__(
        self,
        id: UUID,
        seller: str,
        title: str,
        description: str,
        price: Money,
        stock: int,
        category: str,
        images: tuple[str, ...],
        attributes: dict[str, str],
        listed_at: datetime,
    ) -> None:
        self.seller = seller
        self.title = title
        self.description = description
        self.price = price
        self.stock = stock
        self.category = category
        self.images = tuple(images)
        self.attributes = dict(attributes)
        self.listed_at = listed_at
        self.status = ListingStatus.LISTED
        self.photos: tuple[StoredBlob, ...] = ()

    @property
    def on_sale(self) -> bool:
        return ListingStatus(self.status) is ListingStatus.LISTED

    def edit(
        self,
        *,
        title: str,
        description: str,
        price: Money,
        category: str,
        attributes: Mapping[str, str],
        by: str,
        at: datetime,
    ) -> None:
        self._require_on_sale()
        price.require_amount("a price")
        self._edited(
            title=_text(title, "a listing's title", MAX_TITLE, line=True),
            description=_text(description, "a description", MAX_DESCRIPTION, required=False),
            price=price,
            category=checked_category(category),
            attributes=_attributes(attributes),
            edited_by=by,
            edited_at=checked_instant(at),
        )

    @event(Edited)
    def _edited(
        self,
        title: str,
        description: str,
        price: Money,
        category: str,
        attributes: dict[str, str],
        edited_by: str,
        edited_at: datetime,
    ) -> None:
        self.title = title
        self.description = description
        self.price = price
        self.category = category
        self.attributes = dict(attributes)

    def restock(self, added: int, *, at: datetime) -> None:
        self._require_on_sale()
        checked_quantity(added, "a restock", least=1)
        if self.stock + added > MAX_QUANTITY:
            raise InvalidValue(
                f"stock is at most {MAX_QUANTITY:,}: {self.stock:,} in stock, {added:,} more "
                "would pass it"
            )
        self._restocked(added=added, restocked_at=checked_instant(at))

    @event(Restocked)
    def _restocked(self, added: int, restocked_at: datetime) -> None:
        self.stock += added

    def price_of(self, quantity: int) -> Money:
        """What ``quantity`` items cost: an amount within the bound, or refused."""
        total = self.price.minor * _ordered(quantity)
        return Money(total, self.price.currency).require_amount("an order's total")

    def sell(self, order_id: UUID, quantity: int) -> None:
        self._require_on_sale()
        if _ordered(quantity) > self.stock:
            raise OutOfStock(f"{self.title!r} has {self.stock} in stock, not {quantity}")
        self._sold(order_id=order_id, quantity=quantity)

    @event(Sold)
    def _sold(self, order_id: UUID, quantity: int) -> None:
        self.stock -= quantity

    def delist(self, *, by: str, reason: str, at: datetime) -> None:
        self._require_on_sale()
        self._delisted(
            delisted_by=by,
            reason=_text(reason, "a reason", MAX_TITLE),
            delisted_at=checked_instant(at),
        )

    @event(Delisted)
    def _delisted(self, delisted_by: str, reason: str, delisted_at: datetime) -> None:
        self.status = ListingStatus.DELISTED

    def take_down(self, report_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        if ListingStatus(self.status) is ListingStatus.TAKEN_DOWN:
            raise RuleViolated("the listing is already taken down")
        self._taken_down(
            report_id=report_id,
            taken_down_by=by,
            reason=_text(reason, "a reason", MAX_DESCRIPTION),
            taken_down_at=checked_instant(at),
        )

    @event(TakenDown)
    def _taken_down(
        self, report_id: UUID, taken_down_by: str, reason: str, taken_down_at: datetime
    ) -> None:
        self.status = ListingStatus.TAKEN_DOWN

    def photo(self, address: str) -> StoredBlob | None:
        return next((photo for photo in self.photos if photo.address == address), None)

    def require_room_for_a_photo(self) -> None:
        """Refuse a photo past the most a listing shows, or on a listing not on sale (asked
        before the upload is decoded, so a refused one costs nothing)."""
        self._require_on_sale()
        if len(self.photos) >= MAX_PHOTOS:
            raise RuleViolated(f"a listing shows at most {MAX_PHOTOS} photos: remove one first")

    def add_photo(self, blob: StoredBlob, *, by: str, at: datetime) -> None:
        self.require_room_for_a_photo()
        if self.photo(blob.address) is not None:
            raise RuleViolated("the listing shows this photo already")
        if blob.size <= 0 or not blob.content_type.startswith("image/"):
            raise InvalidValue("a listing photo is a picture of some bytes")
        self._photo_added(
            address=blob.address,
            size=blob.size,
            content_type=blob.content_type,
            added_by=by,
            added_at=checked_instant(at),
        )

    @event(PhotoAdded)
    def _photo_added(
        self, address: str, size: int, content_type: str, added_by: str, added_at: datetime
    ) -> None:
        self.photos = (*self.photos, StoredBlob(address, size, content_type))

    def remove_photo(self, address: str, *, by: str, at: datetime) -> None:
        if self.photo(address) is None:
            raise RuleViolated("the listing shows no such photo")
        self._photo_removed(address=address, removed_by=by, removed_at=checked_instant(at))

    @event(PhotoRemoved)
    def _photo_removed(self, address: str, removed_by: str, removed_at: datetime) -> None:
        self.photos = tuple(photo for photo in self.photos if photo.address != address)

    def _require_on_sale(self) -> None:
        if not self.on_sale:
            raise NotOnSale(f"listing {self.title!r} is {ListingStatus(self.status).value}")
