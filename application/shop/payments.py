"""The payment-provider port, shaped like the payment intents of real providers (Stripe's
PaymentIntents, Adyen's and Braintree's equivalents): an intent is created for an amount
under an idempotency key, then confirmed with the buyer's payment method, and either
succeeds or fails; a succeeded intent can be refunded, in whole or in part, again under an
idempotency key.

The same key always names the same intent or refund, so a use case that is retried (a lost
answer, a version conflict at the save) asks again with the same key and gets the first
answer instead of charging twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs

from domain.errors import RuleViolated
from domain.money import Money


class IntentStatus(StrEnum):
    REQUIRES_CONFIRMATION = "requires_confirmation"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen
class PaymentIntent:
    id: str
    amount: Money
    status: IntentStatus
    failure: str = ""  # why it failed, as the provider says it


@attrs.frozen
class PaymentRefund:
    id: str
    intent: str
    amount: Money


class PaymentDeclined(RuleViolated):
    """The provider refused the payment (a declined card, an unknown payment method)."""


class PaymentProvider(Protocol):
    """Where buyers' money is taken and given back."""

    #: How the provider is named on the orders it paid (a sandbox's name says so).
    name: str
    #: True for a provider through which no money moves (refused in production).
    sandbox: bool

    def create_intent(
        self, amount: Money, *, idempotency_key: str, description: str
    ) -> PaymentIntent:
        """An intent to take ``amount``, awaiting confirmation (the same key: the same intent)."""
        ...

    def confirm(self, intent_id: str, *, payment_method: str) -> PaymentIntent:
        """Take the money with the payment method: the intent succeeded or failed (a
        succeeded intent confirmed again answers as it is)."""
        ...

    def refund(self, intent_id: str, amount: Money, *, idempotency_key: str) -> PaymentRefund:
        """Give back ``amount`` of a succeeded intent (the same key: the same refund)."""
        ...
