"""Product tags on videos with the creator's consent, the creator's shop preferences, and the
in-app inbox where creators are told of new tags."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from application.auth import Role, owns, person_key, require_role
from application.notifications import InboxFilter, inbox_page
from domain.inbox import NoticeKind
from domain.shop.listings import ListingStatus
from domain.shop.product_tags import MAX_TAGS, TagRefused
from entrypoints.http.paging import PageCursor, PageLimit
from entrypoints.http.schemas import MAX_POSITION
from entrypoints.http.security import Caller, Core
from entrypoints.http.shop.shop_schemas import (
    AutoTags,
    InboxOut,
    ManualTag,
    NoticeOut,
    ProductScanReportOut,
    ProductScanStatusOut,
    RankedCursor,
    ReadBody,
    ReadOut,
    ShopPreferencesBody,
    ShopPreferencesOut,
    SimilarItemOut,
    SimilarItemsOut,
    TagRemoval,
    VideoTagsOut,
)
from entrypoints.http.versions import tag_response

router = APIRouter(tags=["product tags"])

#: What a creator who never chose has: automatic tags on, no affiliate share.
DEFAULT_PREFERENCES = (True, False)


@router.get("/v1/videos/{video_id}/similar-items", response_model=SimilarItemsOut)
def similar_items(
    video_id: UUID,
    core: Core,
    cursor: RankedCursor = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SimilarItemsOut:
    """The products linked to a video, as viewers see them (public): only tags its creator
    was told of, of listings on sale and in stock, most confident first. A page continues
    after the last item of the one before (`next_cursor`)."""
    page = core.tagging.similar_items(video_id, cursor=cursor, limit=limit)
    return SimilarItemsOut(
        video_id=video_id,
        items=[SimilarItemOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/v1/videos/{video_id}/tags", response_model=VideoTagsOut)
def get_tags(video_id: UUID, core: Core, caller: Caller) -> VideoTagsOut:
    """Every tag of a video, those still hidden (the creator not told yet) included, and
    the listings removed for good (the video's creator, reviewers, admins, auditors)."""
    return VideoTagsOut.of(core.tagging.tags_of(caller, video_id))


@router.post(
    "/v1/videos/{video_id}/tags",
    status_code=status.HTTP_201_CREATED,
    response_model=VideoTagsOut,
    responses={200: {"description": "The video carries the tag already; nothing recorded."}},
)
def tag_video(
    video_id: UUID, body: ManualTag, core: Core, caller: Caller, response: Response
) -> VideoTagsOut:
    """A reviewer or admin links a listing to a video by hand. The creator is told first
    (in the app): viewers see the tag once the notice is delivered.

    201: tagged. 200: the video carries the tag already. 409 `TagRefused`: the creator (or
    trust and safety) removed this listing from the video before, which is final; the
    listing is not on sale; or the video carries the most tags it may."""
    listing = core.shop.listing(body.listing_id)  # 404 for an unknown listing
    before = (
        core.tagging.tags_of(caller, video_id)
        if caller.role in (Role.REVIEWER, Role.ADMIN)
        else None
    )
    view = core.tagging.manual_tag(caller, video_id, body.listing_id)
    had = before is not None and any(t.listing_id == listing.id for t in before.tags)
    if any(t.listing_id == listing.id for t in view.tags):
        response.status_code = status.HTTP_200_OK if had else status.HTTP_201_CREATED
        return VideoTagsOut.of(view)
    # The use case answers a refusal by recording nothing; say why.
    if listing.id in view.removed:
        raise TagRefused("this listing was removed from the video before; it is not tagged again")
    if listing.status is not ListingStatus.LISTED:
        raise TagRefused(f"the listing is {listing.status.value}, not on sale")
    if len(view.tags) >= MAX_TAGS:
        raise TagRefused(f"a video carries at most {MAX_TAGS} tags")
    raise TagRefused("the video's tags changed at the same moment; try again")


@router.delete("/v1/videos/{video_id}/tags/{listing_id}", response_model=VideoTagsOut)
def remove_tag(
    video_id: UUID, listing_id: UUID, body: TagRemoval, core: Core, caller: Caller
) -> VideoTagsOut:
    """The video's creator (or an admin) removes a tag, with a reason. It is removed for
    good: that listing is never tagged on this video again. A tag the video does not carry
    is a 409 `NoSuchTag`."""
    return VideoTagsOut.of(
        core.tagging.remove_tag(caller, video_id, listing_id, reason=body.reason)
    )


@router.put("/v1/videos/{video_id}/auto-tags", response_model=VideoTagsOut)
def set_auto_tags(video_id: UUID, body: AutoTags, core: Core, caller: Caller) -> VideoTagsOut:
    """The video's creator (or an admin) turns automatic tags on or off for this video;
    tags a reviewer adds by hand are not automatic. Setting what is set already changes
    nothing."""
    current = core.tagging.tags_of(caller, video_id)
    controls = caller.role is Role.ADMIN or (owns(caller, Role.CREATOR, current.creator))
    if controls and current.opted_out == (not body.on):
        return VideoTagsOut.of(current)
    return VideoTagsOut.of(core.tagging.set_video_auto_tags(caller, video_id, on=body.on))


@router.put("/v1/me/shop-preferences", response_model=ShopPreferencesOut)
def set_preferences(
    body: ShopPreferencesBody, core: Core, caller: Caller, response: Response
) -> ShopPreferencesOut:
    """A creator chooses for all their videos: automatic tags (`auto_tags`, on until turned
    off) and the affiliate share (`affiliate`, off until turned on: half of the platform's
    commission on orders placed through their videos, credited to their payable account).
    Setting what is set already changes nothing (`version` 0: nothing recorded yet)."""
    if caller.role is Role.CREATOR:
        found = core.tagging.preferences(caller)
        if found is None and (body.auto_tags, body.affiliate) == DEFAULT_PREFERENCES:
            return ShopPreferencesOut(
                creator=caller.subject, auto_tags=True, affiliate=False, version=0
            )
        if found is not None and (found.auto_tags, found.affiliate) == (
            body.auto_tags,
            body.affiliate,
        ):
            tag_response(response, found.version)
            return ShopPreferencesOut.model_validate(found)
    preferences = core.tagging.set_preferences(
        caller, auto_tags=body.auto_tags, affiliate=body.affiliate
    )
    tag_response(response, preferences.version)
    return ShopPreferencesOut.model_validate(preferences)


@router.get("/v1/me/inbox", response_model=InboxOut)
def inbox(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_POSITION,
            deprecated=True,
            description="Deprecated: the last `position` you read; pass `cursor` instead.",
        ),
    ] = None,
    unread: Annotated[bool, Query(description="Only the notices not read yet.")] = False,
    kind: Annotated[NoticeKind | None, Query(description="Only notices of this kind.")] = None,
) -> InboxOut:
    """The notices sent to you, oldest first, each typed (`kind`, the ids it is `about`, a
    `reason`) and `read` or not: for creators, the product links added to their videos and
    their campaign invitations; for brands, what creators did with their invitations. An inbox
    is a person's (role and subject): `brand:c1` does not read what was sent to `creator:c1`.
    A cursor pages the same filters it was made with."""
    recipient = person_key(caller)
    page = inbox_page(
        core.notifier,
        recipient,
        limit=limit,
        cursor=cursor,
        after=after,
        only=InboxFilter(unread=unread, kind=kind),
    )
    notices = [NoticeOut.model_validate(n) for n in page.items]
    return InboxOut(
        items=notices,
        next_cursor=page.next_cursor,
        recipient=recipient,
        unread=core.inboxes.unread(recipient),
        notices=notices,
        next_after=notices[-1].position if notices else (after or 0),
    )


