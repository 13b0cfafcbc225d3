"""The shop over HTTP: sellers, listings with their product images, search, commission rates,
orders, and counterfeit reports."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from adapters.matching.products import PHOTO_SIDE
from adapters.media.pictures import open_picture
from application.media import MediaOverBudget, UnreadableMedia
from application.shop.search_filters import SearchFilters, SearchSort
from domain.bounds import MAX_AMOUNT
from domain.money import Money
from domain.shop.listings import MAX_IMAGES
from entrypoints.bootstrap import Spotlight
from entrypoints.http.problems import Problem
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.shop.shop_schemas import (
    CommissionOut,
    CommissionRate,
    Delisting,
    ListingEdit,
    ListingForm,
    ListingOut,
    OrderBody,
    OrderOut,
    RankedCursor,
    ReportBody,
    ReportDecision,
    ReportOut,
    Restock,
    SearchPageOut,
    SearchResultOut,
    SellerOut,
    SellerRegistration,
)
from entrypoints.http.uploads import READ_CHUNK, refuse_oversized, single
from entrypoints.http.versions import answer_replay, expected_version, set_location, tag_response

router = APIRouter(tags=["shop"])

#: A product image may not be larger than this, nor than the service's upload limit; nor
#: decode to more pixels than SPOTLIGHT_MAX_PIXELS (a small file may be a huge picture).
MAX_IMAGE_BYTES = 10 * 2**20
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
IMAGE_FIELD = "image"
LISTING_FIELDS = frozenset(ListingForm.model_fields)

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Your id for this order; a retry with the same key gets the first answer.",
    ),
]


# Sellers ----------------------------------------------------------------------------------


@router.post("/v1/sellers", status_code=status.HTTP_201_CREATED, response_model=SellerOut)
def register_seller(
    body: SellerRegistration, core: Core, caller: Caller, response: Response
) -> SellerOut:
    """A seller registers its shop as itself (an admin registers one for a named `account`).
    One seller per account: a second registration is a 409 `seller-exists`."""
    account = core.shop.register_seller(caller, name=body.name, account=body.account)
    seller = core.shop.seller(account)
    set_location(response, "sellers", account)
    tag_response(response, seller.version)
    return SellerOut.of(seller)


@router.get("/v1/sellers/{account}", response_model=SellerOut)
def get_seller(account: AccountPath, core: Core, _caller: Caller, response: Response) -> SellerOut:
    """A seller's shop name, its strikes (upheld counterfeit reports) and whether it is
    suspended (anyone signed in)."""
    seller = core.shop.seller(account)
    tag_response(response, seller.version)
    return SellerOut.of(seller)


# Listings ---------------------------------------------------------------------------------

LISTING_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "price_minor", "currency", "stock", "category", "image"],
                    "properties": {
                        "title": {"type": "string", "example": "Linen apron"},
                        "description": {"type": "string"},
                        "price_minor": {
                            "type": "string",
                            "example": "2450",
                            "description": "Whole minor units (cents for USD); never a float.",
                        },
                        "currency": {"type": "string", "example": "USD"},
                        "stock": {"type": "string", "example": "40"},
                        "category": {"type": "string", "example": "cooking"},
                        "attributes": {
                            "type": "string",
                            "description": 'A JSON object of texts, e.g. {"colour": "sand"}.',
                        },
                        "seller": {"type": "string", "description": "Only an admin names it."},
                        "image": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": f"1 to {MAX_IMAGES} JPEG, PNG or WebP images.",
                        },
                    },
                }
            }
        },
    }
}


def _image_limit(core: Spotlight) -> int:
    return min(core.settings.max_upload_bytes, MAX_IMAGE_BYTES)


def max_listing_bytes(core: Spotlight) -> int:
    """The most a listing's images may weigh together."""
    return _image_limit(core) * MAX_IMAGES


