"""Who is calling: the bearer token (or a web page's session cookie) becomes a Principal, or
the request is refused with 401.

A cookie session is a built-in account's sign-in with ``cookie: true``. Its cookie is
HttpOnly; a request it authenticates that may change something (any method but GET, HEAD,
OPTIONS) must also carry the session's CSRF token in ``X-CSRF-Token``, the token the sign-in
answered and set in the readable cookie ``spotlight_csrf`` (a MAC of the session's id under
the service's secret, so another site can neither read nor make one)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from application.auth import InvalidToken, Principal
from application.errors import NotPermitted
from application.identity.accounts import SessionTokens
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `spotlight token`, or a JWT of a configured identity provider.",
)


SESSION_COOKIE = "spotlight_session"
CSRF_COOKIE = "spotlight_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"A cookie session (`POST /v1/sessions` with `cookie: true`); requests that "
    f"change something also send `{CSRF_HEADER}`.",
)


class CsrfRefused(NotPermitted):
    """A cookie-authenticated request that may change something came without the session's
    CSRF token."""


def csrf_token(core: Spotlight, session: str) -> str:
    return core.tokens.tag("csrf", session)


def set_session_cookies(response: Response, core: Spotlight, tokens: SessionTokens) -> str:
    """Set a cookie session's cookies (the session, HttpOnly; its CSRF token, readable by the
    page) on ``response``; the CSRF token."""
    if tokens.cookie is None:
        raise ValueError("a bearer session has no cookie")
    csrf = csrf_token(core, tokens.session)
    age = int((tokens.expires_at - core.clock.now()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, tokens.cookie, max_age=age, secure=True, httponly=True, samesite="lax"
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, secure=True, samesite="lax")
    return csrf


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, secure=True, samesite="lax")


def spotlight(request: Request) -> Spotlight:
    core: Spotlight = request.app.state.spotlight
    return core


async def running_core(request: Request) -> Spotlight:
    # Async so that FastAPI does not hop to a thread for an attribute read: a sync
    # dependency costs every request a round trip through the thread pool.
    return spotlight(request)


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    if credentials is None and cookie:
        return _cookie_principal(request, cookie)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise InvalidToken("send 'Authorization: Bearer <token>' (or a session cookie)")
    # The rate limits verified this request's token already when it was valid.
    verified = getattr(request.state, "principal", None)
    if isinstance(verified, Principal):
        return verified
    return spotlight(request).verifier.verify(credentials.credentials)


def maybe_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """The caller of a public operation when it proves who it is; ``None`` otherwise, since a
    public operation answers a bad token as it answers no token (as anyone, never 401)."""
    if credentials is None and not cookie:
        return None
    try:
        return principal(request, credentials, cookie)
    except InvalidToken:
        return None


def _cookie_principal(request: Request, cookie: str) -> Principal:
    core = spotlight(request)
    found, session = core.accounts.cookie_principal(cookie)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token(core, session).encode()):
            raise CsrfRefused(
                f"a request authenticated by the session cookie sends its CSRF token in "
                f"{CSRF_HEADER}"
            )
    request.state.session = session
    return found


def current_session(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The session of the caller's (verified) token or cookie; refused when it has none."""
    cookie_session = getattr(request.state, "session", None)
    if isinstance(cookie_session, str):
        return cookie_session
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token = credentials.credentials
        if token.startswith("v1."):
            session = spotlight(request).tokens.verify_session(token)[1]
            if session is not None:
                return session
    raise InvalidValue(
        "this token was not issued by a sign-in: it has no session to end "
        "(an operator's token lives until it expires)"
    )


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
Core = Annotated[Spotlight, Depends(running_core)]
Caller = Annotated[Principal, Depends(principal)]
MaybeCaller = Annotated[Principal | None, Depends(maybe_principal)]
