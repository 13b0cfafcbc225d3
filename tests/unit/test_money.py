"""Money is whole minor units of one currency, and a half share always adds up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.money import MINOR_DIGITS, CurrencyMismatch, Money, split_in_half

currencies = st.sampled_from(sorted(MINOR_DIGITS))


@given(minor=st.integers(min_value=1, max_value=10**15), currency=currencies)
def test_the_two_halves_add_up_to_the_whole_and_differ_by_at_most_one_unit(
    minor: int, currency: str
) -> None:
    creator, platform = split_in_half(Money(minor, currency))

    assert creator + platform == Money(minor, currency)
    assert 0 <= creator.minor - platform.minor <= 1


def test_the_creator_receives_the_odd_minor_unit() -> None:
    assert split_in_half(Money(101, "USD")) == (Money(51, "USD"), Money(50, "USD"))
    assert split_in_half(Money(1, "JPY")) == (Money(1, "JPY"), Money(0, "JPY"))


@pytest.mark.parametrize("amount", [0, -5])
def test_nothing_and_less_than_nothing_are_not_split(amount: int) -> None:
    with pytest.raises(InvalidValue):
        split_in_half(Money(amount, "USD"))


@pytest.mark.parametrize("minor", [1.5, 2.0, True, "100"])
def test_money_is_never_a_float_a_boolean_or_text(minor: object) -> None:
    with pytest.raises(InvalidValue):
        Money(minor, "USD")  # type: ignore[arg-type]


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(InvalidValue, match="unknown currency"):
        Money(100, "XXX")


def test_currencies_never_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(100, "USD") + Money(100, "EUR")
    with pytest.raises(CurrencyMismatch):
        assert Money(100, "USD") < Money(100, "JPY")


@pytest.mark.parametrize(
    ("money", "shown"),
    [
        (Money(123456, "USD"), "1234.56 USD"),
        (Money(-5, "EUR"), "-0.05 EUR"),
        (Money(1500, "JPY"), "1500 JPY"),
    ],
)
def test_money_is_shown_in_major_units(money: Money, shown: str) -> None:
    assert str(money) == shown
