"""Verification of artists: an artist asks for the badge, admins work the queue of requests
and grant or decline each (the artist is told through the inbox)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from entrypoints.http.music.music_schemas import (
    ArtistOut,
    VerificationDecision,
    VerificationRequestBody,
    VerificationRequestOut,
)
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.problems import documented
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import expected_version, tag_response

router = APIRouter(tags=["music"])

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]


@router.post(
    "/v1/me/verification-request",
    status_code=status.HTTP_201_CREATED,
    response_model=VerificationRequestOut,
)
def request_verification(
    body: VerificationRequestBody, core: Core, caller: Caller, response: Response
) -> VerificationRequestOut:
    """An artist asks for the verification badge; the request joins the admins' queue. One
    request awaits a decision at a time (409 `VerificationPending`), and never for an artist
    verified already (409 `AlreadyVerified`)."""
    view = core.verification.request(caller, note=body.note)
    tag_response(response, view.version)
    return VerificationRequestOut.model_validate(view)


@router.get(
    "/v1/me/verification-request",
    response_model=VerificationRequestOut,
    responses=documented((404, "`not-found`: no request of yours awaits a decision")),
)
def my_verification_request(core: Core, caller: Caller) -> VerificationRequestOut:
    """The artist's own request awaiting a decision (404 when none is pending; the decision
    comes as a notice)."""
    view = core.verification.pending(caller)
    return VerificationRequestOut.model_validate(view)


@router.get("/v1/review/verification-requests", response_model=PageOut[VerificationRequestOut])
def verification_queue(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[VerificationRequestOut]:
    """Requests for verification awaiting a decision, oldest first (admins, auditors). A
    request made meanwhile comes at the end."""
    page = core.verification.queue(caller, limit=limit, cursor=cursor)
    return PageOut[VerificationRequestOut].model_validate(page)


@router.post("/v1/review/verification-requests/{account}", response_model=ArtistOut)
def decide_verification(
    account: AccountPath,
    body: VerificationDecision,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ArtistOut:
    """An admin grants (the badge) or declines (with a reason) an artist's pending request;
    the artist is told. No request pending is 409 `NoVerificationRequest`."""
    version = expected_version(if_match)
    if body.decision == "grant":
        view = core.verification.grant(caller, account, expected_version=version)
    else:
        view = core.verification.decline(
            caller, account, reason=body.reason, expected_version=version
        )
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)
