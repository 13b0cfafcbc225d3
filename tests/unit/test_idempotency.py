"""A retried request: the earlier answer again, or the refusal that fits.

The order, the payout and the ballot each keep their own wording; what they share is
decided here once: same key and same request replay, same key and another request is a
reused key, another key (or none) is a second request for something done once.
"""

from __future__ import annotations

import attrs
import pytest

from application.idempotency import answer_again
from domain.errors import IdempotencyKeyReused, RuleViolated


@attrs.frozen
class EarlierOrder:
    listing: str
    quantity: int


class PaidAlready(RuleViolated):
    pass


def receipt(order: EarlierOrder) -> str:
    return f"{order.quantity} x {order.listing} (replayed)"


def retry(*, same_key: bool, same_request: bool, done_once: bool = True) -> str:
    return answer_again(
        EarlierOrder("apron", 2),
        same_key=same_key,
        same_request=same_request,
        answer=receipt,
        key_reused=lambda: IdempotencyKeyReused("this key was used for another order"),
        done_once=(lambda: PaidAlready("a period pays once")) if done_once else None,
    )


def test_a_faithful_retry_gets_the_earlier_answer_again() -> None:
    assert retry(same_key=True, same_request=True) == "2 x apron (replayed)"


def test_the_same_key_asking_for_something_else_is_a_reused_key() -> None:
    with pytest.raises(IdempotencyKeyReused):
        retry(same_key=True, same_request=False)


def test_a_second_request_under_another_key_is_refused_as_done_once() -> None:
    with pytest.raises(PaidAlready):
        retry(same_key=False, same_request=True)


def test_without_a_done_once_refusal_another_key_is_a_reused_key() -> None:
    with pytest.raises(IdempotencyKeyReused):
        retry(same_key=False, same_request=True, done_once=False)
