"""Answering a retried request once more: the earlier answer, or a refusal.

Placing an order, requesting a payout and casting a ballot each find an earlier result
under the request's key before doing anything. What happens then has one shape: a retry
carrying the same key and asking the same thing gets the earlier answer again (marked
replayed); the same key asking for something else is refused; a second request without
the earlier key is refused as a repeat of something done once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Earlier = TypeVar("Earlier")
Answer = TypeVar("Answer")


def answer_again(
    earlier: Earlier,
    *,
    same_key: bool,
    same_request: bool,
    answer: Callable[[Earlier], Answer],
    key_reused: Callable[[], Exception],
    done_once: Callable[[], Exception] | None = None,
) -> Answer:
    """The earlier result's answer for a faithful retry, or the refusal that fits.

    ``same_key`` says the retry carries the key the earlier result was made under;
    ``same_request`` that it asks for what the earlier result holds. ``done_once`` is the
    refusal of a second request made under another key (or none); without it, a key that
    names the result itself (an order key) is always the same key.
    """
    if not same_key:
        if done_once is None:
            raise key_reused()
        raise done_once()
    if not same_request:
        raise key_reused()
    return answer(earlier)
