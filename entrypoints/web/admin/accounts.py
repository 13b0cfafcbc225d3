"""``/admin/accounts?name=...``: an account looked up by name (the form is on the Pulse
queue's page), with its roles and verifications, and
(for an admin) forms to grant a role or revoke one, each with a reason.

The pages call the use cases of ``GET /v1/accounts/{name}``, ``POST
/v1/accounts/{name}/roles`` and the revocation beside it, with the visitor as the caller:
admins and auditors read any account, only admins change one (the API's ``GrantBody``
checks the form)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Response

from application.auth import Role
from domain.identifiers import MAX_ACCOUNT
from domain.identity.accounts import ROLES
from entrypoints.http.identity.accounts import GrantBody
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACCOUNTS = "/admin/accounts"
Text = Annotated[str, Form(max_length=2000)]


@router.get(ACCOUNTS)
def account(
    core: Core,
    visitor: Visiting,
    name: Annotated[str, Query(min_length=1, max_length=MAX_ACCOUNT)],
    done: Literal["granted", "revoked"] | None = None,
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
        },
    )


@router.post(ACCOUNTS + "/{name}/roles")
def grant(
    name: AccountPath, core: Core, visitor: Posting, role: Text = "", reason: Text = ""
) -> Response:
    body = GrantBody.model_validate({"role": role, "reason": reason})
    core.accounts.grant(visitor.principal, name, body.role, reason=body.reason)
    return see_other(f"{ACCOUNTS}?{urlencode({'name': name, 'done': 'granted'})}")


@router.post(ACCOUNTS + "/{name}/revocations")
def revoke(
    name: AccountPath, core: Core, visitor: Posting, role: Text = "", reason: Text = ""
) -> Response:
    body = GrantBody.model_validate({"role": role, "reason": reason})
    core.accounts.revoke(visitor.principal, name, body.role, reason=body.reason)
    return see_other(f"{ACCOUNTS}?{urlencode({'name': name, 'done': 'revoked'})}")
