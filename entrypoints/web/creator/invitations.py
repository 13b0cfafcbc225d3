"""``/creator/invitations``: the invitations brands sent the creator, a page at a time, each
with its brand, terms and state; one still awaiting the creator has a form to accept it, one to
decline it with a reason, and one to answer with a counter-offer (another fee and/or other
deliverables, with a note to the brand); a counter-offer awaiting the brand shows what the
brand offered beside it; one accepted (or sent back for changes) has a form to submit
one of the creator's videos as a draft with a note for the brand's approval, and shows why the
brand sent the last draft back.

The pages call the use cases of ``GET /v1/me/invitations``, ``POST
/v1/invitations/{id}/acceptance``, ``POST /v1/invitations/{id}/decline``, ``POST
/v1/invitations/{id}/counter-offer`` and ``POST /v1/campaigns/{id}/drafts`` with the visitor
as the caller; a reason is checked by the API's own ``ReasonBody`` and a counter-offer by its
``CounterOfferBody`` (a fee typed as a decimal amount in the fee's currency), and an invitation
that is no longer open (answered, withdrawn, or the budget cannot cover the fee) is refused with the
API's status and reason."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from application.auth import Role, require_role
from domain.business.invitations import InvitationState
from entrypoints.http.business.campaign_schemas import CounterOfferBody, DraftBody, ReasonBody
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import (
    FORM,
    NO_REFUSAL,
    AmountUnreadable,
    FormCursor,
    Refusal,
    answer_form,
    minor_units,
    page_query,
)
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
INVITATIONS = "/creator/invitations"
Done = Literal["accepted", "declined", "drafted", "countered"]
#: The creator's newest videos offered as a draft.
VIDEOS_OFFERED = 50
#: The states in which the creator may submit a draft.
DRAFTING = (InvitationState.ACCEPTED, InvitationState.CHANGES_REQUESTED)
Reason = Annotated[str, Form(max_length=2000)]
#: The longest reason the API takes, for the form's field (the server checks it again).
REASON_MAX: int = ReasonBody.model_json_schema()["properties"]["reason"]["maxLength"]


def _invitations(
    core: Core,
    visitor: Visitor,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    page = core.campaigns.invitations_of_creator(
        visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    videos = []
    if any(item.state in DRAFTING for item in page.items):
        videos = [
            (item.video_id, core.cataloguing.video(item.video_id).caption)
            for item in core.owner_lists.creator_videos(
                visitor.principal, limit=VIDEOS_OFFERED
            ).items
        ]
    return render(
        "creator/invitations.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(INVITATIONS, query, page.next_cursor),
            "done": done,
            "awaiting": InvitationState.SENT,
            "countered": InvitationState.COUNTERED,
            "drafting": DRAFTING,
            "videos": videos,
            "reason_max": REASON_MAX,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(INVITATIONS, dependencies=trails())
def my_invitations(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Done | None = None,
) -> Response:
    return _invitations(core, visitor, request.query_params, done=done)


@router.post(INVITATIONS + "/{invitation_id}/acceptance")
def accept(invitation_id: UUID, core: Core, visitor: Posting) -> Response:
    core.campaigns.accept(visitor.principal, invitation_id)
    return see_other(f"{INVITATIONS}?done=accepted")


@router.post(INVITATIONS + "/{invitation_id}/decline")
def decline(
    invitation_id: UUID,
    core: Core,
    visitor: Posting,
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> Response:
        body = ReasonBody.model_validate({"reason": reason})
        core.campaigns.decline(visitor.principal, invitation_id, reason=body.reason)
        return see_other(f"{INVITATIONS}?done=declined")

    return answer_form(
        attempt,
        partial(_invitations, core, visitor, page_query(cursor)),
        typed={"reason": reason},
        form=str(invitation_id),
    )


@router.post(INVITATIONS + "/{invitation_id}/counter-offer")
def counter(
    invitation_id: UUID,
    core: Core,
    visitor: Posting,
    fee: Reason = "",
    deliverables: Annotated[str, Form(max_length=4000)] = "",
    note: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    typed = {"fee": fee, "deliverables": deliverables, "note": note}
    again = partial(_invitations, core, visitor, page_query(cursor))
    form = f"counter-{invitation_id}"

    def attempt() -> Response:
        # Before the invitation is read for its currency: only a creator ever counters, so
        # no other role learns from the answer whether the invitation exists.
        require_role(visitor.principal, Role.CREATOR, doing="answer an invitation")
        asked: dict[str, object] = {"note": note}
        if fee.strip():
            currency = core.campaigns.invitation(visitor.principal, invitation_id).terms.fee
            try:
                minor = minor_units(fee, currency.currency)
            except AmountUnreadable as unreadable:
                return again(
                    refused=Refusal(form, {"fee": str(unreadable)}, typed), status_code=422
                )
            asked["fee"] = {"minor": minor, "currency": currency.currency}
        if deliverables.strip():
            asked["deliverables"] = deliverables
        body = CounterOfferBody.model_validate(asked)
        core.campaigns.counter(
            visitor.principal,
            invitation_id,
            fee=None if body.fee is None else body.fee.to_domain(),
            deliverables=body.deliverables,
            note=body.note,
        )
        return see_other(f"{INVITATIONS}?done=countered")

    # The body's one rule on the whole counter-offer (it asks for something) is shown beside
    # the fee, the field a creator fills first.
    return answer_form(attempt, again, typed=typed, form=form, aliases={FORM: "fee"})


@router.post(INVITATIONS + "/{campaign_id}/drafts")
def submit_draft(
    campaign_id: UUID,
    core: Core,
    visitor: Posting,
    video_id: Reason = "",
    note: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    """A video not chosen (or not a video's id) draws the page again with the reason beside
    the choice, and the note kept."""

    def attempt() -> Response:
        body = DraftBody.model_validate({"video_id": video_id, "note": note})
        core.campaigns.submit_draft(visitor.principal, campaign_id, body.video_id, note=body.note)
        return see_other(f"{INVITATIONS}?done=drafted")

    return answer_form(
        attempt,
        partial(_invitations, core, visitor, page_query(cursor)),
        typed={"video_id": video_id, "note": note},
        form=f"draft/{campaign_id}",
    )
