"""The domain as it was before money had a bound, to record the events an old store holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

import domain.money
import domain.revenue.ledger
from domain.money import Money
from domain.revenue.ledger import JournalEntry, campaign_budget, credit, debit, platform

#: Larger than any amount the tests record before the bound.
NO_BOUND = 10**40


@contextmanager
def bounds_lifted() -> Iterator[None]:
    """Commands accept any amount meanwhile, as they did before ``domain.bounds``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(domain.money, "MAX_AMOUNT", NO_BOUND)
        patch.setattr(domain.revenue.ledger, "MAX_AMOUNT", NO_BOUND)
        yield


def funding_recorded_before_the_bound(number: int, minor: int, at: datetime) -> Any:
    """The recorded event of a campaign funded with ``minor`` cents before the bound."""
    budget = campaign_budget(UUID(int=number), "USD")
    with bounds_lifted():
        entry = JournalEntry.record(
            cause=f"campaign:{number}",
            kind="campaign-funded",
            postings=[
                debit(platform("platform:brand-funds", "USD"), Money(minor, "USD")),
                credit(budget, Money(minor, "USD")),
            ],
            at=at,
        )
    [recorded] = entry.collect_events()
    return recorded
