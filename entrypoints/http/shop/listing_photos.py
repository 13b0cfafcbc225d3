"""A listing's photos over HTTP: a seller adds and removes them, anyone sees them (with byte
ranges, like other media); ``application.shop.listing_photos`` decides."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from entrypoints.http.media import PLAYBACK_RESPONSES, playback
from entrypoints.http.problems import Problem
from entrypoints.http.security import Caller, Core
from entrypoints.http.shop.shop_schemas import ListingPhotoOut
from entrypoints.http.uploads import read_upload
from entrypoints.http.versions import set_location

router = APIRouter(tags=["shop"])

PHOTO_FIELD: Final = "photo"
PHOTO_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [PHOTO_FIELD],
                    "properties": {
                        PHOTO_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "One JPEG, PNG or WebP picture.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/v1/listings/{listing_id}/photos",
    status_code=status.HTTP_201_CREATED,
    response_model=ListingPhotoOut,
    openapi_extra=PHOTO_BODY,
)
async def add_listing_photo(
    listing_id: UUID, request: Request, core: Core, caller: Caller, response: Response
) -> ListingPhotoOut:
    """The listing's seller (or an admin) adds a photo as multipart/form-data (`photo`),
    kept in the media store and shown on the listing's page. Its type is the one its magic
    bytes name, and it must decode as that JPEG, PNG or WebP picture (422 `unreadable-media`);
    larger than `SPOTLIGHT_MAX_PHOTO_MB` is 413; another seller's listing 403; a listing not
    on sale, one that shows 10 photos already, or the same photo twice, 409. Refused before
    the upload is read where the bytes do not matter; nothing is recorded or kept on a
    refusal."""
    await run_in_threadpool(core.listing_photos.may_add, caller, listing_id)
    _fields, upload = await read_upload(
        request, limit=core.listing_photos.limit, file_field=PHOTO_FIELD
    )
    if upload is None:
        raise Problem(
            422, "validation-error", "Invalid request", f"send the picture as {PHOTO_FIELD!r}"
        )
    photo = await run_in_threadpool(core.listing_photos.add, caller, listing_id, upload.data)
    set_location(response, "listings", listing_id, "photos", photo.address)
    return ListingPhotoOut.model_validate(photo)


@router.get(
    "/v1/listings/{listing_id}/photos/{address}",
    response_class=Response,
    responses=PLAYBACK_RESPONSES,
)
def listing_photo(listing_id: UUID, address: str, request: Request, core: Core) -> Response:
    """A photo the listing shows (public, like the listing), with byte ranges (`Range`,
    206, 416) and its content address as `ETag`; 404 for one it does not show."""
    photo = core.listing_photos.photo(listing_id, address)
    return playback(request, core.media_store, photo)


@router.delete("/v1/listings/{listing_id}/photos/{address}", status_code=status.HTTP_204_NO_CONTENT)
def remove_listing_photo(listing_id: UUID, address: str, core: Core, caller: Caller) -> Response:
    """The seller (or an admin) takes a photo off the listing (409 if it shows no such
    photo). Its bytes stay until `spotlight media gc` finds nobody holding them."""
    core.listing_photos.remove(caller, listing_id, address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
