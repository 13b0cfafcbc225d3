"""The revenue log and its ledger: posting entries to limited accounts, reading balances,
postings and creators' monthly statements.

Every use case that moves money builds one ``JournalEntry`` and saves it in the same
transaction as the business aggregates that caused it and the limited accounts it touches
(``Application.save`` is one transaction), so a failure anywhere leaves no posting behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import suppress
from datetime import datetime
from itertools import groupby
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, owns, require_role, whose_list
from application.csv_lines import CSV_PAGE, csv_of, decimal
from application.errors import NotFound, NotPermitted
from application.logs import RevenueLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock
from application.projections import Persisted, ProjectionFailed, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from application.revenue.ledger_projection import LedgerProjection, LedgerReading
from application.revenue.ledger_read_model import EARNINGS, LedgerUnreadable, PostingLine
from domain.bounds import checked_quantity
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.ledger import (
    JournalEntry,
    LedgerAccount,
    Limit,
    creator_payable,
    currency_of,
    limit_of,
    owner_of,
    post_to_accounts,
    seller_payable,
)
from domain.revenue.payouts import Payee

#: A month of a statement, as the recordings' own offsets name it.
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@attrs.frozen
class AccountView:
    code: str
    currency: str
    limit: Limit
    balance: Money  # credits less debits
    debits: int
    credits: int
    postings: tuple[PostingLine, ...]
    next_cursor: int | None


@attrs.frozen
class StatementLine:
    recorded_at: datetime
    video_id: UUID | None
    batch: str  # the cause: the impression batch, the order or the invitation that earned it
    amount: Money
    source: str = "pulse"  # pulse, affiliate or campaign


@attrs.frozen
class Statement:
    """A page of a creator's monthly statement, with the month's totals (of every page)."""

    creator: str
    month: str
    currency: str
    items: tuple[StatementLine, ...]  # this page's earnings, in the order they were posted
    next_cursor: str | None  # where the next page starts; none: this is the last
    earned: Money  # every page's earnings
    earnings: int  # every page's lines
    opening_balance: Money  # the payable account's, before the month
    debits: Money  # the payable account's in the month (payouts requested...)
    credits: Money  # the payable account's in the month (earnings, payouts returned...)
    closing_balance: Money  # the opening balance, plus credits, less debits


@attrs.frozen
class MonthEarnings:
    """A creator's month (by the recordings' own offsets) in sums: what they earned, by
    source, and their payable account's balance before and after it."""

    month: str
    currency: str
    earned: Money  # Pulse shares, affiliate shares of sales and campaign fees together
    pulse: Money
    affiliate: Money
    campaign: Money
    earnings: int  # lines of earnings: the month's statement lists them
    opening_balance: Money  # the payable account's, before the month
    debits: Money  # the payable account's in the month (payouts requested...)
    credits: Money  # the payable account's in the month (earnings, payouts returned...)
    closing_balance: Money
    #: A seller's proceeds of sales in the month (a seller's months: also ``earned``; a
    #: creator's: zero, their share of sales is ``affiliate``).
    sales: Money | None = None


#: The columns of a months' statement CSV (amounts in the currency's units).
MONTH_COLUMNS = (
    "month",
    "currency",
    "earned",
    "pulse",
    "affiliate",
    "campaign",
    "sales",
    "opening_balance",
    "debits",
    "credits",
    "closing_balance",
    "earning_lines",
)

#: The kind of entry that credits a seller with the proceeds of a sale (``Shop``'s).
ORDER_PLACED = "order-placed"


def payee_asked(actor: Principal, seller: str | None) -> Payee:
    """Whose money a request is about: a seller's proceeds when a seller acts, or an admin
    or auditor names a ``seller``; otherwise a creator's earnings."""
    if actor.role is Role.SELLER:
        return Payee.SELLER
    if actor.role in (Role.ADMIN, Role.AUDITOR) and seller is not None:
        return Payee.SELLER
    return Payee.CREATOR


#: An account's page holds at most this many postings.
MAX_ACCOUNT_PAGE = 10_000
#: A statement's page: how many lines it holds unless asked otherwise, and at most.
STATEMENT_PAGE = 100
MAX_STATEMENT_PAGE = 500
#: A statement's cursors: the currency, the month and the account's line number a page ends
#: at, written as every list's cursors are (``application.paging``).
STATEMENT = KeysetCursors("creator statement", str, str, int)
#: A creator's months of earnings: the currency and the month a page ends at.
EARNINGS_MONTHS = KeysetCursors("creator earnings", str, str)

