"""Bodies of creators' facts, Pulse, the ledger and payouts.

Money travels as ``{"minor": 1250, "currency": "USD"}``: whole minor units of an ISO 4217
currency, never a float (a float, a string or a boolean amount is refused with 422). Requests
derive from ``Strict`` (unknown fields are refused); responses are built from the
application's views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AliasChoices, BaseModel, Field, StrictBool, StrictInt, model_validator

from application.revenue.ledger_read_model import PostingLine
from application.revenue.ledgers import AccountView, Statement, StatementLine
from domain.bounds import MAX_AMOUNT, MAX_QUANTITY
from domain.money import MINOR_DIGITS, Money
from domain.revenue.creators import MAX_REASON
from domain.revenue.payouts import MAX_TEXT
from domain.revenue.pulse import MAX_LINES, MAX_NAME
from entrypoints.http.schemas import Account, Answer, IsoDateTime, Strict

CURRENCY_PATTERN = r"^[A-Z]{3}$"
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
KNOWN_CURRENCIES = ", ".join(sorted(MINOR_DIGITS))

Currency = Annotated[
    str,
    Field(
        pattern=CURRENCY_PATTERN,
        examples=["USD"],
        description=f"An ISO 4217 code the platform settles in: {KNOWN_CURRENCIES}.",
    ),
]
Period = Annotated[
    str, Field(pattern=PERIOD_PATTERN, examples=["2025-03"], description="A month, YYYY-MM.")
]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


# Money ----------------------------------------------------------------------------------


class MoneyBody(Strict):
    """An amount in whole minor units (cents for USD): 1250 USD is 12.50 USD."""

    minor: StrictInt = Field(
        le=MAX_AMOUNT,
        examples=[1250],
        description=f"Whole minor units, at most {MAX_AMOUNT:,}; never a float.",
    )
    currency: Currency

    def to_domain(self) -> Money:
        return Money(self.minor, self.currency)


class MoneyOut(Answer):
    minor: int = Field(description="Whole minor units (cents for USD).")
    currency: str

    @classmethod
    def units(cls, minor: int, currency: str) -> MoneyOut:
        return cls(minor=minor, currency=currency)


# Creators -------------------------------------------------------------------------------


class CreatorRegistration(Strict):
    region: str = Field(
        max_length=8, examples=["US"], description="ISO 3166-1 alpha-2 code of the home region."
    )
    account: Account | None = Field(default=None, description="Only an admin names the account.")


class FollowerCount(Strict):
    followers: StrictInt = Field(
        le=MAX_QUANTITY, examples=[125_000], description="A whole number from 0."
    )
    counted_at: IsoDateTime | None = Field(
        default=None,
        description="When the platform's counting service counted (default: now). A count "
        "older than the one recorded is refused.",
    )


class StrikeBody(Strict):
    reason: Reason = Field(examples=["Repeated spam in captions"])
    policy: Reason = Field(examples=["community-guidelines/spam"])


class StrikeLifting(Strict):
    reason: Reason = Field(examples=["Appeal upheld"])


class StrikeOut(Answer):
    strike_id: UUID
    reason: str
    policy: str
    issued_by: str
    issued_at: datetime


class CreatorOut(Answer):
    account: str
    version: int
    region: str
    followers: int = Field(description="The latest recorded follower count.")
    followers_counted_at: datetime | None
    active_strikes: list[StrikeOut] = Field(
        validation_alias=AliasChoices("active_strikes", "strikes")
    )
    registered_at: datetime


# Pulse enrolment ------------------------------------------------------------------------


class EnrolmentApplication(Strict):
    creator: Account | None = Field(default=None, description="Only an admin names the creator.")


class EnrolmentDecision(Strict):
    approve: StrictBool = Field(
        description="true approves (if the facts still hold), false rejects."
    )
    reason: Reason = Field(examples=["Meets the criteria"])


class EnrolmentOut(Answer):
    creator: str
    status: Literal["applied", "approved", "rejected"]
    decision_reason: str
    version: int


class StandingOut(Answer):
    video_id: UUID
    creator: str
    category: str
    score: int = Field(description="The engagement score the category is ranked by.")
    rank: int = Field(description="1 is the most engaging video of the category.")
    category_size: int
    top: int = Field(description="How many ranks of the category are Pulse inventory now.")
    is_inventory: bool
    why_not: str = Field(description="Why the video is not inventory; empty when it is.")


# Campaigns and impressions --------------------------------------------------------------


class CampaignLaunch(Strict):
    name: str = Field(max_length=MAX_NAME, examples=["Spring bake-off"])
    category: str = Field(max_length=50, examples=["cooking"])
    budget: MoneyBody = Field(description="Prepaid; impressions are billed while it lasts.")
    cpm: MoneyBody = Field(description="The price of a thousand impressions.")
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    brand: Account | None = Field(default=None, description="Only an admin names the brand.")


class CampaignOut(Answer):
    id: UUID
    brand: str
    name: str
    category: str
    budget: MoneyOut
    cpm: MoneyOut
    starts_at: datetime
    ends_at: datetime
    remaining: MoneyOut = Field(description="What is left of the budget now.")
    budget_account: str = Field(description="The ledger account holding the budget.")


class PlacementBody(Strict):
    video_id: UUID
    impressions: StrictInt = Field(ge=1, le=MAX_QUANTITY, examples=[12_000])
    clicks: StrictInt = Field(
        default=0, ge=0, le=MAX_QUANTITY, description="Clicks on the ad among the impressions."
    )


class ImpressionBatchBody(Strict):
    batch_key: str = Field(
        min_length=1, max_length=200, description="Your id for this batch; a retry repeats it."
    )
    campaign_id: UUID
    placements: list[PlacementBody] = Field(min_length=1, max_length=MAX_LINES)


class ImpressionReceiptOut(Answer):
    batch_id: UUID
    campaign_id: UUID
    billed: MoneyOut = Field(description="Taken from the campaign's budget.")
    billed_impressions: int
    unbilled_impressions: int = Field(description="Impressions the budget no longer covered.")
    creators_credited: MoneyOut = Field(description="The creators' halves, odd units included.")
    replayed: bool = Field(description="A retry of a recorded batch: its first answer.")


# Ledger ---------------------------------------------------------------------------------


class PostingOut(BaseModel):
    position: int = Field(description="The entry's position in the revenue log.")
    entry_id: UUID
    kind: str = Field(description="What moved the money, e.g. impressions-billed.")
    cause: str = Field(description="The business fact, e.g. impression-batch:<id>.")
    side: Literal["debit", "credit"]
    amount: MoneyOut
    reference: str = Field(description="What earned it, e.g. video:<id>; may be empty.")
    recorded_at: datetime

    @classmethod
    def of(cls, line: PostingLine, currency: str) -> PostingOut:
        side: Literal["debit", "credit"] = "debit" if line.debit else "credit"
        return cls(
            position=line.position,
            entry_id=line.entry_id,
            kind=line.kind,
            cause=line.cause,
            side=side,
            amount=MoneyOut.units(line.debit or line.credit, currency),
            reference=line.reference,
            recorded_at=line.recorded_at,
        )


class AccountOut(BaseModel):
    code: str
    currency: str
    limit: str = Field(description="The account's limit, e.g. debits_must_not_exceed_credits.")
    balance: MoneyOut = Field(description="Credits less debits: what the account holds.")
    debits: MoneyOut
    credits: MoneyOut
    postings: list[PostingOut] = Field(description="Oldest first.")
    next_cursor: int | None = Field(description="Pass as ?cursor= for the next page; null: done.")

    @classmethod
    def of(cls, view: AccountView) -> AccountOut:
        return cls(
            code=view.code,
            currency=view.currency,
            limit=view.limit.value,
            balance=MoneyOut.model_validate(view.balance),
            debits=MoneyOut.units(view.debits, view.currency),
            credits=MoneyOut.units(view.credits, view.currency),
            postings=[PostingOut.of(line, view.currency) for line in view.postings],
            next_cursor=view.next_cursor,
        )


class StatementLineOut(BaseModel):
    recorded_at: datetime
    video_id: UUID | None = Field(description="The video that earned it.")
    batch: str = Field(
        description="The cause: impression-batch:<id> (Pulse), order:<id> (an affiliate share) "
        "or invitation:<id>:paid (a campaign fee)."
    )
    batch_id: UUID | None = Field(description="The impression batch that earned it (Pulse).")
    amount: MoneyOut
    source: Literal["pulse", "affiliate", "campaign"]

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineOut:
        batch_id: UUID | None = None
        prefix, _, ident = line.batch.partition(":")
        if prefix == "impression-batch":
            try:
                batch_id = UUID(ident)
            except ValueError:
                batch_id = None
        return cls(
            recorded_at=line.recorded_at,
            video_id=line.video_id,
            batch=line.batch,
            batch_id=batch_id,
            amount=MoneyOut.model_validate(line.amount),
            source=line.source,  # type: ignore[arg-type]  # one of EARNINGS' values
        )


class StatementOut(BaseModel):
    creator: str
    month: str
    currency: str
    items: list[StatementLineOut] = Field(
        description="This page's earnings, in the order they were posted."
    )
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page, as it is; null: this is the last."
    )
    earned: MoneyOut = Field(description="The month's earnings, of every page.")
    earnings: int = Field(description="The month's lines of earnings, of every page.")
    opening_balance: MoneyOut = Field(
        description="What the creator's payable account held before the month."
    )
    debits: MoneyOut = Field(description="The payable account's debits in the month.")
    credits: MoneyOut = Field(description="The payable account's credits in the month.")
    closing_balance: MoneyOut = Field(
        description="The opening balance plus the month's credits less its debits."
    )

    @classmethod
    def of(cls, statement: Statement) -> StatementOut:
        return cls(
            creator=statement.creator,
            month=statement.month,
            currency=statement.currency,
            items=[StatementLineOut.of(line) for line in statement.items],
            next_cursor=statement.next_cursor,
            earned=MoneyOut.model_validate(statement.earned),
            earnings=statement.earnings,
            opening_balance=MoneyOut.model_validate(statement.opening_balance),
            debits=MoneyOut.model_validate(statement.debits),
            credits=MoneyOut.model_validate(statement.credits),
            closing_balance=MoneyOut.model_validate(statement.closing_balance),
        )


# Payouts --------------------------------------------------------------------------------


class PayoutRequest(Strict):
    period: Period
    currency: Currency = "USD"
    creator: Account | None = Field(default=None, description="Only an admin names the creator.")
    seller: Account | None = Field(
        default=None,
        description="Only an admin names a seller whose proceeds are paid out (a seller asking "
        "is paid their own).",
    )


class PayoutRun(Strict):
    period: Period
    currency: Currency = "USD"


class Settlement(Strict):
    outcome: Literal["sent", "returned"]
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="The payment rail's reference of the transfer (outcome sent).",
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="Why the transfer came back (outcome returned).",
    )

    @model_validator(mode="after")
    def _one_detail_per_outcome(self) -> Settlement:
        if self.outcome == "sent" and (self.reference is None or self.reason is not None):
            raise ValueError("a sent payout names its reference (and no reason)")
        if self.outcome == "returned" and (self.reason is None or self.reference is not None):
            raise ValueError("a returned payout names its reason (and no reference)")
        return self


PayoutStatusText = Literal["in-transit", "sent", "returned"]


class PayoutOut(Answer):
    id: UUID
    creator: str
    period: str
    amount: MoneyOut
    status: PayoutStatusText
    reference: str
    return_reason: str
    requested_at: datetime
    replayed: bool = Field(description="A retry with the same Idempotency-Key: the first answer.")
    payee: Literal["creator", "seller"] = Field(
        default="creator",
        description="Whether `creator` is paid as a creator (earnings) or as a seller "
        "(proceeds of sales).",
    )


class PayoutRunOut(BaseModel):
    period: str
    currency: str
    payouts: list[PayoutOut] = Field(description="The payouts this run made.")
