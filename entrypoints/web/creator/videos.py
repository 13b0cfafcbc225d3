"""``/creator``: the creator's own videos, a page at a time, each with its caption, its
anchor, its hashtags, its moderation state and its engagement; a video delivered for a brand's
campaign shows its paid-partnership disclosure, as viewers see it.

The page calls the use case of ``GET /v1/me/videos`` (``owner_lists.creator_videos``) with
the visitor as the caller: anyone but a creator is refused as the API refuses them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20


@router.get("/creator", dependencies=trails())
def my_videos(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.owner_lists.creator_videos(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    videos = {item.video_id: core.cataloguing.video(item.video_id) for item in page.items}
    titles = {
        item.anchor_title_id: core.cataloguing.title(item.anchor_title_id)
        for item in page.items
        if item.anchor_title_id is not None
    }
    return render(
        "creator/videos.html",
        {
            "visitor": visitor,
            "items": page.items,
            "videos": videos,
            "titles": titles,
            "partnerships": core.campaign_dashboards.paid_partnerships(list(videos)),
            "pager": pager("/creator", request.query_params, page.next_cursor),
        },
    )
