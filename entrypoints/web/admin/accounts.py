"""``/admin/accounts?name=...``: an account looked up by name (the form is on the Pulse
queue's page), with its roles and verifications, and
(for an admin) forms to grant a role or revoke one, each with a reason.

The pages call the use cases of ``GET /v1/accounts/{name}``, ``POST
/v1/accounts/{name}/roles`` and the revocation beside it, with the visitor as the caller:
admins and auditors read any account, only admins change one (the API's ``GrantBody``
checks the form)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Response

from application.auth import Role
from domain.identifiers import MAX_ACCOUNT
from domain.identity.accounts import ROLES
from entrypoints.http.identity.accounts import GrantBody
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.forms import NO_REFUSAL, Refusal, answer_form
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACCOUNTS = "/admin/accounts"
Text = Annotated[str, Form(max_length=2000)]


#: The longest reason the API takes, for the forms' fields (the server checks it again).
REASON_MAX: int = GrantBody.model_json_schema()["properties"]["reason"]["maxLength"]


def _account_page(
    core: Core,
    visitor: Visitor,
    name: str,
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    found = core.accounts.account(visitor.principal, name)
    return render(
        "admin/accounts.html",
        {
            "visitor": visitor,
            "account": found,
            "roles": ROLES,
            "changes": visitor.principal.role is Role.ADMIN,
            "done": done,
            "refused": refused,
            "reason_max": REASON_MAX,
        },
        status_code=status_code,
    )


@router.get(ACCOUNTS)
def account(
    core: Core,
    visitor: Visiting,
    name: Annotated[str, Query(min_length=1, max_length=MAX_ACCOUNT)],
    done: Literal["granted", "revoked"] | None = None,
) -> Response:
    return _account_page(core, visitor, name, done=done)


@router.post(ACCOUNTS + "/{name}/roles")
def grant(
    name: AccountPath, core: Core, visitor: Posting, role: Text = "", reason: Text = ""
) -> Response:
    def attempt() -> Response:
        body = GrantBody.model_validate({"role": role, "reason": reason})
        core.accounts.grant(visitor.principal, name, body.role, reason=body.reason)
        return see_other(f"{ACCOUNTS}?{urlencode({'name': name, 'done': 'granted'})}")

    return answer_form(
        attempt,
        partial(_account_page, core, visitor, name),
        typed={"role": role, "reason": reason},
        form="grant",
    )


@router.post(ACCOUNTS + "/{name}/revocations")
def revoke(
    name: AccountPath, core: Core, visitor: Posting, role: Text = "", reason: Text = ""
) -> Response:
    def attempt() -> Response:
        body = GrantBody.model_validate({"role": role, "reason": reason})
        core.accounts.revoke(visitor.principal, name, body.role, reason=body.reason)
        return see_other(f"{ACCOUNTS}?{urlencode({'name': name, 'done': 'revoked'})}")

    return answer_form(
        attempt,
        partial(_account_page, core, visitor, name),
        typed={"role": role, "reason": reason},
        form="revoke",
    )