#: The readable cursor statements gave before they moved onto the shared cursors.
_OLD_STATEMENT_CURSOR = re.compile(r"\d{4}-\d{2}\.\d{1,18}")


def statement_cursor(currency: str, month: str, number: int) -> str:
    """The cursor of a statement's page that ends at the account's line ``number``."""
    return STATEMENT.encode((currency, month, number))


def after_statement_cursor(currency: str, month: str, cursor: str | None) -> int:
    """The line number a statement's page starts after (-1: the first), as ``cursor`` (the
    previous page's ``next_cursor`` of the same month and currency; none: the start) names
    it. The readable ``YYYY-MM.<line>`` cursors of earlier releases are refused with why."""
    if cursor is not None and _OLD_STATEMENT_CURSOR.fullmatch(cursor):
        raise InvalidValue(
            f"{cursor!r} is a statement cursor of the old readable form (YYYY-MM.<line>), "
            "which statements no longer take: their cursors are opaque like every list's. "
            "Read the first page again (no cursor) and pass each next_cursor as it is"
        )
    key = STATEMENT.decode(cursor)
    if key is None:
        return -1
    if key[:2] != (currency, month):
        raise InvalidValue(
            f"the cursor is one of the statement of {key[1]} in {key[0]}, not of {month} in "
            f"{currency}: pass a page's next_cursor as it is"
        )
    return int_at(key, 2)


