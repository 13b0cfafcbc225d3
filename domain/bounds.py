"""How large one amount of money and one quantity may be, so every store holds them exactly.

The stores' integers are signed 64-bit (SQLite's INTEGER, PostgreSQL's BIGINT: at most
2**63 - 1, about 9.2 * 10**18) and many JSON clients hold integers exactly only up to 2**53
(about 9.0 * 10**15). One amount is at most ``MAX_AMOUNT`` minor units (10**15: ten trillion
dollars in cents, far beyond any budget, price or fee), which a JSON client holds exactly; a
journal entry has at most ``domain.revenue.ledger.MAX_POSTINGS`` (5,000) postings, so even an
entry's sum stays below 5 * 10**18 < 2**63. A quantity (stock, a restock, an order's items, a
placement's impressions, a creator's followers) is at most ``MAX_QUANTITY`` (10**9), so a
price times a quantity is an integer of at most 10**24 that Python computes exactly and the
domain then bounds as an amount. A campaign's KPI target is at most ``MAX_AMOUNT``: one KPI
(cost per engagement) is an amount, and the views or engagements a campaign aims at are
summed over all its videos, so they may pass 10**9 (hashtag challenges reach billions).

The bounds apply to commands: an event recorded before they existed still loads as it was
recorded (its meaning never changes); the auditor's checks report it as a finding.
"""

from __future__ import annotations

from domain.errors import InvalidValue

MAX_AMOUNT = 10**15
MAX_QUANTITY = 10**9


def checked_quantity(value: int, what: str, *, least: int = 0, most: int = MAX_QUANTITY) -> int:
    """``value`` if it is a whole number from ``least`` to ``most`` (``MAX_QUANTITY``)."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidValue(f"{what} is a whole number from {least} to {most:,}, not {value!r}")
    return value
