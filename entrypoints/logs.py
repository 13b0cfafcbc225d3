"""Logging, configured once per process: for ``spotlight serve`` (and each of its worker
processes), ``spotlight worker`` and every other command.

Lines go to stderr, as JSON objects (one a line: ``time``, ``level``, ``logger``,
``message``, ``request_id`` and the fields a line adds) when stderr is not a terminal, and as
readable lines when it is; SPOTLIGHT_LOG_FORMAT=json|text forces either. A request's id is
kept in a context variable for as long as the request is served (threads included: the
routes' threads run in a copy of the request's context), and every line logged meanwhile
carries it.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

#: The id of the request being served, None outside a request (the background threads).
REQUEST_ID: ContextVar[str | None] = ContextVar("spotlight_request_id", default=None)
#: An incoming ``X-Request-Id`` is kept when it is this: bounded, and safe in a log or header.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(header: bytes | None) -> str:
    """The caller's id when it is acceptable, otherwise a new one."""
    if header is not None:
        text = header.decode("latin-1")
        if _ACCEPTED_ID.fullmatch(text):
            return text
    return secrets.token_hex(16)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class _ReadableFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request = f" [{request_id}]" if request_id else ""
        return super().format(record)


def _json_formatter() -> logging.Formatter:
    # "time": ISO 8601 in UTC, to the microsecond.
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


class _SpotlightHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_logging`` installs; a second call replaces it. Without a
    stream of its own it writes to whatever ``sys.stderr`` is when a line is written."""

    def __init__(self, stream: TextIO | None) -> None:
        logging.Handler.__init__(self)  # not StreamHandler's, which would fix sys.stderr
        self._own = stream

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self._own is None else self._own

    @stream.setter
    def stream(self, stream: TextIO) -> None:
        self._own = stream


def configure_logging(
    form: str = "auto", level: str = "info", stream: TextIO | None = None
) -> logging.Handler:
    """One handler on the root logger, writing to ``stream`` (stderr) in ``form`` (auto,
    json or text) from ``level`` up; answers it (tests remove it when done)."""
    if form == "auto":
        form = "text" if (sys.stderr if stream is None else stream).isatty() else "json"
    handler = _SpotlightHandler(stream)
    handler.setFormatter(_json_formatter() if form == "json" else _ReadableFormatter())
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _SpotlightHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
