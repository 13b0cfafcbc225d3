"""Amounts typed into a form become whole minor units exactly, or are refused with a reason;
never rounded through a float."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.web.forms import AmountUnreadable, minor_units, split_list


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("12.50", "USD", 1250),
        ("12.5", "USD", 1250),
        ("12", "USD", 1200),
        ("0.01", "EUR", 1),
        ("1,000.00", "USD", 100_000),
        (" 7 ", "JPY", 7),
    ],
)
def test_an_amount_as_people_type_it_is_its_minor_units(
    typed: str, currency: str, minor: int
) -> None:
    assert minor_units(typed, currency) == minor


@pytest.mark.parametrize("typed", ["", "lots", "-5", "1.005", "1e3", "12.", ".5"])
def test_an_amount_that_is_not_plain_or_too_fine_is_refused(typed: str) -> None:
    with pytest.raises(AmountUnreadable):
        minor_units(typed, "USD")


@given(st.integers(min_value=0, max_value=10**14))
def test_every_amount_in_cents_reads_back_exactly(cents: int) -> None:
    assert minor_units(f"{cents // 100}.{cents % 100:02d}", "USD") == cents


def test_a_list_typed_into_one_field_is_split_on_commas_and_spaces() -> None:
    assert split_list(" beauty, food  travel,,") == ["beauty", "food", "travel"]
