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
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from domain.anchors.matching import SignalEvidence
from entrypoints.http.anchors.anchor_schemas import DecisionBody, DisputeSettlement
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import (
    NO_REFUSAL,
    FormCursor,
    Refusal,
    answer_form,
    page_query,
)
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
QUEUE = "/reviewer/anchors"
Done = Literal["attached", "rejected", "upheld", "dismissed"]
Choice = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=2000)]
Version = Annotated[int, Form(ge=1)]
#: The longest reason the API takes, for the form's field (the server checks it again).
REASON_MAX: int = DecisionBody.model_json_schema()["properties"]["reason"]["maxLength"]


def _queue(
    core: Core,
    visitor: Visitor,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    page = core.anchoring.review_queue(
        visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    videos = {item.video_id: core.cataloguing.video(item.video_id) for item in page.items}
    titles = {item.title_id: core.cataloguing.title(item.title_id) for item in page.items}
    return render(
        "reviewer/queue.html",
        {
            "visitor": visitor,
            "items": page.items,
            "videos": videos,
            "titles": titles,
            "references": [
                playable_references(item.evidence, titles[item.title_id].stored_references)
                for item in page.items
            ],
            "pager": pager(QUEUE, query, page.next_cursor),
            "done": done,
            "reason_max": REASON_MAX,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(QUEUE, dependencies=trails())
def review_queue(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Done | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, done=done)


def playable_references(evidence: Iterable[SignalEvidence], stored: Set[UUID]) -> list[str]:
    """The reference clips the evidence matched whose media plays back, each once, in the
    evidence's order: the reviewer plays them beside the fan video."""
    kept = {str(reference) for reference in stored}
    return list(dict.fromkeys(e.reference_id for e in evidence if e.reference_id in kept))


@router.post(QUEUE + "/{video_id}/{title_id}")
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
    def attempt() -> Response:
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
        return see_other(f"{QUEUE}?done={'attached' if attach else 'rejected'}")

    return answer_form(
        attempt,
        partial(_queue, core, visitor, page_query(cursor)),
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

    def attempt() -> Response:
        body = DisputeSettlement.model_validate({"decision": decision, "reason": reason})
        uphold = body.decision == "uphold"
        core.anchoring.settle_dispute(
            visitor.principal, video_id, uphold=uphold, reason=body.reason
        )
        return see_other(f"{QUEUE}?done={'upheld' if uphold else 'dismissed'}")

    return answer_form(
        attempt,
        partial(_queue, core, visitor, page_query(cursor)),
        typed={"decision": decision, "reason": reason},
        form=f"dispute/{video_id}",
    )