@router.post("/v1/me/inbox/read", response_model=ReadOut)
def read_notices(core: Core, caller: Caller, body: ReadBody) -> ReadOut:
    """Mark one of your notices read (`notice_id`; 404 if it is not yours), or every notice
    of yours up to a `position` (`up_to`). Answers how many stay unread."""
    recipient = person_key(caller)
    if body.notice_id is not None:
        core.inboxes.mark_read(recipient, body.notice_id)
        return ReadOut(recipient=recipient, unread=core.inboxes.unread(recipient))
    assert body.up_to is not None  # the body names one of the two
    return ReadOut(recipient=recipient, unread=core.inboxes.mark_read_up_to(recipient, body.up_to))


@router.post("/v1/shop/recognition/run", response_model=ProductScanReportOut)
def run_recognition(
    core: Core, caller: Caller, max_videos: Annotated[int, Query(ge=1, le=100_000)] = 1000
) -> ProductScanReportOut:
    """Recognise listed products in videos now (admin): new videos against every listing,
    new listings against older videos. The service also does it in the background."""
    require_role(caller, Role.ADMIN, doing="run product recognition")
    return ProductScanReportOut.model_validate(core.recognition.run(max_videos=max_videos))


@router.get("/v1/shop/recognition", response_model=ProductScanStatusOut)
def recognition_status(core: Core, caller: Caller) -> ProductScanStatusOut:
    """How far product recognition has got (admin, auditor)."""
    require_role(caller, Role.ADMIN, Role.AUDITOR, doing="read product recognition's progress")
    return ProductScanStatusOut.of(core.recognition.status())
