"""Payouts: a creator's payable earnings move to "in transit", then to paid, or come back.

One payout per creator, period and currency: the id is ``uuid5(creator, period, currency)``,
so asking twice for the same period never pays twice, whoever asks and however often. The
amount is what is payable when it is requested; the ledger's limit on the payable account
makes sure it never exceeds what was earned.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.text import checked_free_text
from domain.time import checked_instant

MAX_TEXT = 500
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PAYOUTS = uuid5(NAMESPACE_URL, "urn:spotlight:payout")
_KEYS = uuid5(NAMESPACE_URL, "urn:spotlight:payout-key")


class Payee(StrEnum):
    """Who a payout pays: a creator's earnings, or a seller's proceeds of sales."""

    CREATOR = "creator"
    SELLER = "seller"


class PayoutStatus(StrEnum):
    IN_TRANSIT = "in-transit"
    SENT = "sent"
    RETURNED = "returned"  # the transfer failed; the money is payable again


class PayoutSettled(RuleViolated):
    """The payout was already sent or returned."""


def checked_period(period: str) -> str:
    if not _PERIOD.match(period):
        raise InvalidValue(f"a period is a month, YYYY-MM, not {period!r}")
    return period


def _text(value: str, what: str) -> str:
    stripped = checked_free_text(value, what).strip()
    if not stripped or len(stripped) > MAX_TEXT:
        raise InvalidValue(f"{what} has 1 to {MAX_TEXT} characters")
    return stripped


class Payout(DomainAggregate):
    TOPIC = "spotlight.payouts:Payout"

    class Requested(Aggregate.Created):
        """``creator`` is the account paid; ``payee`` says whether it is paid as a creator or
        as a seller (version 1 paid creators only)."""

        TOPIC = "spotlight.payouts:PayoutRequested"
        class_version = 2
        creator: str
        period: str
        amount: Money
        idempotency_key: str
        requested_by: str
        requested_at: datetime
        payee: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["payee"] = Payee.CREATOR.value

    class Sent(Aggregate.Event):
        TOPIC = "spotlight.payouts:PayoutSent"
        reference: str  # the payment rail's reference of the transfer
        sent_by: str
        sent_at: datetime

    class Returned(Aggregate.Event):
        TOPIC = "spotlight.payouts:PayoutReturned"
        reason: str
        returned_by: str
        returned_at: datetime

    @staticmethod
    def id_for(creator: str, period: str, currency: str, payee: Payee = Payee.CREATOR) -> UUID:
        """One payout per account paid, period and currency (a seller's apart from the same
        account's as a creator)."""
        if payee is Payee.SELLER:
            return uuid5(_PAYOUTS, f"seller:{creator}/{period}/{currency}")
        return uuid5(_PAYOUTS, f"{creator}/{period}/{currency}")

    @classmethod
    def request(
        cls,
        *,
        creator: str,
        period: str,
        amount: Money,
        idempotency_key: str,
        by: str,
        at: datetime,
        payee: Payee = Payee.CREATOR,
    ) -> Payout:
        if not amount.is_positive:
            raise RuleViolated(f"{payee.value} {creator} has nothing payable in {amount.currency}")
        if len(idempotency_key) > 200:
            raise InvalidValue("an idempotency key has at most 200 characters")
        return cls(
            id=cls.id_for(creator, checked_period(period), amount.currency, payee),
            creator=creator,
            payee=payee.value,
            period=period,
            amount=amount,
            idempotency_key=idempotency_key,
            requested_by=by,
            requested_at=checked_instant(at),
        )

    @event(Requested)
    def __init__(
        self,
        id: UUID,
        creator: str,
        period: str,
        amount: Money,
        idempotency_key: str,
        requested_by: str,
        requested_at: datetime,
        payee: str,
    ) -> None:
        self.creator = creator
        self.payee = Payee(payee)
        self.period = period
        self.amount = amount
        self.idempotency_key = idempotency_key
        self.requested_at = requested_at
        self.status = PayoutStatus.IN_TRANSIT
        self.reference = ""
        self.return_reason = ""

    def mark_sent(self, *, reference: str, by: str, at: datetime) -> None:
        self._require_in_transit()
        self._sent(
            reference=_text(reference, "a transfer reference"),
            sent_by=by,
            sent_at=checked_instant(at),
        )

    @event(Sent)
    def _sent(self, reference: str, sent_by: str, sent_at: datetime) -> None:
        self.status = PayoutStatus.SENT
        self.reference = reference

    def mark_returned(self, *, reason: str, by: str, at: datetime) -> None:
        self._require_in_transit()
        self._returned(
            reason=_text(reason, "a reason"), returned_by=by, returned_at=checked_instant(at)
        )

    @event(Returned)
    def _returned(self, reason: str, returned_by: str, returned_at: datetime) -> None:
        self.status = PayoutStatus.RETURNED
        self.return_reason = reason

    def _require_in_transit(self) -> None:
        if self.status is not PayoutStatus.IN_TRANSIT:
            raise PayoutSettled(f"the payout is already {self.status.value}")


class PayoutKey(DomainAggregate):
    """An ``Idempotency-Key`` a creator's payout was requested with, claimed for good with the
    payout (saved in the same transaction): the key then names that payout only, and the same
    key with another request (another period or currency) is refused, even under a race (a
    second claim is a second creation of the same id, which the store refuses). Payouts
    requested before keys were claimed have no claim: their keys are not checked."""

    TOPIC = "spotlight.payouts:PayoutKey"

    class Claimed(Aggregate.Created):
        TOPIC = "spotlight.payouts:PayoutKeyClaimed"
        creator: str
        key: str
        payout_id: UUID
        claimed_at: datetime

    @staticmethod
    def id_for(creator: str, key: str, payee: Payee = Payee.CREATOR) -> UUID:
        """The claim of a key by the account paid (``creator`` names a seller's account for
        a seller's payout: keys of the two are apart)."""
        if payee is Payee.SELLER:
            return uuid5(_KEYS, f"seller:{creator}/{key}")
        return uuid5(_KEYS, f"{creator}/{key}")

    @classmethod
    def claim(cls, payout: Payout, *, at: datetime) -> PayoutKey:
        if not payout.idempotency_key:
            raise InvalidValue("a payout requested without an Idempotency-Key claims no key")
        return cls(
            id=cls.id_for(payout.creator, payout.idempotency_key, Payee(payout.payee)),
            creator=payout.creator,
            key=payout.idempotency_key,
            payout_id=payout.id,
            claimed_at=checked_instant(at),
        )

    @event(Claimed)
    def __init__(
        self, id: UUID, creator: str, key: str, payout_id: UUID, claimed_at: datetime
    ) -> None:
        self.creator = creator
        self.key = key
        self.payout_id = payout_id
