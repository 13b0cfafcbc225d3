"""``/reviewer/anchors``: proposed anchors and disputes, the most popular videos first, each
with the fan video, the evidence and the title side by side (the fan video and the matched
reference clips playing from the media store), decided by a form.

The pages call the use cases of ``GET /v1/review/anchors``, ``POST
/v1/review/anchors/{video}/{title}`` and ``POST /v1/review/disputes/{video}``; the forms
are checked by the same request bodies, and a form shown before someone else changed the
video is refused as stale (409) rather than applied."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from functools import partial
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from domain.anchors.matching import SignalEvidence
from entrypoints.http.anchors.anchor_schemas import DecisionBody, DisputeSettlement
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import FRESH, Choice, Queue, Reason, Said, Version
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
Done = Literal["attached", "rejected", "upheld", "dismissed"]
#: The longest reason the API takes, for the form's field (the server checks it again).
REASON_MAX: int = DecisionBody.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/reviewer/anchors", "reviewer/queue.html", REASON_MAX)


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    page = core.anchoring.review_queue(
        visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    videos = {item.video_id: core.cataloguing.video(item.video_id) for item in page.items}
    titles = {item.title_id: core.cataloguing.title(item.title_id) for item in page.items}
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=page.items,
        videos=videos,
        titles=titles,
        references=[
            playable_references(item.evidence, titles[item.title_id].stored_references)
            for item in page.items
        ],
    )


@router.get(QUEUE.path, dependencies=trails())
def review_queue(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Done | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


def playable_references(evidence: Iterable[SignalEvidence], stored: Set[UUID]) -> list[str]:
    """The reference clips the evidence matched whose media plays back, each once, in the
    evidence's order: the reviewer plays them beside the fan video."""
    kept = {str(reference) for reference in stored}
    return list(dict.fromkeys(e.reference_id for e in evidence if e.reference_id in kept))


@router.post(QUEUE.path + "/{video_id}/{title_id}")
def decide(
    video_id: UUID,
    title_id: UUID,
    core: Core,
    visitor: Posting,
    version: Version,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = DecisionBody.model_validate({"decision": decision, "reason": reason})
        attach = body.decision == "attach"
        core.anchoring.decide(
            visitor.principal,
            video_id,
            title_id,
            attach=attach,
            reason=body.reason,
            expected_version=version,
        )
        return "attached" if attach else "rejected"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=f"{video_id}/{title_id}",
    )


@router.post("/reviewer/disputes/{video_id}")
def settle(
    video_id: UUID,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    """A dispute settled already (by someone else meanwhile) is refused by the use case."""

    def attempt() -> str:
        body = DisputeSettlement.model_validate({"decision": decision, "reason": reason})
        uphold = body.decision == "uphold"
        core.anchoring.settle_dispute(
            visitor.principal, video_id, uphold=uphold, reason=body.reason
        )
        return "upheld" if uphold else "dismissed"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=f"dispute/{video_id}",
    )
