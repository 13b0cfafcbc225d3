"""What a shop search is narrowed to (a category, a price range in one currency, sold-out
listings or not) and the order its results come in (by relevance, by price, newest first).

A search cursor carries a fingerprint of the query and of these, so a page is only ever
continued with what it was read for; the orders other than relevance page on a keyset of
their own (``SORTED``), every order tie-broken by the listing id as text so paging is stable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

import attrs

from application.paging import KeysetCursors, uuid_at
from domain.bounds import MAX_AMOUNT
from domain.categories import checked_category
from domain.errors import InvalidValue
from domain.money import MINOR_DIGITS, Money


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


class Sortable(Protocol):
    @property
    def listing_id(self) -> UUID: ...

    @property
    def price(self) -> Money: ...

    @property
    def listed_at(self) -> datetime: ...


#: Where a page of a search in an order other than relevance starts: after the listing with
#: this currency (prices of several currencies are grouped by their code), value (the price
#: in minor units, or the listing time in microseconds) and id.
SortAfter = tuple[str, int, UUID]

SORTED = KeysetCursors("shop search sorted", str, str, int, UUID)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def microseconds(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (how the rows keep listing times)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment(micros: int) -> datetime:
    """The moment ``microseconds`` gave."""
    seconds, rest = divmod(micros, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)


def _category(value: str | None) -> str | None:
    return None if value is None else checked_category(value)


@attrs.frozen
class SearchFilters:
    """Unset filters narrow nothing; ``in_stock`` false also shows listings sold out (still on
    sale). Prices are whole minor units of ``currency``, which a price bound needs; a
    minimum above the maximum matches nothing (each bound is a valid price on its own)."""

    category: str | None = attrs.field(default=None, converter=_category)
    min_price: int | None = None
    max_price: int | None = None
    currency: str | None = None
    in_stock: bool = True
    sort: SearchSort = attrs.field(default=SearchSort.RELEVANCE, converter=SearchSort)

    def __attrs_post_init__(self) -> None:
        for name in ("min_price", "max_price"):
            bound = getattr(self, name)
            if bound is None:
                continue
            if not isinstance(bound, int) or isinstance(bound, bool):
                raise InvalidValue(f"{name} is whole minor units, not {bound!r}")
            if not 0 <= bound <= MAX_AMOUNT:
                raise InvalidValue(f"{name} must be between 0 and {MAX_AMOUNT} minor units")
            if self.currency is None:
                raise InvalidValue(f"{name} needs a currency: prices of currencies differ")
        if self.currency is not None and self.currency not in MINOR_DIGITS:
            raise InvalidValue(
                f"unknown currency {self.currency!r}; known: {', '.join(sorted(MINOR_DIGITS))}"
            )

    def fingerprint(self) -> str:
        """A short digest of the filters and order, for the cursors they make."""
        text = repr(attrs.astuple(self))
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def admits(self, price: Money, category: str, stock: int) -> bool:
        """Whether an offer on sale passes the filters (the rows apply the same in SQL)."""
        if self.category is not None and category != self.category:
            return False
        if self.in_stock and stock <= 0:
            return False
        if self.currency is not None and price.currency != self.currency:
            return False
        if self.min_price is not None and price.minor < self.min_price:
            return False
        return self.max_price is None or price.minor <= self.max_price

    def key_of(self, result: Sortable) -> SortAfter:
        """Where ``result`` stands in this (non-relevance) order, as its cursor keeps it."""
        if self.sort is SearchSort.NEWEST:
            return "", microseconds(result.listed_at), result.listing_id
        return result.price.currency, result.price.minor, result.listing_id

    def ordering(self) -> Callable[[Sortable], tuple[str, int, str]]:
        """The sort key of this order (ascending), ties by the listing id as text."""
        descending = self.sort in (SearchSort.PRICE_DESC, SearchSort.NEWEST)

        def key(result: Sortable) -> tuple[str, int, str]:
            group, value, listing_id = self.key_of(result)
            return group, -value if descending else value, str(listing_id)

        return key

    def follows(self, result: Sortable, after: SortAfter | None) -> bool:
        """Whether ``result`` comes after the cursor's listing in this order."""
        if after is None:
            return True
        group, value, listing_id = after
        descending = self.sort in (SearchSort.PRICE_DESC, SearchSort.NEWEST)
        mark = (group, -value if descending else value, str(listing_id))
        return self.ordering()(result) > mark


def decode_sorted(cursor: str | None, scope: str) -> SortAfter | None:
    """Where a sorted search's page starts; a cursor made for another query, filters or order
    is refused with the reason."""
    key = SORTED.decode(cursor)
    if key is None:
        return None
    if key[0] != scope:
        raise InvalidValue(
            "the cursor is one of another shop search (another query, filters or sort): "
            "pass next_cursor with what it was read for"
        )
    group, value = key[1], key[2]
    if not isinstance(group, str) or not isinstance(value, int):
        raise InvalidValue("the cursor is not one 'shop search sorted' gave")
    return group, value, uuid_at(key, 3)
