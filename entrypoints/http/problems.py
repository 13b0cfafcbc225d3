"""Errors as RFC 9457 problem documents with stable type URIs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import InterfaceError as LogInterfaceError
from eventsourcing.persistence import OperationalError as LogOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.auth import InvalidToken
from application.business.campaigns import AlreadyInvited, HashtagTaken
from application.errors import AgeRestricted, Gone, NotFound, NotPermitted, StaleVersion
from application.identity.accounts import AccountExists, SignInRefused, TooManyAttempts
from application.media import DecodersBusy, MediaOverBudget, MediaTooLarge, UnreadableMedia
from application.music.music import ArtistExists
from application.projections import ProjectionFailed
from application.revenue.creators import CreatorExists
from application.revenue.ledger_read_model import PostingLineNotStorable
from application.revenue.pulse import EnrolmentExists
from application.shop.payments import PaymentDeclined
from application.shop.shop import SellerExists
from domain.errors import InvalidValue, RuleViolated
from entrypoints.http.security import CsrfRefused

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:spotlight:problem:"
SCHEMA_REF = "#/components/schemas/"

E = TypeVar("E", bound=Exception)


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None


class ProblemDocument(BaseModel):
    """The body of every refusal, as documented in the OpenAPI; extension members (such as
    ``current_version`` or ``rule``) may follow."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


#: The extension members some refusals add, documented as optional (never sent as null).
EXTENSION_MEMBERS: Mapping[str, Any] = {
    "rule": {
        "type": "string",
        "description": "`rule-violated`: the business rule refused, by name (e.g. `OutOfStock`).",
    },
    "current_version": {
        "type": ["integer", "null"],
        "description": "`stale-version`: the version stored now (null when a concurrent write "
        "won the race).",
    },
    "flow": {
        "type": "string",
        "description": "`rate-limited`: the limit used up (e.g. `votes`, `address`).",
    },
}


class Problem(Exception):
    """Raised by routers for HTTP-level failures that have no domain meaning."""

    def __init__(self, status: int, slug: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": TYPE_PREFIX + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


_STATUS_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not permitted"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    411: ("length-required", "Length required"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    428: ("precondition-required", "If-Match required"),
    422: ("validation-error", "Invalid request"),
}


