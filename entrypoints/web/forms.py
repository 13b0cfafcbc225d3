"""What a form of the web app needs beyond the API's request bodies: an amount typed as a
person writes it (``12.50``) turned into whole minor units, and the reasons a body refused
a form, by field, to show next to each field.

The rules themselves stay the API's: a form is checked by the same request body
(``model_validate``) and the same use case; only the shape of what was typed differs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Protocol

import attrs
from fastapi import Form, Response, status
from pydantic import ValidationError

from application.paging import MAX_CURSOR
from domain.errors import InvalidValue
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


@attrs.frozen
class Refusal:
    """A form the server refused, to draw its page again: which form (``form``, its key on a
    page of many forms, such as the id of the item it decides; ``""`` on a page of one), the
    reason by field (``FORM`` for one not tied to a field) and what was typed, shown again in
    the fields. Templates ask ``refused.errors(key)`` and ``refused.value(key, field)``; every
    other form of the page is drawn as it was."""

    form: str | None = None
    reasons: Mapping[str, str] = attrs.field(factory=dict)
    typed: Mapping[str, str] = attrs.field(factory=dict)

    def errors(self, form: str = "") -> Mapping[str, str]:
        """The reasons of the form keyed ``form`` (none for another form)."""
        return self.reasons if self.form is not None and form == self.form else {}

    def value(self, form: str, field: str, default: str = "") -> str:
        """What was typed into ``field`` of the form keyed ``form`` (``default`` otherwise)."""
        if self.form is None or form != self.form:
            return default
        return self.typed.get(field, default)


#: No form refused: every form drawn empty.
NO_REFUSAL = Refusal()


class Again(Protocol):
    """The page of a refused form drawn again (its refusal shown, with the status given)."""

    def __call__(self, *, refused: Refusal, status_code: int) -> Response: ...


def answer_form(
    attempt: Callable[[], Response],
    again: Again,
    *,
    typed: Mapping[str, str],
    form: str = "",
    aliases: Mapping[str, str] | None = None,
) -> Response:
    """What a form asks, done by ``attempt`` (the API's request body checks what was typed,
    then the use case runs); a body that refuses a field answers ``again``: the form's page
    drawn again, 422, with each reason beside its field and what was typed kept, instead of a
    page of its own. A refusal of the use case is left to ``PageRoute`` (its page has the
    API's status and reason: a stale form's 409, another role's 403)."""
    try:
        return attempt()
    except ValidationError as refused:
        reasons = field_reasons(refused, aliases)
        return again(
            refused=Refusal(form, reasons, dict(typed)),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    except InvalidValue as refused:
        # A rule of the domain on what was typed: the API's status and reason, on the form.
        code, reason = form_refusal(refused) or (
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            str(refused),
        )
        return again(refused=Refusal(form, {FORM: reason}, dict(typed)), status_code=code)


#: The cursor of the list page a form was on (``page_cursor`` of ``fields.html``), to draw
#: that page again if the form is refused; the list checks it as any cursor.
FormCursor = Annotated[str, Form(max_length=MAX_CURSOR)]


def page_query(cursor: str) -> dict[str, str]:
    """The address parameters of the list page a form was on."""
    return {"cursor": cursor} if cursor else {}