async def _read_image(upload: UploadFile, limit: int, number: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Problem(
                413,
                "payload-too-large",
                "Payload too large",
                f"image {number} ({upload.filename or 'unnamed'}) exceeds {limit} bytes",
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _listing_form(request: Request, limit: int) -> tuple[dict[str, str], list[bytes]]:
    """The text fields of a multipart listing and the bytes of its images, each within
    ``limit``; nothing else is accepted."""
    refuse_oversized(request, limit * MAX_IMAGES)
    content_type = request.headers.get("content-type", "")
    # A form without files (urlencoded) is read too, to say that the images are missing.
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise Problem(
            415, "unsupported-media-type", "Unsupported media type", "send multipart/form-data"
        )
    form = await request.form(max_files=MAX_IMAGES + 1, max_fields=50)
    fields: dict[str, list[str]] = {}
    images: list[bytes] = []
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != IMAGE_FIELD:
                    raise Problem(
                        422,
                        "validation-error",
                        "Invalid request",
                        f"unexpected file {key!r}; send the images as {IMAGE_FIELD!r}",
                    )
                images.append(await _read_image(value, limit, len(images) + 1))
            else:
                fields.setdefault(key, []).append(value)
    finally:
        await form.close()
    unknown = set(fields) - LISTING_FIELDS
    if unknown:
        raise Problem(
            422, "validation-error", "Invalid request", f"unknown fields: {sorted(unknown)}"
        )
    text = {name: given for name in fields if (given := single(fields, name)) is not None}
    return text, images


def check_image(core: Spotlight, data: bytes, number: int) -> None:
    """Refuse (422 `unreadable-image`) what does not decode as a JPEG, PNG or WebP image, and
    (413 `media-too-large`) what would decode to more pixels than the budget, before
    decoding it."""
    try:
        open_picture(
            data,
            side=PHOTO_SIDE,
            max_pixels=core.settings.max_pixels,
            formats=IMAGE_FORMATS,
            slots=core.decode_slots,
        ).close()
    except MediaOverBudget as error:
        raise Problem(
            413, "media-too-large", "Media too large to decode", f"image {number}: {error}"
        ) from None
    except UnreadableMedia:
        raise Problem(
            422,
            "unreadable-image",
            "Unreadable image",
            f"image {number} is not a readable JPEG, PNG or WebP image",
        ) from None


def _check_images(core: Spotlight, images: list[bytes]) -> None:
    for number, data in enumerate(images, start=1):
        check_image(core, data, number)


@router.post(
    "/v1/listings",
    status_code=status.HTTP_201_CREATED,
    response_model=ListingOut,
    openapi_extra=LISTING_BODY,
)
async def list_product(
    request: Request, core: Core, caller: Caller, response: Response
) -> ListingOut:
    """A registered seller lists a product as multipart/form-data (an admin lists one for a
    named `seller`): `title`, `description`, `price_minor` (whole minor units, more than
    zero), `currency`, `stock`, `category` (one of the platform's categories), `attributes`
    (a JSON object of texts) and 1 to 10 `image` files.

    Every image must decode as a JPEG, PNG or WebP picture (422 `unreadable-image`
    otherwise) and fit the image size limit (413); a bad price, stock or category is a 422.
    Nothing is recorded unless everything is acceptable. A suspended seller is refused
    (409 `SellerSuspended`); an account that is not a registered seller gets 404. A role
    that never lists is refused (403) before the upload is read."""
    core.shop.may_list(caller)
    text, images = await _listing_form(request, _image_limit(core))
    try:
        form = ListingForm.model_validate(text)
    except ValidationError as error:
        raise RequestValidationError(error.errors(), body=None) from None
    if not images:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            f"a listing needs 1 to {MAX_IMAGES} {IMAGE_FIELD!r} files (multipart/form-data)",
        )
    await run_in_threadpool(_check_images, core, images)
    price = Money(form.price_minor, form.currency)
    view = await run_in_threadpool(
        lambda: core.shop.list_product(
            caller,
            title=form.title,
            description=form.description,
            price=price,
            stock=form.stock,
            category=form.category,
            images=images,
            attributes=form.attributes,
            seller=form.seller,
        )
    )
    set_location(response, "listings", view.id)
    tag_response(response, view.version)
    return ListingOut.model_validate(view)


@router.get("/v1/listings/{listing_id}", response_model=ListingOut)
def get_listing(listing_id: UUID, core: Core, response: Response) -> ListingOut:
    """A listing as its product page shows it (public): price, stock and status."""
    view = core.shop.listing(listing_id)
    tag_response(response, view.version)
    return ListingOut.model_validate(view)


@router.put("/v1/listings/{listing_id}", response_model=ListingOut)
def edit_listing(
    listing_id: UUID,
    body: ListingEdit,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ListingOut:
    """The seller (or an admin) replaces a listing's title, description, price, category and
    attributes. Send the `ETag` you read as `If-Match`: a listing changed since is a 412
    `stale-version` (an order changes it too: its stock). A listing not on sale cannot be
    edited (409 `NotOnSale`)."""
    view = core.shop.edit_listing(
        caller,
        listing_id,
        title=body.title,
        description=body.description,
        price=body.price.to_domain(),
        category=body.category,
        attributes=body.attributes,
        expected_version=expected_version(if_match),
    )
    tag_response(response, view.version)
    return ListingOut.model_validate(view)


@router.post("/v1/listings/{listing_id}/restock", response_model=ListingOut)
def restock(
    listing_id: UUID, body: Restock, core: Core, caller: Caller, response: Response
) -> ListingOut:
    """The seller adds items to a listing's stock (a listing not on sale: 409 `NotOnSale`)."""
    view = core.shop.restock(caller, listing_id, body.added)
    tag_response(response, view.version)
    return ListingOut.model_validate(view)


@router.post("/v1/listings/{listing_id}/delisting", response_model=ListingOut)
def delist(
    listing_id: UUID, body: Delisting, core: Core, caller: Caller, response: Response
) -> ListingOut:
    """The seller withdraws a listing, with a reason. It leaves search and similar items and
    takes no more orders; unlike a takedown it does not count against the seller."""
    view = core.shop.delist(caller, listing_id, reason=body.reason)
    tag_response(response, view.version)
    return ListingOut.model_validate(view)


# Search -----------------------------------------------------------------------------------


@router.get("/v1/shop/search", response_model=SearchPageOut)
def search(
    core: Core,
    q: Annotated[str, Query(min_length=1, max_length=500, description="What to look for.")],
    cursor: RankedCursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    category: Annotated[
        str | None,
        Query(min_length=1, max_length=32, description="Only listings of this category."),
    ] = None,
    min_price: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_AMOUNT,
            description="Only listings costing at least this, in minor units of "
            "`currency` (which it needs).",
        ),
    ] = None,
    max_price: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_AMOUNT,
            description="Only listings costing at most this, in minor units of "
            "`currency` (which it needs).",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        Query(pattern="^[A-Z]{3}$", description="Only listings priced in this currency."),
    ] = None,
    in_stock: Annotated[
        bool, Query(description="false: also listings sold out (still on sale).")
    ] = True,
    sort: Annotated[
        SearchSort,
        Query(
            description="relevance (best match first), price_asc, price_desc (prices of "
            "several currencies grouped by currency code) or newest; ties by listing id."
        ),
    ] = SearchSort.RELEVANCE,
) -> SearchPageOut:
    """Listings a buyer can order (on sale and in stock), best match first (public). Words
    are matched however they are cased or accented, and a misspelt word (of four letters or
    more) finds the words it is close to. The filters narrow the results and `sort` orders
    them; a page continues after the last result of the one before (`next_cursor`, with the
    same `q`, filters and `sort`: a cursor of others is refused with 422); `results` is the
    deprecated name of `items`."""
    filters = SearchFilters(
        category=category,
        min_price=min_price,
        max_price=max_price,
        currency=currency,
        in_stock=in_stock,
        sort=sort,
    )
    page = core.shop_search.search(q, filters=filters, cursor=cursor, limit=limit)
    results = [SearchResultOut.model_validate(r) for r in page.items]
    return SearchPageOut(query=q, items=results, next_cursor=page.next_cursor, results=results)


