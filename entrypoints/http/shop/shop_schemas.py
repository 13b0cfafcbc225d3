"""Bodies of the shop: sellers, listings, search, commission, orders, product tags, the inbox,
and counterfeit reports.

Money travels as ``{"minor": 1250, "currency": "USD"}`` (``MoneyBody`` / ``MoneyOut``):
whole minor units, never a float. Requests derive from ``Strict`` (unknown fields are
refused); responses are built from the application's views.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    Json,
    StrictBool,
    StrictInt,
    model_validator,
)

from application.paging import MAX_CURSOR
from application.shop.product_scanning import ProductScanStatus
from application.shop.product_tagging import VideoTagsView
from domain.bounds import MAX_QUANTITY
from domain.inbox import NoticeKind
from domain.shop.counterfeit import MAX_EVIDENCE
from domain.shop.counterfeit import MAX_TEXT as MAX_REPORT_TEXT
from domain.shop.listings import MAX_ATTRIBUTES, MAX_DESCRIPTION, MAX_TITLE, Seller
from domain.shop.orders import MAX_LINE, MAX_RATE_BP, MAX_REASON, OrderState
from entrypoints.http.revenue.revenue_schemas import Currency, MoneyBody, MoneyOut
from entrypoints.http.schemas import MAX_POSITION, Account, Answer, Strict

Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE, examples=["Linen apron"])]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
Attributes = Annotated[
    dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=500)]],
    Field(max_length=MAX_ATTRIBUTES, examples=[{"colour": "sand", "size": "one size"}]),
]
Category = Annotated[str, Field(min_length=1, max_length=50, examples=["cooking"])]
ShortReason = Annotated[str, Field(min_length=1, max_length=200)]
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def _whole_number_text(value: object) -> object:
    """A form field holding a whole number: digits only ("12.0", "1e3" and "1_000" are not)."""
    if isinstance(value, str):
        if not _WHOLE.fullmatch(value.strip()):
            raise ValueError(f"a whole number is expected, not {value!r}")
        return int(value.strip())
    return value


WholeNumberText = Annotated[StrictInt, BeforeValidator(_whole_number_text)]


_OFFSET = re.compile(r"-?[0-9]+")


def _not_an_offset(cursor: str | None) -> str | None:
    if cursor is not None and _OFFSET.fullmatch(cursor):
        raise ValueError(
            "a cursor is no longer a count of results seen: pass the `next_cursor` of the "
            "previous page as it was given (none: from the start)"
        )
    return cursor


#: Where a page of a ranked list (search, similar items) starts: the shared opaque cursor.
#: The integer cursors these lists once took are refused with the reason.
RankedCursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR,
        description="The `next_cursor` of the previous page, as it was given (none: from the "
        "start). A cursor altered, given by another list, or an integer is refused with 422.",
    ),
    AfterValidator(_not_an_offset),
]


# Sellers ----------------------------------------------------------------------------------


class SellerRegistration(Strict):
    name: Title = Field(examples=["Sand & Linen"], description="The shop's name shown to buyers.")
    account: Account | None = Field(default=None, description="Only an admin names the account.")


class SellerOut(BaseModel):
    account: str
    name: str
    strikes: int = Field(description="Upheld counterfeit reports; three suspend the seller.")
    suspended: bool = Field(description="A suspended seller lists nothing new and sells nothing.")
    version: int

    @classmethod
    def of(cls, seller: Seller) -> SellerOut:
        return cls(
            account=seller.account,
            name=seller.name,
            strikes=len(seller.strikes),
            suspended=seller.suspended,
            version=seller.version,
        )


# Listings ---------------------------------------------------------------------------------


class ListingForm(Strict):
    """The text fields of a multipart listing (the images come as `image` files)."""

    title: str = Field(max_length=MAX_TITLE + 100)
    description: str = Field(default="", max_length=MAX_DESCRIPTION + 100)
    price_minor: WholeNumberText = Field(description="Whole minor units: 1250 USD is 12.50 USD.")
    currency: Currency
    stock: WholeNumberText
    category: Category
    attributes: Json[Attributes] = Field(
        default_factory=dict, description='A JSON object of texts, e.g. {"colour": "sand"}.'
    )
    seller: Account | None = Field(default=None, description="Only an admin names the seller.")


class ListingEdit(Strict):
    title: Title
    description: Description = ""
    price: MoneyBody
    category: Category
    attributes: Attributes = Field(default_factory=dict)


class Restock(Strict):
    added: StrictInt = Field(
        ge=1, le=MAX_QUANTITY, examples=[25], description="Items added to the stock."
    )


class Delisting(Strict):
    reason: ShortReason = Field(examples=["Discontinued"])


class ListingPhotoOut(Answer):
    address: str = Field(
        description="The photo's content address (sha256 of its bytes): "
        "`GET /v1/listings/{id}/photos/{address}` serves it, with byte ranges."
    )
    size: int
    content_type: str = Field(description="image/jpeg, image/png or image/webp.")


class ListingOut(Answer):
    id: UUID
    version: int
    seller: str
    title: str
    description: str
    price: MoneyOut
    stock: int
    category: str
    images: list[str] = Field(description="SHA-256 digests of the product images.")
    attributes: dict[str, str]
    status: str = Field(description="listed, delisted (by the seller) or taken-down.")
    listed_at: datetime
    recognisable: bool = Field(
        description="Its photos were described, so it can be recognised in videos; false when "
        "they show too little detail (it still sells)."
    )
    photos: list[ListingPhotoOut] = Field(
        default_factory=list, description="The photos shown on its page, in the order added."
    )


# Search -----------------------------------------------------------------------------------


class SearchResultOut(Answer):
    listing_id: UUID
    title: str
    price: MoneyOut
    seller: str
    score: float = Field(description="Higher is better; comparable within one query.")
    matched: list[str] = Field(description="The indexed words the query matched.")
    category: str
    listed_at: datetime = Field(description="When it was first put on sale.")


class SearchPageOut(BaseModel):
    query: str
    items: list[SearchResultOut] = Field(description="Best match first.")
    next_cursor: str | None = Field(
        description="Pass as ?cursor= (with the same q) for the next page; null: done."
    )
    results: list[SearchResultOut] = Field(deprecated=True, description="Deprecated: `items`.")


# Commission -------------------------------------------------------------------------------


class CommissionRate(Strict):
    basis_points: StrictInt = Field(
        examples=[1_000], description=f"0 to {MAX_RATE_BP}; 100 basis points are 1%."
    )


class CommissionOut(BaseModel):
    rates: dict[str, int] = Field(description="Basis points per category, in force now.")


# Orders -----------------------------------------------------------------------------------


class OrderBody(Strict):
    listing_id: UUID
    quantity: StrictInt = Field(ge=1, le=10_000, examples=[1])
    video_id: UUID | None = Field(
        default=None, description="The video whose product tag led to the order, if any."
    )
    payment_method: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The payment method the buyer's client collected from the provider. The "
        "sandbox provider takes test tokens: pm_card_visa (the default) pays, "
        "pm_card_chargeDeclined is declined (402).",
        examples=["pm_card_visa"],
    )


class OrderOut(Answer):
    id: UUID
    listing_id: UUID
    buyer: str
    seller: str
    quantity: int
    total: MoneyOut
    video_id: UUID | None
    proceeds: MoneyOut = Field(description="What the seller receives.")
    platform_commission: MoneyOut = Field(description="What the platform keeps.")
    affiliate_share: MoneyOut = Field(description="What the video's creator receives.")
    affiliate_creator: str | None
    rate_bp: int = Field(description="The commission rate of the category when ordered.")
    placed_at: datetime
    replayed: bool = Field(description="A retry with the same Idempotency-Key: the first answer.")
    state: OrderState = Field(
        description="paid, shipped, delivered, return-requested, returned, refunded or cancelled."
    )
    payment_provider: str = Field(description="Who took the payment (sandbox: no money moved).")
    payment_intent: str = Field(description="The provider's payment intent (empty: older order).")
    carrier: str
    tracking: str = Field(description="The carrier's tracking reference, once shipped.")
    return_reason: str
    refunded: MoneyOut | None = Field(description="What was given back to the buyer.")
    refund_reference: str = Field(description="The provider's refund, if refunded through it.")


class ShipmentBody(Strict):
    carrier: Annotated[str, Field(min_length=1, max_length=MAX_LINE, examples=["UPS"])]
    tracking: Annotated[str, Field(min_length=1, max_length=MAX_LINE, examples=["1Z999AA1"])]


class ReturnRequestBody(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON, examples=["Too small"])]


class RefundBody(Strict):
    amount: MoneyBody | None = Field(
        default=None, description="Part of what was paid; none: all of it."
    )


class CancellationBody(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON, examples=["Changed my mind"])]


# Product tags -----------------------------------------------------------------------------


class ManualTag(Strict):
    listing_id: UUID


class TagRemoval(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=1_000)] = Field(
        examples=["Not the product I used"]
    )


class AutoTags(Strict):
    on: StrictBool = Field(description="false: no automatic tags on this video.")


class ShopPreferencesBody(Strict):
    auto_tags: StrictBool = Field(description="false: no automatic tags on any of your videos.")
    affiliate: StrictBool = Field(
        description="true: receive half of the commission of orders made through your videos."
    )


class ShopPreferencesOut(Answer):
    creator: str
    auto_tags: bool
    affiliate: bool
    version: int


class TagOut(Answer):
    listing_id: UUID
    confidence: float
    evidence: dict[str, Any]
    added_by: str
    added_at: datetime
    shown: bool = Field(description="Viewers see it: the creator was told of it.")


class VideoTagsOut(BaseModel):
    video_id: UUID
    creator: str
    auto_tags: bool = Field(description="false: the creator turned automatic tags off here.")
    tags: list[TagOut]
    removed: list[UUID] = Field(description="Listings that are never tagged on it again.")

    @classmethod
    def of(cls, view: VideoTagsView) -> VideoTagsOut:
        return cls(
            video_id=view.video_id,
            creator=view.creator,
            auto_tags=not view.opted_out,
            tags=[TagOut.model_validate(tag) for tag in view.tags],
            removed=list(view.removed),
        )


class SimilarItemOut(Answer):
    listing_id: UUID
    title: str
    price: MoneyOut
    confidence: float
    seller: str


class SimilarItemsOut(BaseModel):
    video_id: UUID
    items: list[SimilarItemOut] = Field(description="Most confident first.")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: done.")


# Inbox ------------------------------------------------------------------------------------


class NoticeOut(Answer):
    notice_id: str
    subject: str
    body: str
    sent_at: datetime
    position: int = Field(description="Where the notice stands in your inbox's order.")
    kind: NoticeKind = Field(description="What the notice is about (`message`: free text).")
    about: dict[str, str] = Field(
        description="The ids of the objects the notice is about, by field "
        "(title, video, track, round, campaign, invitation, payout, report, listing...)."
    )
    reason: str = Field(description="The reason the decision gave; empty if none.")
    read: bool


class InboxOut(BaseModel):
    items: list[NoticeOut] = Field(description="Oldest first.")
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null: this is the last page."
    )
    recipient: str
    unread: int = Field(description="How many of your notices are unread, whatever the filters.")
    notices: list[NoticeOut] = Field(deprecated=True, description="Deprecated: `items`.")
    next_after: int = Field(
        deprecated=True, description="Deprecated: pass `next_cursor` as ?cursor= instead."
    )


class ReadBody(Strict):
    """Mark one notice read (`notice_id`), or every notice up to a position (`up_to`)."""

    notice_id: str | None = Field(default=None, min_length=1, max_length=64)
    up_to: StrictInt | None = Field(
        default=None, ge=1, le=MAX_POSITION, description="A notice's `position`."
    )

    @model_validator(mode="after")
    def _one_of(self) -> ReadBody:
        if (self.notice_id is None) == (self.up_to is None):
            raise ValueError("name a notice_id or a position up_to, one of the two")
        return self


class ReadOut(BaseModel):
    recipient: str
    unread: int


# Counterfeit reports ----------------------------------------------------------------------

ReportText = Annotated[str, Field(min_length=1, max_length=MAX_REPORT_TEXT)]


class ReportBody(Strict):
    reason: ReportText = Field(examples=["The logo is misspelt; the stitching is not the brand's"])
    evidence: list[ReportText] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        examples=[["https://example.com/authentic-vs-fake.jpg"]],
    )


class ReportDecision(Strict):
    uphold: StrictBool = Field(
        description="true takes the listing down and strikes its seller; false dismisses."
    )
    reason: ReportText = Field(examples=["Confirmed with the brand owner"])


class ReportOut(Answer):
    id: UUID
    listing_id: UUID
    seller: str
    reporter: str
    reason: str
    evidence: list[str]
    status: str = Field(description="open, upheld or dismissed.")
    decision_reason: str
    filed_at: datetime


# Recognition ------------------------------------------------------------------------------


class ProductScanReportOut(Answer):
    videos_scanned: int = Field(description="Videos recognised, new ones and older ones.")
    listings_joined: int = Field(description="Newly described listings joined to the scan.")
    tags_proposed: int = Field(description="Tags added (each awaits its creator's notice).")
    backfill_open: bool = Field(description="Older videos still to match with new listings.")
    listings_waiting: bool


class ProductScanStatusOut(BaseModel):
    videos_through: int = Field(description="Catalogue log position of the newest video seen.")
    listings_through: int = Field(description="Revenue log position of the last listing joined.")
    backfill_through: int | None = Field(description="Older videos matched so far, if open.")
    backfill_until: int | None
    videos_scanned: int
    tags_proposed: int
    listings_indexed: int = Field(description="Listings in this process's recogniser.")

    @classmethod
    def of(cls, status: ProductScanStatus) -> ProductScanStatusOut:
        through, until = status.backfill or (None, None)
        return cls(
            videos_through=status.videos_through,
            listings_through=status.listings_through,
            backfill_through=through,
            backfill_until=until,
            videos_scanned=status.videos_scanned,
            tags_proposed=status.tags_proposed,
            listings_indexed=status.listings_indexed,
        )
