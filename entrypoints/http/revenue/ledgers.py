"""The ledger and payouts: accounts with their postings, creators' monthly statements, and
payouts of what creators earned (requested, run for a period, settled)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Response, status

from application.revenue.ledgers import MAX_STATEMENT_PAGE, STATEMENT_PAGE
from domain.money import Money
from entrypoints.http.paging import PageCursor
from entrypoints.http.revenue.revenue_schemas import (
    CURRENCY_PATTERN,
    PERIOD_PATTERN,
    AccountOut,
    PayoutOut,
    PayoutRequest,
    PayoutRun,
    PayoutRunOut,
    Settlement,
    StatementOut,
)
from entrypoints.http.schemas import MAX_POSITION, AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import answer_replay, set_location

router = APIRouter(tags=["ledger"])

PageLimit = Annotated[int, Query(ge=1, le=500, description="Postings per page.")]
Cursor = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_POSITION,
        description="The `next_cursor` of the previous page (0: from the start).",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Your id for this request; a retry with the same key gets the first answer.",
    ),
]


# Ledger -------------------------------------------------------------------------------


@router.get("/v1/ledgers/{account_id:path}", response_model=AccountOut)
def get_account(
    account_id: str,
    core: Core,
    caller: Caller,
    cursor: Cursor = 0,
    limit: PageLimit = 50,
) -> AccountOut:
    """An account's balance (credits less debits) and its postings, oldest first, a page at
    a time: pass the answer's `next_cursor` as `cursor` for the next page.

    Account codes contain colons, e.g. `creator:maya:payable:USD` or
    `campaign:<id>:budget:USD`; send them as they are or URL-encoded. A creator reads only
    its own accounts, a brand its campaigns' (Pulse and business) budget and committed
    accounts, admins and auditors all (403
    otherwise); an unknown kind of account is a 422, an account without postings a 404."""
    view = core.ledger.account(caller, account_id, cursor=cursor, limit=limit)
    return AccountOut.of(view)


@router.get("/v1/statements/{creator}/{month}", response_model=StatementOut)
def get_statement(
    creator: AccountPath,
    month: Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM")],
    core: Core,
    caller: Caller,
    currency: Annotated[str, Query(pattern=CURRENCY_PATTERN)] = "USD",
    cursor: PageCursor = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_STATEMENT_PAGE, description="Lines of earnings per page.")
    ] = STATEMENT_PAGE,
) -> StatementOut:
    """A creator's earnings in a month, a page at a time: each credit with the video it was
    earned beside and the impression batch that billed it, in the order they were posted
    (the creator, admins, auditors). Pass the answer's `next_cursor` as `cursor` for the
    next page. Every page carries the month's totals: `earned` over `earnings` lines, and
    the payable account's opening balance, debits, credits and closing balance. The cursor is
    opaque, like every list's: one another month's or currency's statement gave, one
    altered, or one of the readable `YYYY-MM.<line>` form earlier releases gave, is a 422
    that says why."""
    return StatementOut.of(
        core.ledger.statement(caller, creator, month, currency, cursor=cursor, limit=limit)
    )


# Payouts ------------------------------------------------------------------------------


@router.post(
    "/v1/payouts",
    status_code=status.HTTP_201_CREATED,
    response_model=PayoutOut,
)
def request_payout(
    body: PayoutRequest,
    core: Core,
    caller: Caller,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PayoutOut:
    """A creator asks for everything payable now to be paid out for a period, and a seller
    for their proceeds of sales (an admin asks for a named `creator` or `seller`): the amount
    moves from payable to in transit.

    One payout per creator, period and currency: a retry with the same `Idempotency-Key`
    answers 201 with the first payout, `replayed: true` and `Idempotent-Replayed: true`;
    any other second request for the period is a 409 (`PayoutExists`), as is a request
    with nothing payable."""
    view = core.payouts.request(
        caller,
        period=body.period,
        currency=body.currency,
        creator=body.creator,
        idempotency_key=idempotency_key or "",
        seller=body.seller,
    )
    answer_replay(response, replayed=view.replayed)
    set_location(response, "payouts", view.id)
    return PayoutOut.model_validate(view)


@router.post("/v1/payouts/runs", response_model=PayoutRunOut)
def run_payouts(body: PayoutRun, core: Core, caller: Caller) -> PayoutRunOut:
    """An admin's run for a period: a payout for every creator with something payable in
    the currency and no payout for the period yet. Answers the payouts it made (an unknown
    currency is a 422, not an empty run)."""
    Money.zero(body.currency)  # a currency the platform does not settle in: 422
    made = core.payouts.run(caller, period=body.period, currency=body.currency)
    return PayoutRunOut(
        period=body.period,
        currency=body.currency,
        payouts=[PayoutOut.model_validate(p) for p in made],
    )


@router.post("/v1/payouts/{payout_id}/settlement", response_model=PayoutOut)
def settle_payout(payout_id: UUID, body: Settlement, core: Core, caller: Caller) -> PayoutOut:
    """An admin records the payment rail's outcome of a payout in transit: `sent` with the
    rail's `reference` (the money has left), or `returned` with a `reason` (the amount is
    payable again). A settled payout stays settled (409 `PayoutSettled`)."""
    view = core.payouts.settle(
        caller,
        payout_id,
        sent=body.outcome == "sent",
        reference=body.reference or "",
        reason=body.reason or "",
    )
    return PayoutOut.model_validate(view)


@router.get("/v1/payouts/{payout_id}", response_model=PayoutOut)
def get_payout(payout_id: UUID, core: Core, caller: Caller) -> PayoutOut:
    """A payout and its state (the creator, admins, auditors)."""
    return PayoutOut.model_validate(core.payouts.payout(caller, payout_id))