# Commission -------------------------------------------------------------------------------


@router.put("/v1/shop/commission/{category}", response_model=CommissionOut)
def set_commission(
    category: str, body: CommissionRate, core: Core, caller: Caller
) -> CommissionOut:
    """An admin sets the platform's commission rate of a category, in basis points (0 to
    5,000). Orders placed from now on use it; placed orders keep the rate they used. An
    unknown category or a rate out of range is a 422."""
    core.shop.set_commission_rate(caller, category, body.basis_points)
    return CommissionOut(rates=core.shop.commission_rates())


@router.get("/v1/shop/commission", response_model=CommissionOut)
def get_commission(core: Core, _caller: Caller) -> CommissionOut:
    """The commission rate in force for every category (anyone signed in)."""
    return CommissionOut(rates=core.shop.commission_rates())


# Orders -----------------------------------------------------------------------------------


@router.post(
    "/v1/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
)
def place_order(
    body: OrderBody,
    core: Core,
    caller: Caller,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> OrderOut:
    """A buyer (a viewer, creator, artist or brand) orders from a listing, naming the video
    whose product tag led here, if any. The `Idempotency-Key` header is required: a retry
    with the same key answers 201 with the first order, `replayed: true` and
    `Idempotent-Replayed: true` (the same key for another order is a 409).

    The stock is taken in the same transaction as the order is recorded and its money
    posted: the seller's proceeds, the platform's commission at the category's rate and,
    when the video's creator opted in, half of the commission to the creator. 409: more
    than the stock (`OutOfStock`), a listing not on sale (`NotOnSale`), a suspended seller
    (`SellerSuspended`), a video that shows no tag of the listing (`NotAttributable`). The
    payment goes through the payment provider first: 402 `PaymentDeclined` if it fails, and
    nothing is recorded."""
    view = core.shop.place_order(
        caller,
        listing_id=body.listing_id,
        quantity=body.quantity,
        order_key=idempotency_key,
        video_id=body.video_id,
        **({"payment_method": body.payment_method} if body.payment_method else {}),
    )
    answer_replay(response, replayed=view.replayed)
    set_location(response, "orders", view.id)
    return OrderOut.model_validate(view)


@router.get("/v1/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: UUID, core: Core, caller: Caller) -> OrderOut:
    """An order with how its money was shared (its buyer, its seller, admins, auditors)."""
    return OrderOut.model_validate(core.shop.order(caller, order_id))


# Counterfeit reports ----------------------------------------------------------------------


@router.post(
    "/v1/listings/{listing_id}/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportOut,
)
def report_listing(
    listing_id: UUID, body: ReportBody, core: Core, caller: Caller, response: Response
) -> ReportOut:
    """Anyone signed in (auditors excepted) reports a listing as counterfeit, with a reason
    and up to 10 pieces of evidence. Ten reports a day each: the eleventh is a 409
    `ReportLimitReached`."""
    view = core.reports.file(caller, listing_id, reason=body.reason, evidence=body.evidence)
    set_location(response, "reports", view.id)
    return ReportOut.model_validate(view)


@router.post("/v1/review/reports/{report_id}", response_model=ReportOut)
def decide_report(report_id: UUID, body: ReportDecision, core: Core, caller: Caller) -> ReportOut:
    """A reviewer or admin decides a report, with a reason. Upholding it takes the listing
    down, strikes its seller (the third strike suspends the seller) and removes the
    listing's tags from every video, in one transaction; dismissing changes nothing else. A
    decided report stays decided (409 `ReportDecided`)."""
    return ReportOut.model_validate(
        core.reports.decide(caller, report_id, uphold=body.uphold, reason=body.reason)
    )


@router.get("/v1/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: UUID, core: Core, caller: Caller) -> ReportOut:
    """A report and its decision (its reporter, reviewers, admins, auditors)."""
    return ReportOut.model_validate(core.reports.report(caller, report_id))
