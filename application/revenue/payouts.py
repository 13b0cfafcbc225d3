"""Payouts: payable earnings go to "in transit" when a payout is requested, and to paid when
the payment rail confirms the transfer, or back to payable when it reports a failure.

A payout is identified by (creator, period, currency): the same request, by the creator or by
an admin's run for the period, never pays twice. The ``Idempotency-Key`` distinguishes a
retry (the original answer) from a second request (refused). Confirmations are recorded by an
operator (or the rail's callback) with the rail's reference; the money moves in the same
transaction as the payout's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, acting_for, require_role
from application.errors import StaleVersion
from application.idempotency import answer_again
from application.logs import RevenueLog
from application.ports import Clock
from application.progress import JobProgress
from application.revenue.ledgers import Ledger, payee_asked
from domain.errors import IdempotencyKeyReused, RuleViolated
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_PAID_OUT,
    JournalEntry,
    LedgerAccount,
    creator_in_transit,
    creator_payable,
    credit,
    debit,
    owner_of,
    platform,
    seller_in_transit,
    seller_payable,
)
from domain.revenue.payouts import Payee, Payout, PayoutKey, PayoutStatus, checked_period

PAYOUT_REQUESTED = "payout-requested"
PAYOUT_SENT = "payout-sent"
PAYOUT_RETURNED = "payout-returned"


class PayoutExists(RuleViolated):
    """A payout for this creator, period and currency was requested already."""


@attrs.frozen
class PayoutView:
    id: UUID
    creator: str
    period: str
    amount: Money
    status: PayoutStatus
    reference: str
    return_reason: str
    requested_at: datetime
    replayed: bool = False
    payee: Payee = Payee.CREATOR

    @classmethod
    def of(cls, payout: Payout, *, replayed: bool = False) -> PayoutView:
        return cls(
            id=payout.id,
            creator=payout.creator,
            period=payout.period,
            amount=payout.amount,
            status=payout.status,
            reference=payout.reference,
            return_reason=payout.return_reason,
            requested_at=payout.requested_at,
            replayed=replayed,
            payee=Payee(payout.payee),
        )


def payable_of(payee: Payee, account: str, currency: str) -> str:
    """The account a payout to ``payee`` takes its amount from."""
    if payee is Payee.SELLER:
        return seller_payable(account, currency)
    return creator_payable(account, currency)


def in_transit_of(payee: Payee, account: str, currency: str) -> str:
    """The account a payout's amount waits in until the rail settles it."""
    if payee is Payee.SELLER:
        return seller_in_transit(account, currency)
    return creator_in_transit(account, currency)


