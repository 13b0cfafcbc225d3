"""What a form of the web app needs beyond the API's request bodies: an amount typed as a
person writes it (``12.50``) turned into whole minor units, and the reasons a body refused
a form, by field, to show next to each field.

The rules themselves stay the API's: a form is checked by the same request body
(``model_validate``) and the same use case; only the shape of what was typed differs."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import status
from pydantic import ValidationError

from domain.money import MINOR_DIGITS
from entrypoints.http.problems import REFUSALS

_AMOUNT = re.compile(r"(?P<whole>\d{1,15})(?:\.(?P<fraction>\d+))?")
#: Where a reason not tied to one field is kept.
FORM = "form"


class AmountUnreadable(ValueError):
    """An amount that is not a plain decimal number in the currency's digits."""


def minor_units(amount: str, currency: str) -> int:
    """``"12.50"`` in USD is 1250: digits, then at most as many decimals as the currency has
    (no float on the way, so no cent is ever lost or made up)."""
    digits = MINOR_DIGITS.get(currency.strip().upper(), 2)
    found = _AMOUNT.fullmatch(amount.strip().replace(",", ""))
    if found is None:
        raise AmountUnreadable("an amount is digits with an optional decimal point, like 250.00")
    fraction = found["fraction"] or ""
    if len(fraction) > digits:
        raise AmountUnreadable(f"an amount in {currency} has at most {digits} decimals")
    whole: int = int(found["whole"]) * 10**digits
    return whole + int(fraction.ljust(digits, "0") or "0")


def field_reasons(
    error: ValidationError, aliases: Mapping[str, str] | None = None, *, nested: bool = False
) -> dict[str, str]:
    """Each field's first reason, keyed by the top-level field of the body (or by
    ``aliases[field]`` where the form names it otherwise); ``nested``: by the path's first
    two parts joined with ``_`` (``text_review_at`` for ``{"text": {"review_at": ...}}``),
    for a form that flattens a nested body into one field per leaf."""
    reasons: dict[str, str] = {}
    for item in error.errors():
        where = [str(part) for part in item.get("loc", ()) if part != "body"]
        field = ("_".join(where[:2]) if nested else where[0]) if where else FORM
        field = (aliases or {}).get(field, field)
        message = str(item.get("msg", "invalid"))
        reasons.setdefault(field, message.removeprefix("Value error, "))
    return reasons


def form_refusal(error: Exception) -> tuple[int, str] | None:
    """The status and reason the API gives for a use case's refusal of what a form asked,
    to show on the form; None for an error that is not such a refusal (a fault, or the
    visitor may not do it at all: those are answered as the page of ``PageRoute``)."""
    for kind in type(error).__mro__:
        refusal = REFUSALS.get(kind)
        if refusal is None:
            continue
        code = refusal.status if refusal.answer is None else refusal.answer(error)[0]
        if code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN):
            return None
        return code, refusal.detail(error)
    return None


def split_list(text: str) -> list[str]:
    """``"beauty, food"`` as ``["beauty", "food"]``: a list typed into one field."""
    return [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]
