"""Entity tags for every versioned answer, and conditional reads.

An answer that carries a resource's ``version`` carries it as its ``ETag`` too (``"3"``),
whichever route made it: a route may set it itself (``tag_response``), and otherwise this
middleware reads it from the body, for each route whose response model has a ``version``
field, so a route added later is tagged as well. A GET sent with ``If-None-Match`` naming
the tag the answer would carry is answered 304 Not Modified, without a body (RFC 9110,
13.1.2): the weak comparison applies (``W/"3"`` matches ``"3"``), and ``*`` matches any
tagged answer.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.versions import etag

READS = frozenset({"GET", "HEAD"})
#: The headers a 304 keeps (RFC 9110, 15.4.5) besides the service's own: the rest describe a
#: body it does not have.
KEPT = frozenset({b"etag", b"cache-control", b"vary", b"date", b"expires", b"x-request-id"})


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def matches(if_none_match: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` list names this entity tag (weak comparison)."""
    tags = [_opaque(held) for held in if_none_match.split(",") if held.strip()]
    return "*" in tags or _opaque(tag) in tags


def versioned(scope: Scope) -> bool:
    """Whether the matched route answers a model with a ``version`` field."""
    route = scope.get("route")
    model: Any = getattr(route, "response_model", None) if isinstance(route, APIRoute) else None
    return "version" in getattr(model, "model_fields", {})


def _version_of(body: bytes) -> int | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


class EntityTags:
    """ASGI middleware: an ETag on each versioned answer; 304 for a read the client holds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held = Headers(scope=scope).get("if-none-match") if scope["method"] in READS else None
        start: Message | None = None
        chunks: list[bytes] = []

        async def tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                success = 200 <= message["status"] < 300
                if success and "etag" not in Headers(raw=message["headers"]) and versioned(scope):
                    start = message  # held until the body says its version
                    return
                await _send_start(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            version = _version_of(body)
            if version is not None:
                MutableHeaders(scope=start)["ETag"] = etag(version)
            first, start = start, None
            if await _send_start(first):
                await send({"type": "http.response.body", "body": body, "more_body": False})

        unmodified = False

        async def _send_start(message: Message) -> bool:
            """Sends the start of the answer, or of a 304; whether its body follows."""
            nonlocal unmodified
            tag = Headers(raw=message["headers"]).get("etag")
            if held is not None and message["status"] == 200 and tag and matches(held, tag):
                unmodified = True
                kept = [
                    (key, value)
                    for key, value in message["headers"]
                    if key.lower() in KEPT or key.lower().startswith(b"spotlight-")
                ]
                await send({**message, "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return False
            await send(message)
            return True

        async def answered(message: Message) -> None:
            if unmodified and message["type"] == "http.response.body":
                return  # the 304 has no body, and was ended when it started
            await tagged(message)

        await self.app(scope, receive, answered)
