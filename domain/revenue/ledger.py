"""A double-entry ledger: balanced journal entries, and the accounts whose limits must hold.

Every movement of money is a ``JournalEntry`` of postings in one currency whose debits equal
its credits, recorded once under a derived id (the same cause never posts twice). Accounts
are named by codes (``creator:<account>:payable:USD``); the code says what the account is,
its currency and its limit (``limit_of``). Accounts with a limit — a creator's payable
earnings, money in transit to a creator, a campaign's prepaid budget — are ``LedgerAccount``
aggregates, so the limit is checked against a consistent balance and saved in the same
transaction as the entry. Platform-wide accounts (revenue, cash) have no limit and no
aggregate: they would be touched by every entry and serialise all of them; their balances,
like every balance, are sums of the journal's postings.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.bounds import MAX_AMOUNT
from domain.errors import InvalidValue, RuleViolated
from domain.money import MINOR_DIGITS, CurrencyMismatch, Money
from domain.time import checked_instant

MAX_POSTINGS = 5_000
_ENTRIES = uuid5(NAMESPACE_URL, "urn:spotlight:journal-entry")
_ACCOUNTS = uuid5(NAMESPACE_URL, "urn:spotlight:ledger-account")


class Limit(StrEnum):
    NONE = "none"
    #: a balance owed to someone (earnings, prepaid budget) never goes below zero
    DEBITS_WITHIN_CREDITS = "debits_must_not_exceed_credits"


class LimitExceeded(RuleViolated):
    """The posting would take an account past its limit (e.g. pay out more than was earned)."""


class Unbalanced(InvalidValue):
    """A journal entry's debits and credits differ."""


# Account codes ----------------------------------------------------------------------------

PLATFORM_REVENUE = "platform:revenue"
PLATFORM_BRAND_FUNDS = "platform:brand-funds"  # money received from brands
PLATFORM_PAID_OUT = "platform:paid-out"  # money sent to creators
PLATFORM_BUYER_PAYMENTS = "platform:buyer-payments"  # money received from shop buyers
PLATFORM_COMMISSION = "platform:commission"  # the shop's commission the platform keeps
PLATFORM_ACCOUNTS = (
    PLATFORM_REVENUE,
    PLATFORM_BRAND_FUNDS,
    PLATFORM_PAID_OUT,
    PLATFORM_BUYER_PAYMENTS,
    PLATFORM_COMMISSION,
)


def creator_payable(creator: str, currency: str) -> str:
    return f"creator:{creator}:payable:{currency}"


def creator_in_transit(creator: str, currency: str) -> str:
    return f"creator:{creator}:in-transit:{currency}"


def seller_payable(seller: str, currency: str) -> str:
    return f"seller:{seller}:payable:{currency}"


def seller_in_transit(seller: str, currency: str) -> str:
    return f"seller:{seller}:in-transit:{currency}"


def campaign_budget(campaign_id: UUID, currency: str) -> str:
    return f"campaign:{campaign_id}:budget:{currency}"


def campaign_committed(campaign_id: UUID, currency: str) -> str:
    """Fees a brand's campaign owes creators for accepted invitations, until approved."""
    return f"campaign:{campaign_id}:committed:{currency}"


def platform(name: str, currency: str) -> str:
    return f"{name}:{currency}"


def currency_of(code: str) -> str:
    currency = code.rsplit(":", 1)[-1]
    if currency not in MINOR_DIGITS:
        raise InvalidValue(f"account {code!r} does not end in a known currency")
    return currency


def _parts(code: str) -> tuple[str, str, str, str] | None:
    """(kind, owner, role, currency) of a party's account. Read from both ends, so an owner
    may itself contain colons."""
    parts = code.split(":")
    if len(parts) < 4 or parts[0] not in ("creator", "campaign", "seller"):
        return None
    return parts[0], ":".join(parts[1:-2]), parts[-2], parts[-1]


