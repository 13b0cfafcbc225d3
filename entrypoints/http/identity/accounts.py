"""Built-in accounts over HTTP: sign-up, sign-in (bearer tokens or a cookie session),
refresh, role switch, sign-out; an admin's grants, revocations and verifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from application.auth import Role
from application.identity.accounts import MAX_PASSWORD, MIN_PASSWORD, AccountView, SessionTokens
from domain.identity.accounts import SELF_SERVICE_ROLES, Verification
from domain.identity.sessions import SessionKind
from entrypoints.http.problems import documented
from entrypoints.http.schemas import Account, AccountPath, Strict
from entrypoints.http.security import (
    Bearer,
    Caller,
    Core,
    clear_session_cookies,
    current_session,
    set_session_cookies,
)
from entrypoints.http.versions import set_location

router = APIRouter(tags=["identity"])

UNAUTHENTICATED = (401, "`unauthenticated`: no valid token or session cookie")
FORBIDDEN = (403, "`forbidden`; `csrf-token-missing` for a cookie session without its token")
INVALID = (422, "`validation-error` or `invalid-value`")
ADMIN_ANSWERS = documented(
    UNAUTHENTICATED,
    FORBIDDEN,
    (404, "`not-found`: no such account"),
    (409, "`rule-violated`: the role is held already, or not held"),
    INVALID,
)
SESSION_ANSWERS = documented(
    (
        401,
        "`unauthenticated`: the refresh token is unknown, spent (the session is then "
        "revoked) or its session has ended",
    ),
    INVALID,
)

Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD,
        max_length=MAX_PASSWORD,
        examples=["correct horse battery"],
        description="Kept only as its argon2 hash.",
    ),
]
SelfServiceRole = Literal["viewer", "creator", "artist", "brand", "seller", "studio"]
assert set(SelfServiceRole.__args__) == set(SELF_SERVICE_ROLES)  # type: ignore[attr-defined]
Reason = Annotated[str, Field(min_length=1, max_length=500, examples=["vetted by trust"])]


class SignUpBody(Strict):
    name: Account
    password: Password
    role: SelfServiceRole = Field(description="The first role you act in.")


class SignInBody(Strict):
    name: Account
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    role: Role | None = Field(default=None, description="The role to act in (default: your first).")
    cookie: bool = Field(
        default=False,
        description="A cookie session for web pages instead of a refresh token: the "
        "answer sets `spotlight_session` (HttpOnly) and `spotlight_csrf`.",
    )


class RefreshBody(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class SwitchBody(RefreshBody):
    role: Role


class TakeRoleBody(Strict):
    role: SelfServiceRole


class GrantBody(Strict):
    role: Role
    reason: Reason


class VerificationBody(Strict):
    verification: Verification
    reference: str = Field(
        min_length=1,
        max_length=300,
        examples=["title 3f1c... (Dune)"],
        description="What is verified.",
    )
    reason: Reason


class VerifiedOut(BaseModel):
    verification: str
    reference: str


class AccountOut(BaseModel):
    name: str
    roles: list[Role]
    verified: list[VerifiedOut]
    version: int

    @classmethod
    def of(cls, view: AccountView) -> AccountOut:
        return cls(
            name=view.name,
            roles=list(view.roles),
            verified=[VerifiedOut(verification=v, reference=r) for v, r in view.verified],
            version=view.version,
        )


class SessionOut(BaseModel):
    session: str
    role: Role
    subject: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the scheme, not a secret)
    access_token: str = Field(description="Send as `Authorization: Bearer ...`.")
    access_expires_at: datetime
    expires_at: datetime = Field(description="When the session ends at the latest.")
    refresh_token: str | None = Field(
        default=None, description="Exchange it once for new tokens; shown only here."
    )
    csrf_token: str | None = Field(
        default=None, description="A cookie session's token for `X-CSRF-Token`."
    )


def _answer(core: Core, tokens: SessionTokens, response: Response) -> SessionOut:
    out = SessionOut(
        session=tokens.session,
        role=tokens.role,
        subject=tokens.subject,
        access_token=tokens.access_token,
        access_expires_at=tokens.access_expires_at,
        expires_at=tokens.expires_at,
        refresh_token=tokens.refresh_token,
    )
    if tokens.cookie is not None:
        out.csrf_token = set_session_cookies(response, core, tokens)
    response.headers["Cache-Control"] = "no-store"
    return out


@router.post(
    "/v1/accounts",
    response_model=AccountOut,
    status_code=status.HTTP_201_CREATED,
    responses=documented((409, "`account-exists`: the name is taken"), INVALID),
)
def sign_up(body: SignUpBody, core: Core, response: Response) -> AccountOut:
    """Open an account in one of the roles anyone may take; 409 `account-exists` when the
    name is taken. Powerful roles are granted by an admin."""
    opened = AccountOut.of(core.accounts.sign_up(body.name, body.password, Role(body.role)))
    set_location(response, "accounts", body.name)
    return opened


@router.post(
    "/v1/sessions",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
    responses=documented(
        (401, "`sign-in-refused`: wrong name or password, or a role the account lacks"),
        INVALID,
        (429, "`rate-limited`: too many failed sign-ins (`Retry-After`)"),
    ),
)
def sign_in(body: SignInBody, core: Core, response: Response) -> SessionOut:
    """Sign in, acting in one of your roles: an access token (15 minutes) and a refresh
    token (the session lasts 30 days), or a cookie session (7 days). Wrong name or password:
    401 `sign-in-refused`; too many failures for the account: 429 with `Retry-After` (and
    failures count against the address like bad tokens)."""
    kind = SessionKind.COOKIE if body.cookie else SessionKind.BEARER
    tokens = core.accounts.sign_in(body.name, body.password, role=body.role, kind=kind)
    set_location(response, "me")  # who the new session acts as
    return _answer(core, tokens, response)


@router.post("/v1/sessions/refresh", response_model=SessionOut, responses=SESSION_ANSWERS)
def refresh(body: RefreshBody, core: Core, response: Response) -> SessionOut:
    """Exchange the refresh token for new tokens (the old one is spent). A spent refresh
    token presented again revokes the session and all its tokens: 401."""
    return _answer(core, core.accounts.refresh(body.refresh_token), response)


@router.post(
    "/v1/sessions/switch",
    response_model=SessionOut,
    responses={**SESSION_ANSWERS, **documented((403, "`forbidden`: a role you do not hold"))},
)
def switch(body: SwitchBody, core: Core, response: Response) -> SessionOut:
    """Act in another of your roles: this session ends and one in that role starts."""
    return _answer(core, core.accounts.switch(body.refresh_token, body.role), response)


@router.post(
    "/v1/sessions/sign-out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=documented(
        UNAUTHENTICATED, FORBIDDEN, (422, "`invalid-value`: the token has no session")
    ),
)
def sign_out(request: Request, credentials: Bearer, core: Core, caller: Caller) -> Response:
    """End the session of the token (or cookie) that calls: its refresh token, cookie and
    access tokens are refused from now on. A token the operator issued has no session: 422."""
    core.accounts.sign_out(current_session(request, credentials))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


@router.get(
    "/v1/accounts/{account_name}",
    response_model=AccountOut,
    responses=documented(UNAUTHENTICATED, FORBIDDEN, (404, "`not-found`"), INVALID),
)
def read_account(account_name: AccountPath, core: Core, caller: Caller) -> AccountOut:
    """An account's roles and verified identities: its owner (acting in any role it holds),
    admins, auditors."""
    return AccountOut.of(core.accounts.account(caller, account_name))


@router.post(
    "/v1/me/roles",
    response_model=AccountOut,
    responses=documented(
        UNAUTHENTICATED,
        FORBIDDEN,
        (404, "`not-found`: you have no built-in account acting in this role"),
        (409, "`rule-violated`: you hold the role already"),
        INVALID,
    ),
)
def take_role(body: TakeRoleBody, core: Core, caller: Caller) -> AccountOut:
    """Take one more of the roles anyone may take, then sign in (or switch) to act in it."""
    return AccountOut.of(core.accounts.take_role(caller, Role(body.role)))


@router.post(
    "/v1/accounts/{account_name}/roles", response_model=AccountOut, responses=ADMIN_ANSWERS
)
def grant(account_name: AccountPath, body: GrantBody, core: Core, caller: Caller) -> AccountOut:
    """An admin grants a role (reviewer, judge, admin and auditor only so), recorded with
    the reason; 409 when it is held already."""
    return AccountOut.of(core.accounts.grant(caller, account_name, body.role, reason=body.reason))


@router.post(
    "/v1/accounts/{account_name}/revoked-roles", response_model=AccountOut, responses=ADMIN_ANSWERS
)
def revoke(account_name: AccountPath, body: GrantBody, core: Core, caller: Caller) -> AccountOut:
    """An admin takes a role away, with the reason; sessions acting in it end at their next
    refresh."""
    return AccountOut.of(core.accounts.revoke(caller, account_name, body.role, reason=body.reason))


@router.post(
    "/v1/accounts/{account_name}/verifications", response_model=AccountOut, responses=ADMIN_ANSWERS
)
def verify(
    account_name: AccountPath, body: VerificationBody, core: Core, caller: Caller
) -> AccountOut:
    """An admin records a verified identity: a studio owning a title, an artist's badge, a
    brand's company."""
    view = core.accounts.verify(
        caller, account_name, body.verification, body.reference, reason=body.reason
    )
    return AccountOut.of(view)
