"""Requests handed straight to an ASGI app, in this process, with no socket and no client
library: what is timed is the server's own work per request (routing, middleware,
validation, the endpoint, the response), which is what a ratio between two apps measured
in one run should compare.

Both sides of a comparison are driven the same way by the same loop, so the driver's own
small cost is paid alike.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Message

# A request: method, path, headers, body.
Request = tuple[str, str, Mapping[str, str], bytes]
# Which request to send as call number `index`.
Requests = Callable[[int], Request]


class UnexpectedAnswer(Exception):
    """The app answered a timed request with a status the measurement did not expect."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


async def send_request(app: ASGIApp, request: Request) -> Answer:
    method, path, headers, body = request
    path_only, _, query = path.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"host", b"bench"),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
            *([(b"content-length", str(len(body)).encode())] if body else []),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Answer(status, b"".join(chunks))


@dataclass(frozen=True)
class Timing:
    """One run of `count` requests by `clients` concurrent callers."""

    count: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000


async def _drive(
    app: ASGIApp, requests: Requests, first: int, count: int, clients: int, expect: Sequence[int]
) -> Timing:
    latencies: list[float] = []
    next_index = first

    async def client() -> None:
        nonlocal next_index
        while next_index < first + count:
            index = next_index
            next_index += 1
            began = perf_counter()
            answer = await send_request(app, requests(index))
            latencies.append(perf_counter() - began)
            if answer.status not in expect:
                raise UnexpectedAnswer(f"{answer.status}: {answer.body[:300]!r}")

    gc.collect()
    started = perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Timing(count, perf_counter() - started, tuple(latencies))


def drive(
    app: ASGIApp,
    requests: Requests,
    *,
    first: int,
    count: int,
    warmup: int,
    clients: int = 1,
    expect: Sequence[int] = (200,),
) -> Timing:
    """Calls ``first`` .. ``first + warmup`` untimed, then the next ``count`` timed, on one
    event loop, ``clients`` at a time (sync endpoints run in the thread pool, as under
    uvicorn)."""

    async def both() -> Timing:
        await _drive(app, requests, first, warmup, clients, expect)
        return await _drive(app, requests, first + warmup, count, clients, expect)

    return asyncio.run(both())
