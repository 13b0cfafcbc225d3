"""``/seller``: a seller's listings with their stock and open counterfeit reports (and, before
the shop is registered, the form to register it); ``/seller/listings/new``: listing a
product with its photos; ``/seller/orders``: the orders placed on the seller's listings;
``/seller/reports``: the counterfeit reports filed against them.

They call the use cases of ``GET /v1/me/listings``, ``POST /v1/sellers``, ``POST
/v1/listings``, ``GET /v1/me/sales`` and ``GET /v1/me/listing-reports`` with the visitor as
the caller; a listing's form is checked by the API's own ``ListingForm`` and its photos by
the same decoding check, so a form the API would refuse is refused here with the same
reason, shown beside the field."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from application.errors import NotFound
from application.media import MediaTooLarge, UnreadableMedia
from domain.categories import CATEGORIES
from domain.money import Money
from domain.shop.listings import MAX_IMAGES
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.shop.shop import _image_limit, _read_image, check_image
from entrypoints.http.shop.shop_schemas import ListingForm, SellerRegistration
from entrypoints.web.forms import (
    FORM,
    AmountUnreadable,
    field_reasons,
    form_refusal,
    minor_units,
)
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.shop.shopping import listing_page
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
NEW = "/seller/listings/new"
Text = Annotated[str, Form(max_length=5000)]


def _registered(core: Core, visitor: Visitor) -> bool:
    try:
        core.shop.seller(visitor.principal.subject)
    except NotFound:
        return False
    return True


@router.get("/seller", dependencies=trails())
def my_listings(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: str | None = None,
) -> Response:
    page = core.shop_lists.seller_listings(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "shop/listings.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager("/seller", request.query_params, page.next_cursor),
            "registered": _registered(core, visitor),
            "done": done if done in ("registered", "listed") else None,
            "errors": {},
            "typed": {},
        },
    )


@router.post("/seller/shop")
def register(core: Core, visitor: Posting, name: Text = "") -> Response:
    try:
        body = SellerRegistration.model_validate({"name": name})
    except ValidationError as refused:
        page = core.shop_lists.seller_listings(visitor.principal, limit=PAGE_SIZE)
        return render(
            "shop/listings.html",
            {
                "visitor": visitor,
                "items": page.items,
                "pager": pager("/seller", {}, page.next_cursor),
                "registered": False,
                "done": None,
                "errors": field_reasons(refused),
                "typed": {"name": name},
            },
            status_code=422,
        )
    core.shop.register_seller(visitor.principal, name=body.name)
    return see_other("/seller?done=registered")


def _listing_form(
    visitor: Visitor, errors: dict[str, str], typed: dict[str, str]
) -> dict[str, Any]:
    return {
        "visitor": visitor,
        "categories": CATEGORIES,
        "max_images": MAX_IMAGES,
        "errors": errors,
        "typed": typed,
    }


@router.get(NEW)
def new_listing(core: Core, visitor: Visiting) -> Response:
    core.shop.may_list(visitor.principal)
    return render("shop/new_listing.html", _listing_form(visitor, {}, {}))


@router.post(NEW)
async def list_product(
    core: Core,
    visitor: Posting,
    image: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies it
    title: Text = "",
    description: Text = "",
    price: Text = "",
    currency: Text = "USD",
    stock: Text = "",
    category: Text = "",
) -> Response:
    core.shop.may_list(visitor.principal)
    typed = {
        "title": title,
        "description": description,
        "price": price,
        "currency": currency,
        "stock": stock,
        "category": category,
    }
    reasons: dict[str, str] = {}
    try:
        minor = str(minor_units(price, currency))
    except AmountUnreadable as unreadable:
        reasons["price"] = str(unreadable)
        minor = "0"
    try:
        form = ListingForm.model_validate(
            {
                "title": title,
                "description": description,
                "price_minor": minor,
                "currency": currency.strip().upper(),
                "stock": stock.strip(),
                "category": category,
            }
        )
    except ValidationError as refused:
        reasons = {**field_reasons(refused, {"price_minor": "price"}), **reasons}
    chosen = [upload for upload in image if upload.filename]
    if not 1 <= len(chosen) <= MAX_IMAGES:
        reasons["image"] = f"a listing needs 1 to {MAX_IMAGES} photos"
    if reasons:
        return render(
            "shop/new_listing.html", _listing_form(visitor, reasons, typed), status_code=422
        )
    try:
        photos = [
            await _read_image(upload, _image_limit(core), number)
            for number, upload in enumerate(chosen, start=1)
        ]
        for number, photo in enumerate(photos, start=1):
            await run_in_threadpool(check_image, core, photo, number)
        view = await run_in_threadpool(
            lambda: core.shop.list_product(
                visitor.principal,
                title=form.title,
                description=form.description,
                price=Money(form.price_minor, form.currency),
                stock=form.stock,
                category=form.category,
                images=photos,
                attributes=form.attributes,
            )
        )
    except Exception as error:
        answer = form_refusal(error)
        if answer is None:
            raise
        code, reason = answer
        return render(
            "shop/new_listing.html",
            _listing_form(visitor, {FORM: reason}, typed),
            status_code=code,
        )
    return see_other(f"/shop/listings/{view.id}?done=listed")


@router.post("/seller/listings/{listing_id}/photos")
async def add_listing_photo(
    listing_id: UUID,
    core: Core,
    visitor: Posting,
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The form of the listing's page that adds a photo (``POST /v1/listings/{id}/photos``):
    a refusal is drawn again on the listing's page, its reason beside the field."""
    limit = core.listing_photos.limit
    try:
        await run_in_threadpool(core.listing_photos.may_add, visitor.principal, listing_id)
        if photo is None or not photo.filename:
            raise UnreadableMedia("choose a JPEG, PNG or WebP picture to add")
        data = await photo.read(limit + 1)
        if len(data) > limit:
            raise MediaTooLarge(len(data), limit)
        await run_in_threadpool(core.listing_photos.add, visitor.principal, listing_id, data)
    except Exception as error:
        answer = form_refusal(error)
        if answer is None:
            raise
        code, reason = answer
        return listing_page(core, visitor, listing_id, errors={"photo": reason}, status_code=code)
    return see_other(f"/shop/listings/{listing_id}?done=photo")


@router.get("/seller/orders", dependencies=trails())
def my_sales(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.shop_lists.seller_sales(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "shop/seller_orders.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager("/seller/orders", request.query_params, page.next_cursor),
        },
    )


@router.get("/seller/reports", dependencies=trails())
def reports_on_my_listings(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.shop_lists.seller_reports(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "shop/reports.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager("/seller/reports", request.query_params, page.next_cursor),
        },
    )
