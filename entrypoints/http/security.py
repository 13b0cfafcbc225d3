"""Who is calling: the bearer token becomes a Principal, or the request is refused with 401."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.auth import InvalidToken, Principal
from entrypoints.bootstrap import Spotlight

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `spotlight token`, or a JWT of a configured identity provider.",
)


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
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise InvalidToken("send 'Authorization: Bearer <token>'")
    # The rate limits verified this request's token already when it was valid.
    verified = getattr(request.state, "principal", None)
    if isinstance(verified, Principal):
        return verified
    return spotlight(request).verifier.verify(credentials.credentials)


Core = Annotated[Spotlight, Depends(running_core)]
Caller = Annotated[Principal, Depends(principal)]
