"""What the reviewers' and admins' queue pages share: a queue page (a page of items read
with the visitor as the caller, the cursor of the next page, the filter's state, who
decides, the note of what was just decided) and the answer to a decision's form (back to
the queue, saying what was decided). Their cards' decision forms, the state filter and the
pager are the macros of ``templates/queues.html``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Protocol

from fastapi import Form, Response

from application.auth import Role
from entrypoints.web.pages import render, see_other
from entrypoints.web.visitors import Visitor

#: Who decides in the reviewers' queues; auditors read them.
DECIDERS = frozenset({Role.REVIEWER, Role.ADMIN})
#: A decision form's choice and its reason (the API's body checks them again).
Choice = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=2000)]


class QueuePage(Protocol):
    """A page of a queue as its use case answers it (``application.paging.Page`` or alike)."""

    @property
    def items(self) -> Sequence[object]: ...

    @property
    def next_cursor(self) -> str | None: ...


def queue_page(
    template: str,
    visitor: Visitor,
    page: QueuePage,
    *,
    done: str | None,
    reason_max: int,
    **more: object,
) -> Response:
    """The queue's page ``template``: the page's ``items`` and the ``next`` cursor, what was
    just ``done``, the longest reason the API takes, and what else the page shows."""
    return render(
        template,
        {
            "visitor": visitor,
            "items": page.items,
            "next": page.next_cursor,
            "done": done,
            "reason_max": reason_max,
            **more,
        },
    )


def decided(queue: str, done: str) -> Response:
    """After a decision's form: the queue again, saying what was decided."""
    return see_other(f"{queue}?done={done}")
