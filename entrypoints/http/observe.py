"""What operators see of each request: its id, an access log line and its metrics; and
``GET /metrics`` itself.

Each request gets an id: the caller's ``X-Request-Id`` when it is acceptable (at most 128
letters, digits and ``.-_:``), else a new one. It is kept in ``entrypoints.logs.REQUEST_ID``
while the request is served, so every line logged meanwhile carries it, and returned in the
answer's ``X-Request-Id``. Once answered, the request is logged on ``spotlight.access``
(method, route template, status, duration; never the path's values, a token, a body or an
address) and counted in ``entrypoints.metrics``.

``/metrics`` answers loopback clients only, unless SPOTLIGHT_METRICS_TOKEN is set: then it
answers whoever sends it as a bearer token, from anywhere (ARCHITECTURE.md, Decisions).
"""

from __future__ import annotations

import hmac
import logging
from ipaddress import ip_address
from time import perf_counter

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import problem_response
from entrypoints.http.security import Core
from entrypoints.logs import REQUEST_ID, request_id_from
from entrypoints.metrics import CONTENT_TYPE, REQUEST_SECONDS, REQUESTS, exposition

HEADER = "X-Request-Id"
_HEADER_KEY = b"x-request-id"
UNROUTED = "unrouted"
access = logging.getLogger("spotlight.access")


class Observed:
    """ASGI middleware, the outermost: request id, access log line, request metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        base = scope.get("root_path", "")
        given = next((value for key, value in scope["headers"] if key == _HEADER_KEY), None)
        request_id = request_id_from(given)
        header = (_HEADER_KEY, request_id.encode("latin-1"))
        token = REQUEST_ID.set(request_id)
        status = 500

        async def identified(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, identified)
        finally:
            seconds = perf_counter() - started
            method = scope["method"]
            route = self._route(scope, base)
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(seconds)
            if access.isEnabledFor(logging.INFO):
                milliseconds = round(seconds * 1000, 2)
                access.info(
                    "%s %s %d %.2f ms",
                    method,
                    route,
                    status,
                    milliseconds,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": milliseconds,
                    },
                )
            REQUEST_ID.reset(token)

    @staticmethod
    def _route(scope: Scope, base: str) -> str:
        """The template of the route that answered: a mounted app's (static assets, the API
        docs' files) is its mount with ``/{path}``, as the router extends ``root_path``. A
        request answered before routing (a refusal of the rate limits or the body cap, which
        must stay cheap) or by no route (404) has none."""
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        mounted = scope.get("root_path", "")
        if isinstance(mounted, str) and mounted.startswith(base) and mounted != base:
            return f"{mounted[len(base) :]}/{{path}}"
        return UNROUTED


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def install_observation(app: FastAPI) -> None:
    """The middleware (call it after every other ``add_middleware``: it must be outermost)
    and ``GET /metrics``."""
    app.add_middleware(Observed)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request, running: Core) -> Response:
        """Prometheus metrics in its text format."""
        expected = running.settings.metrics_token
        if expected is None:
            if not _loopback(request):
                return problem_response(
                    403,
                    "metrics-loopback-only",
                    "Metrics are for loopback clients",
                    "set SPOTLIGHT_METRICS_TOKEN to read /metrics from elsewhere",
                )
        else:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), expected.encode()
            ):
                return problem_response(
                    401,
                    "metrics-token-required",
                    "The metrics token is required",
                    "send SPOTLIGHT_METRICS_TOKEN as a bearer token",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(
            exposition(running.projections, running.webhooks.counts), media_type=CONTENT_TYPE
        )
