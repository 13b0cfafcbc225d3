"""The sandbox payment provider of the embedded default: intents and refunds as a real
provider's test mode answers them, and no money moving anywhere.

It says what it is: its name is ``sandbox``, every id it makes starts with ``sandbox_``, and
it logs so when money would first move through it (warning).
Payment methods are test tokens, as providers' test modes take them: ``pm_card_visa`` (and
any other ``pm_card_*`` but those below) succeeds, ``pm_card_chargeDeclined`` and
``pm_card_insufficientFunds`` fail, anything else fails as unknown. Ids are derived from the
idempotency key, so the same key gives the same id.

What the sandbox remembers (its intents and refunds) lives in two tables of the read
models' database, beside the logs (``sandbox_payment_intents``, ``sandbox_payment_refunds``):
a real provider keeps its own books apart from the shop's log, and so does the sandbox. So
every process on one database (each ``serve`` worker, each replica) confirms and refunds the
intents any other made, and a restart forgets none. Each answer is one statement or one
transaction whose conditions are in the SQL (an insert that does nothing on a conflict, an
update guarded by the intent's state or by what is left to refund), so two processes asking
at once cannot both take the last of an intent.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adapters.projections.store import SqlProjectionStore
from application.shop.payments import IntentStatus, PaymentIntent, PaymentRefund
from domain.errors import InvalidValue
from domain.money import Money

NAME = "sandbox"
PREFIX = "sandbox_"
SUCCEEDS = "pm_card_visa"
DECLINES = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_insufficientFunds": "insufficient_funds",
}

log = logging.getLogger("spotlight.payments")


def _id(kind: str, key: str) -> str:
    return f"{PREFIX}{kind}_{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def _outcome(payment_method: str) -> tuple[IntentStatus, str]:
    if payment_method in DECLINES:
        return IntentStatus.FAILED, DECLINES[payment_method]
    if payment_method.startswith("pm_card_"):
        return IntentStatus.SUCCEEDED, ""
    return IntentStatus.FAILED, "unknown_payment_method"


class SandboxPayments:
    """A provider's test mode kept in the database (refused in production: see
    ``payment_provider``)."""

    name = NAME
    sandbox = True

    def __init__(self, store: SqlProjectionStore) -> None:
        self._store = store
        metadata = sa.MetaData(schema=store.metadata.schema)
        self.intents = sa.Table(
            "sandbox_payment_intents",
            metadata,
            sa.Column("intent_id", sa.String(64), primary_key=True),
            sa.Column("amount_minor", sa.BigInteger, nullable=False),
            sa.Column("currency", sa.String(3), nullable=False),
            sa.Column("status", sa.String(32), nullable=False),
            sa.Column("failure", sa.String(64), nullable=False),
            sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        )
        self.refunds = sa.Table(
            "sandbox_payment_refunds",
            metadata,
            sa.Column("refund_id", sa.String(64), primary_key=True),
            sa.Column("intent_id", sa.String(64), nullable=False),
            sa.Column("amount_minor", sa.BigInteger, nullable=False),
            sa.Column("currency", sa.String(3), nullable=False),
        )
        # Under the schema changes' turn (``create_tables``), as every adapter's tables.
        store.create_tables(metadata)
        self._postgresql = store.database.writer.dialect.name == "postgresql"
        # Said as a warning when money would first move, not at start-up: a command that
        # fails before any payment (an unreachable store, say) keeps its one line of error.
        self._warned = False

    def _warn(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning("a SANDBOX payment: no money moves (ids start with %r)", PREFIX)

    def _insert_new(self, table: sa.Table) -> Any:
        dialect: Any = postgresql if self._postgresql else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    def _add_intent(
        self, connection: sa.Connection, intent_id: str, amount: Money, status: IntentStatus
    ) -> None:
        """The intent, unless one of that id is there already (then nothing changes)."""
        connection.execute(
            self._insert_new(self.intents).values(
                intent_id=intent_id,
                amount_minor=amount.minor,
                currency=amount.currency,
                status=status.value,
                failure="",
                refunded_minor=0,
            )
        )

    def _intent(self, connection: sa.Connection, intent_id: str) -> PaymentIntent | None:
        row = (
            connection.execute(sa.select(self.intents).where(self.intents.c.intent_id == intent_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return PaymentIntent(
            intent_id,
            Money(row["amount_minor"], row["currency"]),
            IntentStatus(row["status"]),
            row["failure"],
        )

    def create_intent(
        self, amount: Money, *, idempotency_key: str, description: str
    ) -> PaymentIntent:
        """An intent awaiting confirmation; the same key answers the same intent."""
        amount.require_amount("a payment")
        self._warn()
        intent_id = _id("pi", idempotency_key)
        with self._store.database.writer.begin() as connection:
            self._add_intent(connection, intent_id, amount, IntentStatus.REQUIRES_CONFIRMATION)
            found = self._intent(connection, intent_id)
        assert found is not None
        if found.amount != amount:
            raise InvalidValue(f"idempotency key {idempotency_key!r} was used for {found.amount}")
        return found

    def confirm(self, intent_id: str, *, payment_method: str) -> PaymentIntent:
        """Succeeds with ``pm_card_visa``-like tokens, fails with the declining ones; an
        intent confirmed already answers as it is."""
        status, failure = _outcome(payment_method)
        t = self.intents
        with self._store.database.writer.begin() as connection:
            connection.execute(
                t.update()
                .where(
                    t.c.intent_id == intent_id,
                    t.c.status == IntentStatus.REQUIRES_CONFIRMATION.value,
                )
                .values(status=status.value, failure=failure)
            )
            intent = self._intent(connection, intent_id)
        if intent is None:
            raise InvalidValue(f"no payment intent {intent_id!r}")
        return intent

    def refund(self, intent_id: str, amount: Money, *, idempotency_key: str) -> PaymentRefund:
        """Gives back part or all of a succeeded intent, never more than it took."""
        amount.require_amount("a refund")
        self._warn()
        refund_id = _id("re", idempotency_key)
        r = self.refunds
        try:
            with self._store.database.writer.begin() as connection:
                found = self._refund_of(connection, refund_id)
                if found is not None:
                    return found
                self._take_back(connection, intent_id, amount)
                inserted = connection.execute(
                    self._insert_new(r).values(
                        refund_id=refund_id,
                        intent_id=intent_id,
                        amount_minor=amount.minor,
                        currency=amount.currency,
                    )
                ).rowcount
                if not inserted:
                    raise _RefundedMeanwhile  # rolls back this one's count
        except (_RefundedMeanwhile, _NotLeft) as refused:
            # The same key refunded by another process at once (its count is why nothing is
            # left, on PostgreSQL): its refund is this one.
            with self._store.database.writer.connect() as connection:
                made = self._refund_of(connection, refund_id)
            if made is None:
                raise InvalidValue(str(refused)) from None
            return made
        return PaymentRefund(refund_id, intent_id, amount)

    def _refund_of(self, connection: sa.Connection, refund_id: str) -> PaymentRefund | None:
        r = self.refunds
        row = connection.execute(sa.select(r).where(r.c.refund_id == refund_id)).mappings()
        found = row.first()
        return None if found is None else _refund(found)

    def _take_back(self, connection: sa.Connection, intent_id: str, amount: Money) -> None:
        """Count ``amount`` as given back from the intent, or refuse it."""
        t = self.intents
        intent = self._intent(connection, intent_id)
        if intent is None:
            # An intent the sandbox never saw (paid before it kept its books in the
            # database): it takes the order's word for what the intent took.
            self._add_intent(connection, intent_id, amount, IntentStatus.SUCCEEDED)
        elif intent.status is not IntentStatus.SUCCEEDED:
            raise InvalidValue(f"payment intent {intent_id} did not succeed")
        elif intent.amount.currency != amount.currency:
            raise InvalidValue(f"payment intent {intent_id} took {intent.amount.currency}")
        # The guard is in the update, so a refund asked at once by another process cannot
        # take what this one does.
        taken = connection.execute(
            t.update()
            .where(
                t.c.intent_id == intent_id,
                t.c.status == IntentStatus.SUCCEEDED.value,
                t.c.refunded_minor + amount.minor <= t.c.amount_minor,
            )
            .values(refunded_minor=t.c.refunded_minor + amount.minor)
        ).rowcount
        if not taken:
            raise _NotLeft(f"payment intent {intent_id} took less than that")


class _RefundedMeanwhile(Exception):
    pass


class _NotLeft(Exception):
    pass


def _refund(row: Any) -> PaymentRefund:
    return PaymentRefund(
        row["refund_id"], row["intent_id"], Money(row["amount_minor"], row["currency"])
    )
