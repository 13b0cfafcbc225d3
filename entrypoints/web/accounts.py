"""Signing in, signing up and signing out in the browser, with the built-in accounts and a
cookie session (the same use cases as ``POST /v1/accounts``, ``/v1/sessions`` with
``cookie: true`` and ``/v1/sessions/sign-out``, and the same rules: their request bodies
check the forms)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, status
from pydantic import ValidationError

from application.auth import Role
from application.identity.accounts import MIN_PASSWORD, AccountExists, SignInRefused
from domain.identifiers import MAX_ACCOUNT
from domain.identity.accounts import SELF_SERVICE_ROLES
from domain.identity.sessions import SessionKind
from entrypoints.http.identity.accounts import SignInBody, SignUpBody
from entrypoints.http.security import Core, clear_session_cookies, set_session_cookies
from entrypoints.web.forms import field_reasons
from entrypoints.web.pages import PageRoute, render, safe_next, see_other
from entrypoints.web.visitors import (
    Posting,
    check_form_token,
    form_token,
    optional_visitor,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Where each role's pages start; a role without pages yet lands on the home page.
START = {
    Role.STUDIO: "/studio",
    Role.CREATOR: "/creator",
    Role.REVIEWER: "/reviewer/anchors",
    Role.ADMIN: "/reviewer/anchors",
    Role.AUDITOR: "/auditor",
    Role.BRAND: "/brand",
    Role.SELLER: "/seller",
    Role.ARTIST: "/artist",
    Role.JUDGE: "/judge",
}

#: What the forms' fields say of the API's limits (the server checks them again).
LIMITS = {"max_account": MAX_ACCOUNT, "min_password": MIN_PASSWORD}

Text = Annotated[str, Form(max_length=1000)]


@router.get("/")
def home(request: Request) -> Response:
    found = optional_visitor(request)
    if found is None:
        return see_other("/sign-in")
    start = START.get(found.principal.role)
    if start is not None:
        return see_other(start)
    return render("home.html", {"visitor": found})


def _sign_in_form(
    request: Request,
    *,
    next_page: str,
    name: str = "",
    role: str = "",
    error: str | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    token = form_token(request)
    context: dict[str, Any] = {
        "visitor": None,
        "csrf": token.tag,
        "next": safe_next(next_page),
        "name": name,
        "role": role,
        "error": error,
        "errors": errors or {},
        "roles": [role.value for role in Role],
        **LIMITS,
    }
    return token.keep(render("sign_in.html", context, status_code=status_code))


def _sign_up_form(
    request: Request,
    *,
    name: str = "",
    role: str = "creator",
    error: str | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    token = form_token(request)
    context: dict[str, Any] = {
        "visitor": None,
        "csrf": token.tag,
        "name": name,
        "role": role,
        "error": error,
        "errors": errors or {},
        "roles": SELF_SERVICE_ROLES,
        **LIMITS,
    }
    return token.keep(render("sign_up.html", context, status_code=status_code))


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    return _sign_in_form(request, next_page=next or "/")


@router.post("/sign-in", dependencies=[Depends(check_form_token)])
def sign_in(
    request: Request,
    core: Core,
    name: Text,
    password: Text,
    role: Annotated[str, Form(max_length=20)] = "",
    next: Text = "/",
) -> Response:
    try:
        body = SignInBody.model_validate(
            {"name": name, "password": password, "role": role or None, "cookie": True}
        )
    except ValidationError as refused:
        return _sign_in_form(
            request,
            next_page=next,
            name=name,
            role=role,
            errors=field_reasons(refused),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        tokens = core.accounts.sign_in(
            body.name, body.password, role=body.role, kind=SessionKind.COOKIE
        )
    except SignInRefused as refused:
        return _sign_in_form(
            request,
            next_page=next,
            name=name,
            error=str(refused),
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    response = see_other(safe_next(next))
    set_session_cookies(response, core, tokens)
    return response


@router.get("/sign-up")
def sign_up_page(request: Request) -> Response:
    return _sign_up_form(request)


@router.post("/sign-up", dependencies=[Depends(check_form_token)])
def sign_up(
    request: Request,
    core: Core,
    name: Text,
    password: Text,
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        body = SignUpBody.model_validate({"name": name, "password": password, "role": role})
    except ValidationError as refused:
        return _sign_up_form(
            request,
            name=name,
            role=role,
            errors=field_reasons(refused),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        core.accounts.sign_up(body.name, body.password, Role(body.role))
    except AccountExists as taken:
        return _sign_up_form(
            request, name=name, role=role, error=str(taken), status_code=status.HTTP_409_CONFLICT
        )
    tokens = core.accounts.sign_in(
        body.name, body.password, role=Role(body.role), kind=SessionKind.COOKIE
    )
    response = see_other("/")
    set_session_cookies(response, core, tokens)
    return response


@router.post("/sign-out")
def sign_out(core: Core, visitor: Posting) -> Response:
    core.accounts.sign_out(visitor.session)
    response = see_other("/sign-in")
    clear_session_cookies(response)
    return response