class Payouts:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        ledger: Ledger,
        clock: Clock,
    ) -> None:
        self._revenue = revenue
        #: Tells creators of their payouts' outcomes (none: nobody is told).
        self.ledger = ledger
        self.clock = clock

    def request(
        self,
        actor: Principal,
        *,
        period: str,
        currency: str = "USD",
        creator: str | None = None,
        idempotency_key: str = "",
        seller: str | None = None,
    ) -> PayoutView:
        """Pay out everything payable now, once per account paid, period and currency: a
        creator's earnings, or a seller's proceeds when a seller asks (or an admin names
        ``seller``)."""
        payee = payee_asked(actor, seller)
        if payee is Payee.SELLER:
            account = acting_for(actor, seller, Role.SELLER, doing="request a payout")
        else:
            account = acting_for(actor, creator, Role.CREATOR, doing="request a payout")
        payout_id = Payout.id_for(account, checked_period(period), currency, payee)
        self._refuse_reused_key(account, idempotency_key, payout_id, payee)
        existing = self._revenue.find(Payout, payout_id)
        if existing is not None:
            return self._repeat(existing, idempotency_key)
        now = self.clock.now()
        payable_code = payable_of(payee, account, currency)
        # The amount is read from the aggregate the payout then posts to (see Ledger).
        payable = self.ledger.account_aggregate(payable_code, at=now)
        if not payable.balance.is_positive:
            # A racing request for the same period may just have taken it all.
            winner = self._revenue.find(Payout, payout_id)
            if winner is not None:
                return self._repeat(winner, idempotency_key)
        payout = Payout.request(
            creator=account,
            period=period,
            amount=payable.balance,
            idempotency_key=idempotency_key,
            by=actor.label,
            at=now,
            payee=payee,
        )
        entry = JournalEntry.record(
            cause=f"payout:{payout.id}:requested",
            kind=PAYOUT_REQUESTED,
            postings=[
                debit(payable_code, payout.amount),
                credit(in_transit_of(payee, account, currency), payout.amount),
            ],
            at=now,
        )
        claim = [PayoutKey.claim(payout, at=now)] if idempotency_key else []
        try:
            self._save(payout, entry, *claim, known={payable_code: payable})
        except StaleVersion:
            # Another request for the same payout (or new earnings, or the same key for
            # another payout) got there first.
            self._refuse_reused_key(account, idempotency_key, payout_id, payee)
            winner = self._revenue.find(Payout, payout_id)
            if winner is None:
                raise
            return self._repeat(winner, idempotency_key)
        return PayoutView.of(payout)

    def run(
        self,
        actor: Principal,
        *,
        period: str,
        currency: str = "USD",
        progress: JobProgress | None = None,
    ) -> list[PayoutView]:
        """An admin's run: a payout for every creator and every seller with something
        payable. ``progress`` is told the payable accounts considered, of all there are."""
        require_role(actor, Role.ADMIN, doing="run payouts")
        checked_period(period)
        Money.zero(currency)  # refuses an unknown currency
        payable: list[tuple[Payee, str, str]] = []
        for payee in Payee:
            for code in self.ledger.reading().accounts(f"{payee.value}:"):
                account = owner_of(code, payee.value)
                if account is not None and code == payable_of(payee, account, currency):
                    payable.append((payee, account, code))
        paid = []
        for considered, (payee, account, code) in enumerate(payable, start=1):
            if progress is not None:
                progress(considered - 1, len(payable))
            if not self.ledger.balance_of(code).is_positive:
                continue
            payout_id = Payout.id_for(account, period, currency, payee)
            if self._revenue.find(Payout, payout_id) is not None:
                continue
            named = {"seller" if payee is Payee.SELLER else "creator": account}
            paid.append(
                self.request(
                    actor,
                    period=period,
                    currency=currency,
                    idempotency_key=f"run:{period}",
                    **named,
                )
            )
        if progress is not None:
            progress(len(payable), len(payable))
        return paid

    def settle(
        self,
        actor: Principal,
        payout_id: UUID,
        *,
        sent: bool,
        reference: str = "",
        reason: str = "",
    ) -> PayoutView:
        """The rail's outcome: sent (money leaves) or returned (payable again)."""
        require_role(actor, Role.ADMIN, doing="record a payout's outcome")
        payout = self._revenue.load(Payout, payout_id)
        now = self.clock.now()
        payee = Payee(payout.payee)
        in_transit = in_transit_of(payee, payout.creator, payout.amount.currency)
        if sent:
            payout.mark_sent(reference=reference, by=actor.label, at=now)
            postings = [
                debit(in_transit, payout.amount),
                credit(platform(PLATFORM_PAID_OUT, payout.amount.currency), payout.amount),
            ]
            kind = PAYOUT_SENT
        else:
            payout.mark_returned(reason=reason, by=actor.label, at=now)
            postings = [
                debit(in_transit, payout.amount),
                credit(payable_of(payee, payout.creator, payout.amount.currency), payout.amount),
            ]
            kind = PAYOUT_RETURNED
        entry = JournalEntry.record(
            cause=f"payout:{payout.id}:{kind}", kind=kind, postings=postings, at=now
        )
        self._save(payout, entry)
        return PayoutView.of(payout)

    def payout(self, actor: Principal, payout_id: UUID) -> PayoutView:
        """A payout, for the creator or seller it pays, an admin or an auditor (anyone else:
        ``NotPermitted``)."""
        payout = self._revenue.load(Payout, payout_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            role = Role.SELLER if Payee(payout.payee) is Payee.SELLER else Role.CREATOR
            acting_for(actor, payout.creator, role, doing="read a payout")
        return PayoutView.of(payout)

    def _refuse_reused_key(
        self, creator: str, key: str, payout_id: UUID, payee: Payee = Payee.CREATOR
    ) -> None:
        claim = (
            self._revenue.find(PayoutKey, PayoutKey.id_for(creator, key, payee)) if key else None
        )
        if claim is not None and claim.payout_id != payout_id:
            raise IdempotencyKeyReused(
                f"this Idempotency-Key was used for payout {claim.payout_id}, another request"
            )

    def _save(
        self,
        payout: Payout,
        entry: JournalEntry,
        *claims: PayoutKey,
        known: Mapping[str, LedgerAccount] | None = None,
    ) -> None:
        aggregates: list[Aggregate] = [
            payout,
            entry,
            *claims,
            *self.ledger.accounts_for(entry, known=known),
        ]
        self._revenue.commit(*aggregates)

    @staticmethod
    def _repeat(existing: Payout, idempotency_key: str) -> PayoutView:
        # The payout's id names the request (creator, period, currency): only the key differs.
        return answer_again(
            existing,
            same_key=bool(idempotency_key) and existing.idempotency_key == idempotency_key,
            same_request=True,
            answer=lambda payout: PayoutView.of(payout, replayed=True),
            key_reused=lambda: IdempotencyKeyReused(
                "this Idempotency-Key was used for another payout"
            ),
            done_once=lambda: PayoutExists(
                f"{existing.creator} has a payout for {existing.period} already "
                f"({existing.status.value}, {existing.amount}); a period pays once"
            ),
        )
