"""Rate limits: every request is counted against its caller and its client address, abusable
flows against a limit of their own, and an address that keeps sending bad tokens is locked
out for a while. One middleware, installed by ``create_app``; limits come from
``Settings.rate_limits`` and counts live in ``Settings.rate_limit_storage`` (memory of this
process, or a Redis shared by every process of the service).

A refused request is answered 429 ``rate-limited`` with ``Retry-After`` and reaches no use
case, so nothing is stored. Should the shared storage be unreachable, requests are let
through (and the failure logged): rate limits protect the service, they must not stop it.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs
from fastapi import FastAPI, Request, Response
from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.auth import InvalidToken, TokenVerifier
from entrypoints.http.problems import problem_response
from entrypoints.metrics import RATE_LIMIT_REFUSALS
from entrypoints.settings import NO_LIMIT, Settings

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The abusable flows: (method, route path) -> the flow whose limit applies, per caller.
FLOWS: dict[tuple[str, str], str] = {
    ("POST", "/v1/clicks"): "clicks",
    ("POST", "/v1/call-to-action-clicks"): "call-to-action-clicks",
    ("POST", "/v1/engagement"): "engagement",
    ("POST", "/v1/pulse/impressions"): "impressions",
    ("POST", "/v1/rounds/{round_id}/ballots"): "votes",
    ("POST", "/v1/listings/{listing_id}/reports"): "counterfeit-reports",
    ("POST", "/v1/sessions"): "sign-in",
}
UNAUTHENTICATED = 401
# Matched on the raw path: the middleware runs before routing.
_FLOW_PATHS = [
    (method, re.compile("^" + re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(path)) + "$"), flow)
    for (method, path), flow in FLOWS.items()
]


@attrs.frozen
class Refusal:
    flow: str
    limit: str
    retry_after: int


class RateLimits:
    """The counting: which limits a request falls under and whether it is within them."""

    def __init__(self, storage: Storage, limits: Mapping[str, str]) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits: dict[str, list[RateLimitItem]] = {
            flow: parse_many(limit) for flow, limit in limits.items() if limit != NO_LIMIT
        }

    @classmethod
    def of(cls, settings: Settings) -> RateLimits:
        return cls(settings.limits_storage(), settings.rate_limits)

    def locked_out(self, address: str) -> Refusal | None:
        """The address used up its bad tokens: refused until its window lets it in."""
        for item in self._limits.get("bad-tokens", ()):
            if not self._limiter.test(item, "bad-tokens", address):
                return self._refusal("bad-tokens", item, address)
        return None

    def admit(self, counted: list[tuple[str, str]]) -> Refusal | None:
        """Counts one request against each (flow, identity); the first exhausted refuses."""
        for flow, identity in counted:
            for item in self._limits.get(flow, ()):
                if not self._limiter.hit(item, flow, identity):
                    return self._refusal(flow, item, identity)
        return None

    def bad_token(self, address: str) -> None:
        for item in self._limits.get("bad-tokens", ()):
            self._limiter.hit(item, "bad-tokens", address)

    def _refusal(self, flow: str, item: RateLimitItem, identity: str) -> Refusal:
        reset = self._limiter.get_window_stats(item, flow, identity).reset_time
        return Refusal(flow, str(item), max(1, math.ceil(reset - time.time())))


def _flow(request: Request) -> str | None:
    path = request.url.path
    return next(
        (
            flow
            for method, pattern, flow in _FLOW_PATHS
            if method == request.method and pattern.match(path)
        ),
        None,
    )


def _caller(request: Request, tokens: TokenVerifier) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        verified = tokens.verify(token.strip())
    except InvalidToken:
        return None
    # The route's dependency takes the principal from here instead of verifying again.
    request.state.principal = verified
    return verified.label


def _too_many(refusal: Refusal) -> Response:
    return problem_response(
        429,
        "rate-limited",
        "Too many requests",
        f"the {refusal.flow} limit ({refusal.limit}) is used up; retry in {refusal.retry_after} s",
        headers={"Retry-After": str(refusal.retry_after)},
        flow=refusal.flow,
    )


def install_rate_limits(app: FastAPI, settings: Settings, tokens: TokenVerifier) -> None:
    app.add_middleware(
        RateLimited,
        limits=RateLimits.of(settings),
        tokens=tokens,
        # A Redis round trip blocks, so it is made off the event loop; counting in this
        # process's memory takes microseconds, less than the hop to a thread would.
        blocking=not settings.rate_limit_storage.startswith("memory:"),
    )


class RateLimited:
    """ASGI middleware: counts each request before the app sees it, and answers 429 for
    one past a limit; an answer 401 counts against its address's bad tokens.

    Plain ASGI rather than ``@app.middleware("http")``, whose wrapping of every request
    in a task group and streams cost more than the counting itself."""

    def __init__(
        self, app: ASGIApp, *, limits: RateLimits, tokens: TokenVerifier, blocking: bool
    ) -> None:
        self.app = app
        self.limits = limits
        self.tokens = tokens
        self.blocking = blocking

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            refusal = await self._run(self._before, request)
        except Exception:  # the storage is down: admit, and say so
            log.exception("rate limits unavailable; the request is admitted")
            refusal = None
        if refusal is not None:
            RATE_LIMIT_REFUSALS.labels(flow=refusal.flow).inc()
            await _too_many(refusal)(scope, receive, send)
            return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watched)
        if status == UNAUTHENTICATED:
            try:
                await self._run(self._after, request)
            except Exception:
                log.exception("rate limits unavailable; a bad token went uncounted")

    async def _run(self, work: Callable[[Request], _T], request: Request) -> _T:
        if self.blocking:
            return await run_in_threadpool(work, request)
        return work(request)

    def _before(self, request: Request) -> Refusal | None:
        address = _address(request)
        refusal = self.limits.locked_out(address)
        if refusal is not None:
            return refusal
        caller = _caller(request, self.tokens)
        counted = [("address", address)]
        if caller is not None:
            counted.append(("principal", caller))
        flow = _flow(request)
        if flow is not None:
            counted.append((flow, caller or f"address:{address}"))
        return self.limits.admit(counted)

    def _after(self, request: Request) -> None:
        self.limits.bad_token(_address(request))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
