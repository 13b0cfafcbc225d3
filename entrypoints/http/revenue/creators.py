"""Creators' recorded facts: home region, follower counts and moderation strikes.

Programs (Pulse) decide on these facts, so none of them is taken from the request that asks
for a decision: follower counts come from the platform's counting service (an admin token),
strikes from reviewers.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from entrypoints.http.revenue.revenue_schemas import (
    CreatorOut,
    CreatorRegistration,
    FollowerCount,
    StrikeBody,
    StrikeLifting,
)
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location, tag_response

router = APIRouter(prefix="/v1/creators", tags=["creators"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatorOut)
def register_creator(
    body: CreatorRegistration, core: Core, caller: Caller, response: Response
) -> CreatorOut:
    """A creator registers its home region as itself (an admin registers one for a named
    `account`). One record per account: a second registration is a 409 `creator-exists`."""
    view = core.creators.register(caller, region=body.region, account=body.account)
    set_location(response, "creators", view.account)
    tag_response(response, view.version)
    return CreatorOut.model_validate(view)


@router.get("/{account}", response_model=CreatorOut)
def get_creator(account: AccountPath, core: Core, caller: Caller, response: Response) -> CreatorOut:
    """A creator's recorded facts: region, latest follower count, active strikes (the
    creator itself, admins, reviewers, auditors and brands)."""
    view = core.creators.creator(caller, account)
    tag_response(response, view.version)
    return CreatorOut.model_validate(view)


@router.post("/{account}/followers", response_model=CreatorOut)
def count_followers(
    account: AccountPath, body: FollowerCount, core: Core, caller: Caller, response: Response
) -> CreatorOut:
    """The platform's counting service (an admin token) records a follower count. A count
    older than the one recorded is refused (409 `rule-violated`, `StaleFollowerCount`)."""
    view = core.creators.count_followers(
        caller, account, body.followers, counted_at=body.counted_at
    )
    tag_response(response, view.version)
    return CreatorOut.model_validate(view)


@router.post("/{account}/strikes", status_code=status.HTTP_201_CREATED, response_model=CreatorOut)
def issue_strike(
    account: AccountPath, body: StrikeBody, core: Core, caller: Caller, response: Response
) -> CreatorOut:
    """A reviewer or admin issues a moderation strike, citing the policy. While a strike is
    active the creator cannot enrol in Pulse. Answers the creator with its active strikes."""
    view = core.creators.issue_strike(caller, account, reason=body.reason, policy=body.policy)
    set_location(response, "creators", account)  # the creator, with its active strikes
    tag_response(response, view.version)
    return CreatorOut.model_validate(view)


@router.delete("/{account}/strikes/{strike_id}", response_model=CreatorOut)
def lift_strike(
    account: AccountPath,
    strike_id: UUID,
    body: StrikeLifting,
    core: Core,
    caller: Caller,
    response: Response,
) -> CreatorOut:
    """A reviewer or admin lifts an active strike, with a reason (409 `NoSuchStrike` when it
    is not active)."""
    view = core.creators.lift_strike(caller, account, strike_id, reason=body.reason)
    tag_response(response, view.version)
    return CreatorOut.model_validate(view)