# Every posting decoded from the log checks its account's code again: a journal names few
# accounts, so their answers are kept.
@functools.lru_cache(maxsize=4096)
def limit_of(code: str) -> Limit:
    parts = _parts(code)
    if parts is not None:
        kind, owner, role, _currency = parts
        if owner and (
            (kind == "creator" and role in ("payable", "in-transit"))
            or (kind == "campaign" and role in ("budget", "committed"))
            or (kind == "seller" and role in ("payable", "in-transit"))
        ):
            return Limit.DEBITS_WITHIN_CREDITS
    elif code.rsplit(":", 1)[0] in PLATFORM_ACCOUNTS:
        return Limit.NONE
    raise InvalidValue(f"unknown account {code!r}")


def owner_of(code: str, kind: str = "creator") -> str | None:
    """The creator (or seller, with ``kind="seller"``) an account belongs to, if any."""
    parts = _parts(code)
    return parts[1] if parts is not None and parts[0] == kind else None


# Journal entries --------------------------------------------------------------------------


@attrs.frozen
class Posting:
    """One leg of an entry: an amount (minor units) on the debit or credit side of an account.

    ``reference`` ties the leg to what earned or caused it (``video:<id>``)."""

    account: str
    debit: int = 0
    credit: int = 0
    reference: str = ""

    def __attrs_post_init__(self) -> None:
        for side in (self.debit, self.credit):
            if isinstance(side, bool) or not isinstance(side, int) or side < 0:
                raise InvalidValue("a posting's amounts are whole, non-negative minor units")
        if (self.debit > 0) == (self.credit > 0):
            raise InvalidValue("a posting debits or credits a positive amount, not both")
        limit_of(self.account)

    @property
    def amount(self) -> int:
        return self.debit or self.credit


def net_by_account(postings: Iterable[Posting]) -> dict[str, tuple[int, int]]:
    """(debits, credits) per account, an entry's postings to one account added up; for the
    entry itself and for an auditor reading its recorded event."""
    totals: dict[str, tuple[int, int]] = {}
    for posting in postings:
        debits, credits = totals.get(posting.account, (0, 0))
        totals[posting.account] = (debits + posting.debit, credits + posting.credit)
    return totals


def debit(account: str, amount: Money, reference: str = "") -> Posting:
    _same_currency(account, amount)
    return Posting(
        account=account, debit=amount.require_amount("a debit").minor, reference=reference
    )


def credit(account: str, amount: Money, reference: str = "") -> Posting:
    _same_currency(account, amount)
    return Posting(
        account=account, credit=amount.require_amount("a credit").minor, reference=reference
    )


def _same_currency(account: str, amount: Money) -> None:
    if currency_of(account) != amount.currency:
        raise CurrencyMismatch(
            f"account {account} holds {currency_of(account)}, not {amount.currency}"
        )


