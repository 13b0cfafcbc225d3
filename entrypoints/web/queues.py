"""What the reviewers' and admins' queue pages share: who decides (the others read), the
form fields of a decision, a queue's page (its items, its pager, the note of what was just
decided, the refused form drawn again) and the answer to a decision's form (back to the
queue saying what was decided, or the queue again with the reason beside the field).

The cards' decision forms, the queue's state filter and its pager are the macros of
``templates/queues.html``, built on those of ``fields.html`` and ``paging.html``. The rules
stay the API's: a decision is checked by the API's request body (``answer_form``) and the
same use case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol

import attrs
from fastapi import Form, Response, status

from application.auth import Role
from entrypoints.web.forms import NO_REFUSAL, Refusal, answer_form, page_query
from entrypoints.web.pages import render, see_other
from entrypoints.web.paging import pager
from entrypoints.web.visitors import Visitor

#: Who decides in the reviewers' queues; auditors read them.
DECIDERS = frozenset({Role.REVIEWER, Role.ADMIN})
#: A decision's choice and its reason (the API's body checks them again).
Choice = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=2000)]
#: The version of the item the form was shown: a form shown before the item changed is
#: refused as stale, as the API refuses a stale If-Match.
Version = Annotated[int, Form(ge=1)]


@attrs.frozen
class Said:
    """What a queue's page says of the last form: what it just ``done`` (a decision
    recorded), or the ``refused`` form with its reasons (answered with ``status_code``)."""

    done: str | None = None
    refused: Refusal = NO_REFUSAL
    status_code: int = status.HTTP_200_OK


#: A page that says nothing of a form.
FRESH = Said()


class Redraw(Protocol):
    """A queue's page drawn from the address parameters ``query`` (its filter and cursors),
    saying what ``said``."""

    def __call__(self, query: Mapping[str, str], said: Said, /) -> Response: ...


@attrs.frozen
class Queue:
    """A queue page at ``path`` drawn by ``template``, whose reasons the API takes up to
    ``reason_max`` characters."""

    path: str
    template: str
    reason_max: int

    def page(
        self,
        visitor: Visitor,
        query: Mapping[str, str],
        next_cursor: str | None,
        said: Said = FRESH,
        **shown: Any,
    ) -> Response:
        """The page: what the queue ``shown`` (its items and whatever else), its pager (the
        address's ``query`` and the ``next_cursor``), and what it ``said`` of the last form."""
        return render(
            self.template,
            {
                "visitor": visitor,
                "pager": pager(self.path, query, next_cursor),
                "done": said.done,
                "reason_max": self.reason_max,
                "refused": said.refused,
                **shown,
            },
            status_code=said.status_code,
        )

    def decided(self, done: str) -> Response:
        """After a decision: the queue again, saying what was ``done``."""
        return see_other(f"{self.path}?done={done}")

    def answer(
        self,
        decide: Callable[[], str],
        redraw: Redraw,
        *,
        cursor: str,
        typed: Mapping[str, str],
        form: str,
        aliases: Mapping[str, str] | None = None,
    ) -> Response:
        """A decision's form: ``decide`` (the API's body checks what was ``typed``, the use
        case decides) says what was done, and the queue says it; a field the body refuses
        draws the page the form was on (its ``cursor``) again, 422, the reason beside the
        field of the card keyed ``form``."""
        query = page_query(cursor)

        def again(*, refused: Refusal, status_code: int) -> Response:
            return redraw(query, Said(refused=refused, status_code=status_code))

        return answer_form(
            lambda: self.decided(decide()), again, typed=typed, form=form, aliases=aliases
        )
