"""Who is looking at a page: the cookie session of a built-in account, and the CSRF checks
of every form.

A page reads the visitor from the session cookie alone (a bearer token is the API's, not a
browser's). Every form that posts carries a CSRF token in its ``csrf_token`` field:

- signed in, the session's own token (``entrypoints.http.security.csrf_token``, the one the
  API's cookie sessions send as ``X-CSRF-Token``);
- before signing in (the sign-in and sign-up forms), a MAC of a random value kept in the
  HttpOnly, SameSite=Strict cookie ``spotlight_form``: another site can neither read the
  cookie nor make the MAC, so it cannot sign a visitor in to an account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

import attrs
from fastapi import Depends, Request, Response

from application.auth import InvalidToken, Principal
from entrypoints.bootstrap import Spotlight
from entrypoints.http.security import SESSION_COOKIE, CsrfRefused, csrf_token, spotlight
from entrypoints.web.pages import SignInNeeded

CSRF_FIELD = "csrf_token"
FORM_COOKIE = "spotlight_form"
_FORM_PURPOSE = "web form"


@attrs.frozen
class Visitor:
    principal: Principal
    session: str
    csrf: str


def visitor(request: Request) -> Visitor:
    """The signed-in visitor; ``SignInNeeded`` without a session cookie (a cookie of an
    ended or unknown session is refused as the API refuses it, and sent to sign in too)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInNeeded
    core = spotlight(request)
    principal, session = core.accounts.cookie_principal(cookie)
    return Visitor(principal, session, csrf_token(core, session))


def optional_visitor(request: Request) -> Visitor | None:
    try:
        return visitor(request)
    except (SignInNeeded, InvalidToken):
        return None


def _same(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


async def form_visitor(request: Request, found: Annotated[Visitor, Depends(visitor)]) -> Visitor:
    """The signed-in visitor of a form that posts, once its CSRF token is checked."""
    form = await request.form()
    if not _same(form.get(CSRF_FIELD), found.csrf):
        raise CsrfRefused("the form came without this session's CSRF token; reload the page")
    return found


@attrs.frozen
class FormToken:
    """A form's CSRF token before signing in, and the cookie value it is the MAC of."""

    value: str
    tag: str

    def keep(self, response: Response) -> Response:
        response.set_cookie(FORM_COOKIE, self.value, secure=True, httponly=True, samesite="strict")
        return response


def form_token(request: Request) -> FormToken:
    """The CSRF token for a form shown before signing in (its cookie's, or a new one)."""
    value = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    return FormToken(value, spotlight(request).tokens.tag(_FORM_PURPOSE, value))


async def check_form_token(request: Request) -> None:
    """Refuse a sign-in or sign-up form that did not come from this service's page."""
    value = request.cookies.get(FORM_COOKIE)
    form = await request.form()
    core: Spotlight = spotlight(request)
    if not value or not _same(form.get(CSRF_FIELD), core.tokens.tag(_FORM_PURPOSE, value)):
        raise CsrfRefused("the form did not come from this service's page; reload it")


Visiting = Annotated[Visitor, Depends(visitor)]
Posting = Annotated[Visitor, Depends(form_visitor)]
