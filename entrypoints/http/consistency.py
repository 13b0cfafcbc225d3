"""Reading one's own writes over HTTP.

Every successful command (any method but GET and HEAD) answers with ``Spotlight-Positions``:
each log's last position once the command is recorded (``catalogue=12,music=0,revenue=40,
inbox=3``), an upper bound of the command's own. A read that sends those positions back as
``Spotlight-After`` (all of them, or the logs it cares about) waits, at most
SPOTLIGHT_READ_WAIT_MS, until every read model following those logs has passed them, and
then answers; if it gave up waiting it still answers, from the read models as they stand,
with ``Spotlight-Lag``: the events they still miss. The waiting itself is the runner's
(``ProjectionRunner.wait_for``); this module only reads and writes the headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.projections import ProjectionRunner
from entrypoints.http.problems import MEDIA_TYPE, SCHEMA_REF, problem_response

POSITIONS = "Spotlight-Positions"
AFTER = "Spotlight-After"
LAG = "Spotlight-Lag"
READS = frozenset({"GET", "HEAD"})
_ENTRY = re.compile(r"\s*([a-z][a-z0-9_-]*)\s*=\s*([0-9]{1,18})\s*")


class MalformedPositions(ValueError):
    """A Spotlight-After header that is not ``log=position`` pairs separated by commas."""


def format_positions(positions: Mapping[str, int]) -> str:
    return ",".join(f"{log}={position}" for log, position in positions.items())


def parse_positions(text: str, logs: tuple[str, ...]) -> dict[str, int]:
    """``catalogue=12,revenue=40`` -> {"catalogue": 12, "revenue": 40}, for logs in ``logs``."""
    positions: dict[str, int] = {}
    for entry in text.split(","):
        matched = _ENTRY.fullmatch(entry)
        if matched is None:
            raise MalformedPositions(
                f"{AFTER}: {entry.strip()!r} is not log=position (e.g. revenue=40)"
            )
        log, position = matched.group(1), int(matched.group(2))
        if log not in logs:
            raise MalformedPositions(
                f"{AFTER}: no log named {log!r}; the logs are {', '.join(logs)}"
            )
        if log in positions:
            raise MalformedPositions(f"{AFTER}: {log} is named twice")
        positions[log] = position
    return positions


class ReadYourWrites:
    """ASGI middleware: positions on the answers of commands, waiting on reads that ask."""

    def __init__(self, app: ASGIApp, *, runner: ProjectionRunner, wait_seconds: float) -> None:
        self.app = app
        self.runner = runner
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in READS:
            await self._read(scope, receive, send)
        else:
            await self._command(scope, receive, send)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = [value for key, value in scope["headers"] if key.lower() == b"spotlight-after"]
        if not asked:
            await self.app(scope, receive, send)
            return
        try:
            after = parse_positions(b",".join(asked).decode("latin-1"), self.runner.log_names())
        except MalformedPositions as error:
            refusal = problem_response(
                400, "malformed-positions", "Malformed positions", str(error)
            )
            await refusal(scope, receive, send)
            return
        # The wait blocks on the store: off the event loop, like every route's work.
        lag = await anyio.to_thread.run_sync(self._wait, after)
        if lag == 0:
            await self.app(scope, receive, send)
            return

        async def lagging(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[LAG] = str(lag)
            await send(message)

        await self.app(scope, receive, lagging)

    def _wait(self, after: Mapping[str, int]) -> int:
        return self.runner.wait_for(after, seconds=self.wait_seconds)

    async def _command(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def positioned(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                # Read after the command is recorded, so at or past its own positions.
                ends = await anyio.to_thread.run_sync(self.runner.ends)
                MutableHeaders(scope=message)[POSITIONS] = format_positions(ends)
            await send(message)

        await self.app(scope, receive, positioned)


def document_read_your_writes(app: FastAPI, logs: tuple[str, ...]) -> None:
    """The middleware answers every operation of the app, out of FastAPI's sight: the OpenAPI
    says so per operation. Each read (GET) takes ``Spotlight-After``, may answer with
    ``Spotlight-Lag``, and refuses a malformed header with 400; each command's success
    carries ``Spotlight-Positions``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        spec = generate()
        if fresh:
            _document_headers(spec, logs)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _document_headers(spec: dict[str, Any], logs: tuple[str, ...]) -> None:
    named = "|".join(re.escape(log) for log in logs)
    entry = rf"\s*({named})\s*=\s*[0-9]{{1,18}}\s*"
    example = ",".join(f"{log}={12 * (n + 1)}" for n, log in enumerate(logs))
    positions = {
        "description": (
            "Each log's last position once the command is recorded; send it back as "
            f"`{AFTER}` to read your writes."
        ),
        "schema": {"type": "string", "example": example},
    }
    lag = {
        "description": (
            f"Only when the read gave up waiting for `{AFTER}`: the events the read models "
            "still missed."
        ),
        "schema": {"type": "integer", "minimum": 1},
    }
    after = {
        "name": AFTER,
        "in": "header",
        "required": False,
        "description": (
            f"The `{POSITIONS}` of a command you sent (all its logs or some): the read waits, "
            "a bounded time, until the read models have passed them."
        ),
        "schema": {"type": "string", "pattern": f"^{entry}(,{entry})*$", "example": example},
    }
    malformed = {
        "description": f"`{AFTER}` is not `log=position` pairs of known logs, each named once.",
        "content": {MEDIA_TYPE: {"schema": {"$ref": SCHEMA_REF + "Problem"}}},
    }
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            read = method.upper() in READS
            if read:
                operation.setdefault("parameters", []).append(after)
                operation["responses"].setdefault("400", malformed)
            for status, response in operation.get("responses", {}).items():
                if status.startswith("2"):
                    response.setdefault("headers", {})[LAG if read else POSITIONS] = (
                        lag if read else positions
                    )