def documented(*answers: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """An operation's ``responses``: the problem documents it answers with, and why."""
    return {
        status: {
            "description": why,
            "content": {MEDIA_TYPE: {"schema": {"$ref": SCHEMA_REF + "Problem"}}},
        }
        for status, why in answers
    }


def _document_refusals(spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemDocument.model_json_schema(ref_template=SCHEMA_REF + "{model}")
    schemas.update(problem.pop("$defs", {}))
    problem["properties"].update(EXTENSION_MEMBERS)
    schemas["Problem"] = problem
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            # Every operation may answer 422: an unknown query parameter is refused.
            refused = operation.setdefault("responses", {}).setdefault("422", {})
            refused["description"] = "Invalid request or value"
            refused["content"] = {MEDIA_TYPE: {"schema": {"$ref": SCHEMA_REF + "Problem"}}}
    # FastAPI's own 422 body, which the handlers below never send.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


def _document_problems(app: FastAPI) -> None:
    """FastAPI documents each 422 as its own ``{"detail": [...]}`` in application/json; the
    handlers answer with a problem document, so the OpenAPI says that instead (clients and the
    schema fuzzing in tests/fuzz check answers against it)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_refusals(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


@dataclass(frozen=True)
class Refusal(Generic[E]):
    """How one kind of exception is answered. The status, type and title are fixed per kind
    unless ``answer`` reads them from the error itself (a router's ``Problem``, Starlette's
    own HTTP errors); the detail defaults to the error's message."""

    status: int = 0
    slug: str = ""
    title: str = ""
    detail: Callable[[E], str] = str
    members: Callable[[E], Mapping[str, Any]] = lambda _error: {}
    headers: Callable[[E], Mapping[str, str] | None] = lambda _error: None
    answer: Callable[[E], tuple[int, str, str]] | None = None

    def __post_init__(self) -> None:
        if (self.answer is None) == (self.status == 0):
            raise ValueError("a refusal has either a fixed status, type and title or an answer")

    def respond(self, error: E) -> JSONResponse:
        status, slug, title = (
            (self.status, self.slug, self.title) if self.answer is None else self.answer(error)
        )
        return problem_response(
            status,
            slug,
            title,
            self.detail(error),
            headers=self.headers(error),
            **self.members(error),
        )


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type")}
        for item in error.errors()
    ]


def _first_field_error(error: RequestValidationError) -> str:
    errors = _field_errors(error)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _invalid_or_unconditional(error: RequestValidationError) -> tuple[int, str, str]:
    """A write that requires ``If-Match`` and came without it is 428 (RFC 6585), not a 422."""
    missing = [tuple(item.get("loc", ())) for item in error.errors()]
    if (
        missing
        and all(loc == ("header", "if-match") for loc in missing)
        and all(item.get("type") == "missing" for item in error.errors())
    ):
        return 428, "precondition-required", "If-Match required"
    return 422, "validation-error", "Invalid request"


def _by_status(error: StarletteHTTPException) -> tuple[int, str, str]:
    slug, title = _STATUS_SLUGS.get(error.status_code, ("http-error", "HTTP error"))
    return error.status_code, slug, title


#: Every exception that reaches a client, and its answer. Starlette picks the entry of the
#: nearest class in the error's MRO, so a subclass listed here wins over its base.
REFUSALS: Mapping[type[Exception], Refusal[Any]] = {
    Problem: Refusal[Problem](
        detail=lambda error: error.detail,
        answer=lambda error: (error.status, error.slug, error.title),
    ),
    RequestValidationError: Refusal[RequestValidationError](
        detail=_first_field_error,
        members=lambda error: {"errors": _field_errors(error)},
        answer=_invalid_or_unconditional,
    ),
    StarletteHTTPException: Refusal[StarletteHTTPException](
        detail=lambda error: str(error.detail),
        headers=lambda error: error.headers,
        answer=_by_status,
    ),
    InvalidValue: Refusal(422, "invalid-value", "Invalid value"),
    RuleViolated: Refusal[RuleViolated](
        409,
        "rule-violated",
        "Refused by a business rule",
        members=lambda error: {"rule": type(error).__name__},
    ),
    InvalidToken: Refusal[InvalidToken](
        401,
        "unauthenticated",
        "Authentication required",
        headers=lambda _error: {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    ),
    NotPermitted: Refusal(403, "forbidden", "Not permitted"),
    CsrfRefused: Refusal(403, "csrf-token-missing", "CSRF token missing or wrong"),
    SignInRefused: Refusal[SignInRefused](
        401,
        "sign-in-refused",
        "Sign-in refused",
        headers=lambda _error: {"WWW-Authenticate": 'Bearer error="invalid_grant"'},
    ),
    TooManyAttempts: Refusal[TooManyAttempts](
        429,
        "rate-limited",
        "Too many failed sign-ins",
        headers=lambda error: {"Retry-After": str(error.retry_after)},
    ),
    AccountExists: Refusal(409, "account-exists", "Name taken"),
    NotFound: Refusal(404, "not-found", "Not found"),
    Gone: Refusal(410, "gone", "No longer available"),
    AgeRestricted: Refusal(403, "age-restricted", "Age-restricted"),
    ArtistExists: Refusal(409, "artist-exists", "Artist already registered"),
    CreatorExists: Refusal(409, "creator-exists", "Creator already registered"),
    EnrolmentExists: Refusal(409, "enrolment-exists", "Already applied to Pulse"),
    HashtagTaken: Refusal(409, "hashtag-taken", "Hashtag belongs to a campaign"),
    AlreadyInvited: Refusal(409, "already-invited", "Creator invited already"),
    SellerExists: Refusal(409, "seller-exists", "Seller already registered"),
    PaymentDeclined: Refusal(402, "payment-declined", "Payment declined"),
    # A stale If-Match is a failed precondition (412); a write without one that lost a race
    # to another writer stays a conflict (409).
    StaleVersion: Refusal[StaleVersion](
        members=lambda error: {"current_version": error.actual},
        answer=lambda error: (
            412 if error.expected is not None else 409,
            "stale-version",
            "Edited an older version",
        ),
    ),
    UnreadableMedia: Refusal(422, "unreadable-media", "Unreadable media"),
    MediaOverBudget: Refusal(413, "media-too-large", "Media too large to decode"),
    MediaTooLarge: Refusal(413, "payload-too-large", "Payload too large"),
    DecodersBusy: Refusal[DecodersBusy](
        503,
        "decoders-busy",
        "Too many uploads at once",
        headers=lambda error: {"Retry-After": str(error.retry_after_seconds)},
    ),
    # The projection stopped at an event it cannot apply: its rows are not the log's, so the
    # read is refused rather than answered from them; the operator sees why in
    # `spotlight projections status` and /readyz.
    ProjectionFailed: Refusal[ProjectionFailed](
        503,
        "read-model-failed",
        "Read model unavailable",
        detail=lambda error: f"{error}; an operator sees it with `spotlight projections status`",
    ),
    # The database is gone or busy (restarting, a file locked past the wait): a refusal the
    # client may send again, not a fault of the service's. The driver's message names the
    # server, so it is not passed on.
    **dict.fromkeys(
        (
            LogOperationalError,
            LogInterfaceError,
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.InterfaceError,
            psycopg.OperationalError,
            psycopg.InterfaceError,
        ),
        Refusal(
            503,
            "store-unavailable",
            "Store unavailable",
            detail=lambda _error: "the database cannot be reached just now; try again shortly",
            headers=lambda _error: {"Retry-After": "1"},
        ),
    ),
    # Not the line itself: an operator finds it with `spotlight ledger-check`.
    PostingLineNotStorable: Refusal[PostingLineNotStorable](
        500,
        "ledger-unavailable",
        "Ledger unavailable",
        detail=lambda _error: (
            "the ledger's read model holds a posting it cannot list exactly; an operator "
            "finds it with `spotlight ledger-check`"
        ),
    ),
}


def _handler(refusal: Refusal[Any]) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def answer(_request: Request, error: Exception) -> JSONResponse:
        return refusal.respond(error)

    return answer


def install_problem_handlers(app: FastAPI) -> None:
    _document_problems(app)
    for kind, refusal in REFUSALS.items():
        app.add_exception_handler(kind, _handler(refusal))
