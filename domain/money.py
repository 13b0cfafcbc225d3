"""Money: integer minor units of one ISO 4217 currency. Never a float.

Splitting an amount between parties always adds up exactly: the rule for the odd minor unit
is part of the split, written down once, here.
"""

from __future__ import annotations

from typing import Any

import attrs

from domain.bounds import MAX_AMOUNT
from domain.errors import InvalidValue

# The currencies the platform settles in, with the number of digits of their minor unit.
MINOR_DIGITS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "BRL": 2,
    "MXN": 2,
    "JPY": 0,
    "KRW": 0,
    "IDR": 2,
    "SGD": 2,
}


class CurrencyMismatch(InvalidValue):
    """Amounts of different currencies never meet in one calculation or one posting."""


def _whole_number(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    # bool is an int in Python; a float is never money.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValue(f"money is counted in whole minor units, not {value!r}")


def _known_currency(_instance: object, _attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in MINOR_DIGITS:
        raise InvalidValue(f"unknown currency {value!r}; known: {', '.join(sorted(MINOR_DIGITS))}")


@attrs.frozen(order=False)
class Money:
    minor: int = attrs.field(validator=_whole_number)
    currency: str = attrs.field(validator=_known_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    def require_positive(self, what: str) -> Money:
        if self.minor <= 0:
            raise InvalidValue(f"{what} must be more than zero, not {self}")
        return self

    def require_amount(self, what: str) -> Money:
        """This money as an amount a command may move: more than zero and at most
        ``MAX_AMOUNT`` minor units (see ``domain.bounds``). Sums and balances are not
        amounts and have no bound of their own."""
        return self.require_positive(what).require_within_bound(what)

    def require_within_bound(self, what: str) -> Money:
        """This money, if it is at most ``MAX_AMOUNT`` minor units (zero or less passes)."""
        if self.minor > MAX_AMOUNT:
            raise InvalidValue(
                f"{what} is at most {MAX_AMOUNT:,} minor units of {self.currency}, "
                f"not {self.minor:,}"
            )
        return self

    def __str__(self) -> str:
        digits = MINOR_DIGITS[self.currency]
        sign = "-" if self.minor < 0 else ""
        whole, fraction = divmod(abs(self.minor), 10**digits)
        shown = f"{whole}.{fraction:0{digits}d}" if digits else str(whole)
        return f"{sign}{shown} {self.currency}"


def split_in_half(amount: Money) -> tuple[Money, Money]:
    """(creator's half, platform's half) of a positive amount, adding up exactly.

    The rule for an odd number of minor units: the creator receives the odd unit
    (the creator's half is rounded up, the platform's down).
    """
    amount.require_positive("an amount to split")
    platform = amount.minor // 2
    return Money(amount.minor - platform, amount.currency), Money(platform, amount.currency)