def _postings(values: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(values)


class JournalEntry(DomainAggregate):
    TOPIC = "spotlight.ledger:JournalEntry"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.ledger:JournalEntryRecorded"
        currency: str
        postings: tuple[Posting, ...]
        kind: str  # what moved the money: campaign-funded, impressions-billed, payout-...
        cause: str  # the business fact, e.g. 'impression-batch:<id>'
        recorded_at: datetime

    @staticmethod
    def id_for(cause: str) -> UUID:
        """One entry per cause: a retried operation finds its entry instead of posting again."""
        return uuid5(_ENTRIES, cause)

    @classmethod
    def record(
        cls,
        *,
        cause: str,
        kind: str,
        postings: Sequence[Posting],
        at: datetime,
    ) -> JournalEntry:
        if not cause or not kind:
            raise InvalidValue("an entry names its kind and its cause")
        if len(postings) < 2 or len(postings) > MAX_POSTINGS:
            raise InvalidValue(f"an entry has 2 to {MAX_POSTINGS} postings")
        beyond = next((p for p in postings if p.amount > MAX_AMOUNT), None)
        if beyond is not None:
            # A recorded Posting is not bounded (old events must load): the entry is.
            raise InvalidValue(
                f"a posting moves at most {MAX_AMOUNT:,} minor units, not {beyond.amount:,} "
                f"to {beyond.account}"
            )
        currencies = {currency_of(p.account) for p in postings}
        if len(currencies) != 1:
            raise CurrencyMismatch(f"one entry, one currency; got {', '.join(sorted(currencies))}")
        debits = sum(p.debit for p in postings)
        credits = sum(p.credit for p in postings)
        if debits != credits:
            raise Unbalanced(f"debits {debits} and credits {credits} differ")
        return cls(
            id=cls.id_for(cause),
            currency=currencies.pop(),
            postings=tuple(postings),
            kind=kind,
            cause=cause,
            recorded_at=checked_instant(at),
        )

    @event(Recorded)
    def __init__(
        self,
        id: UUID,
        currency: str,
        postings: tuple[Posting, ...],
        kind: str,
        cause: str,
        recorded_at: datetime,
    ) -> None:
        self.currency = currency
        self.postings = _postings(postings)
        self.kind = kind
        self.cause = cause
        self.recorded_at = recorded_at

    def net_by_account(self) -> dict[str, tuple[int, int]]:
        """(debits, credits) of this entry per account."""
        return net_by_account(self.postings)


# Accounts with limits ---------------------------------------------------------------------


class LedgerAccount(DomainAggregate):
    """The balance of one limited account, kept consistent so its limit can be enforced."""

    TOPIC = "spotlight.ledger:LedgerAccount"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.ledger:AccountOpened"
        code: str
        currency: str
        limit: Limit
        opened_at: datetime

    class Posted(Aggregate.Event):
        TOPIC = "spotlight.ledger:AccountPosted"
        entry_id: UUID
        debits: int
        credits: int

    @staticmethod
    def id_for(code: str) -> UUID:
        return uuid5(_ACCOUNTS, code)

    @classmethod
    def open(cls, code: str, *, at: datetime) -> LedgerAccount:
        limit = limit_of(code)
        if limit is Limit.NONE:
            raise InvalidValue(f"account {code} has no limit to keep; its balance is a projection")
        return cls(
            id=cls.id_for(code),
            code=code,
            currency=currency_of(code),
            limit=limit,
            opened_at=checked_instant(at),
        )

    @event(Opened)
    def __init__(
        self, id: UUID, code: str, currency: str, limit: Limit, opened_at: datetime
    ) -> None:
        self.code = code
        self.currency = currency
        self.limit = Limit(limit)
        self.opened_at = opened_at
        self.debits_posted = 0
        self.credits_posted = 0

    @property
    def balance(self) -> Money:
        """Credits less debits: what the account owes (earnings payable, budget left)."""
        return Money(self.credits_posted - self.debits_posted, self.currency)

    def require_room_for(self, entry: JournalEntry) -> tuple[int, int]:
        """(debits, credits) the entry brings to this account, if its limit allows them."""
        debits, credits = entry.net_by_account().get(self.code, (0, 0))
        if debits == 0 and credits == 0:
            raise InvalidValue(f"entry {entry.id} does not touch account {self.code}")
        if (
            # A snapshot restores the limit as its plain string value: compare by value.
            Limit(self.limit) is Limit.DEBITS_WITHIN_CREDITS
            and self.debits_posted + debits > self.credits_posted + credits
        ):
            raise LimitExceeded(
                f"account {self.code} holds {self.balance}; the entry would take "
                f"{Money(debits - credits, self.currency)} from it"
            )
        return debits, credits

    def post(self, entry: JournalEntry) -> None:
        debits, credits = self.require_room_for(entry)
        self._posted(entry_id=entry.id, debits=debits, credits=credits)

    @event(Posted)
    def _posted(self, entry_id: UUID, debits: int, credits: int) -> None:
        self.debits_posted += debits
        self.credits_posted += credits


def post_to_accounts(
    entry: JournalEntry, accounts: Mapping[str, LedgerAccount]
) -> list[LedgerAccount]:
    """Apply an entry to every limited account it touches; all are checked before any is
    changed, so a refusal leaves every account as it was."""
    touched = [code for code in entry.net_by_account() if limit_of(code) is not Limit.NONE]
    missing = [code for code in touched if code not in accounts]
    if missing:
        raise InvalidValue(f"the entry touches accounts not handed in: {', '.join(missing)}")
    for code in touched:
        accounts[code].require_room_for(entry)
    for code in touched:
        accounts[code].post(entry)
    return [accounts[code] for code in touched]