class Ledger:
    """Posts journal entries and reads them back through the ledger's projection.

    Nothing is read at construction: a core starts in the same time on any log, and the
    projection is brought up to date by the first reading (or by the worker)."""

    def __init__(
        self,
        revenue: RevenueLog,
        *,
        clock: Clock,
        projections: ProjectionRunner,
        projection: LedgerProjection,
    ) -> None:
        self._revenue = revenue
        self.clock = clock
        self.projections = projections
        self.projection = projection

    def read_models(self) -> tuple[ReadModel, ...]:
        """The ledger's read model, for the projection runner and the auditor's replay (a stopped
        ledger is reported at the entry it stopped at, and the replay goes on)."""
        return (_RefusingRead(Persisted(self.projections, self.projection)),)

    def reading(self) -> LedgerReading:
        """The projection, brought to the end of the revenue log unless workers keep it
        there; ``LedgerUnreadable`` if it stopped at an entry it cannot keep."""
        try:
            generation = self.projections.fresh(self.projection.name)
        except ProjectionFailed as failed:
            raise LedgerUnreadable(
                failed.failure.log, failed.failure.position, failed.failure.error
            ) from None
        # With workers a read does not catch up, so it asks whether they stopped.
        return self.projection.reading(generation)

    def position(self) -> int:
        """How far into the revenue log the projection's active generation has applied."""
        generation = self.projections.active(self.projection.name)
        return self.projections.store.positions(self.projection.name, generation).get(
            self._revenue.name, 0
        )

    def close(self) -> None:
        """Nothing to release: the projection store is the core's."""

    # Posting ----------------------------------------------------------------------------

    def accounts_for(
        self, entry: JournalEntry, *, known: Mapping[str, LedgerAccount] | None = None
    ) -> list[LedgerAccount]:
        """The limited accounts the entry touches, loaded (or opened) and posted to.

        ``known`` are accounts the caller already loaded to decide the amounts (a budget, a
        payable balance): posting to those same objects makes a concurrent change show up as
        a version conflict at the save, never as a decision taken on one balance and posted
        against another."""
        accounts: dict[str, LedgerAccount] = dict(known or {})
        for code in entry.net_by_account():
            if limit_of(code) is not Limit.NONE and code not in accounts:
                accounts[code] = self.account_aggregate(code, at=entry.recorded_at)
        return post_to_accounts(entry, accounts)

    def account_aggregate(self, code: str, *, at: datetime) -> LedgerAccount:
        """A limited account as recorded, or a new one opened at ``at`` (saved with its entry)."""
        found = self._revenue.find(LedgerAccount, LedgerAccount.id_for(code))
        return found or LedgerAccount.open(code, at=at)

    def balance_of(self, code: str) -> Money:
        """The balance a limited account holds now, by its aggregate."""
        found = self._revenue.find(LedgerAccount, LedgerAccount.id_for(code))
        return found.balance if found else Money.zero(currency_of(code))

    # Reading ----------------------------------------------------------------------------

    def account(
        self,
        actor: Principal,
        code: str,
        *,
        cursor: int = 0,
        limit: int = 50,
    ) -> AccountView:
        """Balance and postings, oldest first. ``cursor`` counts the postings already seen:
        an account's postings only ever grow at the end, so it never skips or repeats one."""
        self._authorise(actor, code)
        checked_quantity(limit, "an account's page size", least=1, most=MAX_ACCOUNT_PAGE)
        limit_kind = limit_of(code)
        totals, lines = self.reading().account(code, cursor, limit)
        if totals is None:
            raise NotFound("ledger account", code)
        page = tuple(lines)
        following = cursor + len(page)
        return AccountView(
            code=code,
            currency=currency_of(code),
            limit=limit_kind,
            balance=Money(totals.credits - totals.debits, currency_of(code)),
            debits=totals.debits,
            credits=totals.credits,
            postings=page,
            next_cursor=following if following < totals.lines else None,
        )

    def statement(
        self,
        actor: Principal,
        creator: str,
        month: str,
        currency: str,
        *,
        cursor: str | None = None,
        limit: int = STATEMENT_PAGE,
    ) -> Statement:
        """A page of a creator's earnings in a month — Pulse shares, affiliate shares of
        sales, campaign fees — each traced to its video and to the batch, order or invitation
        behind it, in the order they were posted, from just after ``cursor`` (the previous
        page's ``next_cursor``; none: the first page). The month's totals are every page's,
        read with the page: an account's lines only ever grow at the end, so paging on never
        skips or repeats one."""
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            require_role(actor, Role.CREATOR, doing="read a statement")
            if not owns(actor, Role.CREATOR, creator):
                raise NotPermitted("a creator reads only their own statements")
        checked_quantity(limit, "a statement's page size", least=1, most=MAX_STATEMENT_PAGE)
        if _MONTH.fullmatch(month) is None:
            raise InvalidValue(f"a statement's month is YYYY-MM, not {month!r}")
        after = after_statement_cursor(currency, month, cursor)
        # One line more than the page: whether another page follows.
        found = self.reading().statement(creator, currency, month, after, limit + 1)
        page = found.lines[:limit]
        items = tuple(
            StatementLine(
                recorded_at=line.recorded_at,
                video_id=UUID(line.reference.removeprefix("video:"))
                if line.reference.startswith("video:")
                else None,
                batch=line.cause,
                amount=Money(line.credit, currency),
                source=EARNINGS[line.kind],
            )
            for _, line in page
        )
        totals = found.totals
        return Statement(
            creator=creator,
            month=month,
            currency=currency,
            items=items,
            next_cursor=(
                statement_cursor(currency, month, page[-1][0]) if len(found.lines) > limit else None
            ),
            earned=Money(totals.earned, currency),
            earnings=totals.earning_lines,
            opening_balance=Money(totals.opening, currency),
            debits=Money(totals.debits, currency),
            credits=Money(totals.credits, currency),
            closing_balance=Money(totals.closing, currency),
        )

    def earnings(
        self,
        actor: Principal,
        creator: str | None = None,
        currency: str = "USD",
        *,
        limit: int = 50,
        cursor: str | None = None,
        seller: str | None = None,
    ) -> Page[MonthEarnings]:
        """A creator's months (none named: the actor's own, a creator's), oldest first: each
        month's earnings by source (Pulse, affiliate, campaign) and the payable account's
        opening balance, debits, credits and closing balance, from the ledger's sums per
        month and kind (``ledger_months``), never from its lines. A month appears once the
        payable account has a line in it. A seller's (their own, or the ``seller`` an admin
        or auditor names) are their proceeds of sales (``sales``) month by month, the same
        way."""
        payee = payee_asked(actor, seller)
        if payee is Payee.SELLER:
            owner = whose_list(actor, Role.SELLER, seller, "their proceeds")
            code, kinds = seller_payable(owner, currency), {ORDER_PLACED: "sales"}
        else:
            owner = whose_list(actor, Role.CREATOR, creator, "their earnings")
            code, kinds = creator_payable(owner, currency), EARNINGS
        Money.zero(currency)  # refuses a currency the platform does not settle in
        key = EARNINGS_MONTHS.decode(cursor)
        if key is not None and key[0] != currency:
            raise InvalidValue(
                f"the cursor is one of the earnings in {key[0]}, not in {currency}: pass "
                "next_cursor as it is"
            )
        size = limited(limit)
        after = None if key is None else str(key[1])
        found = self.reading().months(code, after, size + 1)
        months: list[MonthEarnings] = []
        balance = found.opening
        for month, sums in groupby(found.sums, key=lambda row: row.month):
            rows = list(sums)
            debits = sum(row.debits for row in rows)
            credits = sum(row.credits for row in rows)
            by_source = dict.fromkeys((*EARNINGS.values(), "sales"), 0)
            for row in rows:
                if row.kind in kinds:
                    by_source[kinds[row.kind]] += row.credits
            months.append(
                MonthEarnings(
                    month=month,
                    currency=currency,
                    earned=Money(sum(by_source.values()), currency),
                    pulse=Money(by_source["pulse"], currency),
                    affiliate=Money(by_source["affiliate"], currency),
                    campaign=Money(by_source["campaign"], currency),
                    earnings=sum(row.credited for row in rows if row.kind in kinds),
                    opening_balance=Money(balance, currency),
                    debits=Money(debits, currency),
                    credits=Money(credits, currency),
                    closing_balance=Money(balance + credits - debits, currency),
                    sales=Money(by_source["sales"], currency),
                )
            )
            balance += credits - debits
        return EARNINGS_MONTHS.page(months, size, lambda row: (currency, row.month))

    def earnings_csv(
        self,
        actor: Principal,
        creator: str | None = None,
        currency: str = "USD",
        *,
        seller: str | None = None,
    ) -> Iterator[str]:
        """Every month of ``earnings`` (the same payee, for the same readers) as CSV lines,
        header first, oldest first: the monthly statements' totals in one file."""
        return csv_of(
            MONTH_COLUMNS,
            lambda cursor: self.earnings(
                actor, creator, currency, seller=seller, limit=CSV_PAGE, cursor=cursor
            ),
            lambda month: (
                month.month,
                month.currency,
                *(
                    decimal(amount)
                    for amount in (
                        month.earned,
                        month.pulse,
                        month.affiliate,
                        month.campaign,
                        month.sales or Money.zero(month.currency),
                        month.opening_balance,
                        month.debits,
                        month.credits,
                        month.closing_balance,
                    )
                ),
                month.earnings,
            ),
        )

    def _authorise(self, actor: Principal, code: str) -> None:
        if actor.role in (Role.ADMIN, Role.AUDITOR):
            return
        owner = owner_of(code)
        if owner is not None:
            if owns(actor, Role.CREATOR, owner):
                return
            raise NotPermitted("a creator sees only their own accounts")
        seller = owner_of(code, "seller")
        if seller is not None:
            if owns(actor, Role.SELLER, seller):
                return
            raise NotPermitted("a seller sees only their own accounts")
        if owns(actor, Role.BRAND, self._campaign_brand(code)):
            return
        raise NotPermitted("this account is visible to its owner, admins and auditors only")

    def _campaign_brand(self, code: str) -> str | None:
        """The brand of the campaign, Pulse or business, whose budget (or fees committed from
        it) the account holds."""
        parts = code.split(":")
        if len(parts) != 4 or parts[0] != "campaign" or parts[2] not in ("budget", "committed"):
            return None
        try:
            campaign: Aggregate = self._revenue.repository.get(UUID(parts[1]))
        except (ValueError, AggregateNotFoundError):
            return None
        # Pulse and business campaigns both name their brand; the revenue program asks for the
        # name only, so it needs to know neither campaign class (business sits above it).
        brand = getattr(campaign, "brand", None)
        return brand if isinstance(brand, str) else None


@attrs.frozen
class _RefusingRead:
    """The projection in the registry of read models, whose catch-up leaves a stopped ledger
    to its view: the replay reports the entry it stopped at (``export`` raises the
    refusal) and goes on with the other read models."""

    persisted: Persisted

    @property
    def name(self) -> str:
        return self.persisted.name

    def catch_up(self) -> object:
        with suppress(ProjectionFailed):
            return self.persisted.catch_up()
        return None

    def export(self, positions: LogPositions) -> Mapping[str, object]:
        return self.persisted.export(positions)
