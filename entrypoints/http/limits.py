"""The one cap on every request body, before any route reads it.

A body declared larger than the cap (``Content-Length``) is refused before a byte of it is
read; a body without a length (chunked) is counted as it streams in and refused as soon as
it passes the cap. Either way the answer is 413 ``payload-too-large`` and no route runs
its use case. JSON and any other body get ``SPOTLIGHT_MAX_JSON_KB``; multipart forms get
the largest form any route takes (the routes refuse more precisely, per file).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import problem_response

#: What a multipart envelope (boundaries, part headers, text fields) adds to its files.
MULTIPART_ENVELOPE = 64 * 1024


class BodyLimit:
    """ASGI middleware: 413 for a body over ``json_bytes`` (``multipart_bytes`` for
    multipart/form-data)."""

    def __init__(self, app: ASGIApp, *, json_bytes: int, multipart_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.multipart_bytes = multipart_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.lower(): value for key, value in scope["headers"]}
        content_type = headers.get(b"content-type", b"").lower()
        multipart = content_type.startswith(b"multipart/form-data")
        cap = self.multipart_bytes if multipart else self.json_bytes
        kind = "a multipart form" if multipart else "a request body"
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > cap:
            refusal = problem_response(
                413,
                "payload-too-large",
                "Payload too large",
                f"{kind} has {int(declared):,} bytes; the limit is {cap:,}",
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, _counting(receive, cap, kind), send)


def _counting(receive: Receive, cap: int, kind: str) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                # Raised inside the route's read of the body: the problem handlers answer.
                raise HTTPException(413, f"{kind} is over the limit of {cap:,} bytes")
        return message

    return counted
