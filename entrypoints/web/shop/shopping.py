"""``/shop``: a shopper's search of the listings on sale (a misspelt word still finds what
it is close to, as the API's search does), best match first, a page at a time;
``/shop/listings/{id}``: a listing's page with its price, stock and seller, and more like it.

They call the use cases of ``GET /v1/shop/search`` and ``GET /v1/listings/{id}`` (both
public: every signed-in person may shop). "More like this" is the same search asked with
the listing's title, less the listing itself: no second ranking."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from application.auth import Role
from domain.shop.listings import MAX_PHOTOS
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
SIMILAR = 6


@router.get("/shop", dependencies=trails())
def search(
    request: Request,
    core: Core,
    visitor: Visiting,
    q: Annotated[str, Query(max_length=500)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    words = q.strip()
    page = core.shop_search.search(words, limit=PAGE_SIZE, cursor=cursor) if words else None
    return render(
        "shop/search.html",
        {
            "visitor": visitor,
            "q": words,
            "items": page.items if page else [],
            "pager": pager("/shop", request.query_params, page.next_cursor if page else None),
        },
    )


@router.get("/shop/listings/{listing_id}")
def listing(listing_id: UUID, core: Core, visitor: Visiting, done: str | None = None) -> Response:
    return listing_page(core, visitor, listing_id, done=done)


def listing_page(
    core: Core,
    visitor: Visitor,
    listing_id: UUID,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """A listing's page; its seller also finds the form that adds a photo (``errors``: a
    refused photo's reason, shown beside the field)."""
    view = core.shop.listing(listing_id)
    alike = core.shop_search.search(view.title, limit=SIMILAR + 1).items
    principal = visitor.principal
    return render(
        "shop/listing.html",
        {
            "visitor": visitor,
            "listing": view,
            "similar": [item for item in alike if item.listing_id != listing_id][:SIMILAR],
            "done": done in ("listed", "photo"),
            "done_text": "Photo added." if done == "photo" else "Product listed.",
            "adds_photos": view.status.value == "listed"
            and len(view.photos) < MAX_PHOTOS
            and (
                principal.role is Role.ADMIN
                or (principal.role is Role.SELLER and principal.subject == view.seller)
            ),
            "errors": errors or {},
        },
        status_code=status_code,
    )
