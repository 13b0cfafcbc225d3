"""Errors as RFC 9457 problem documents with stable type URIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.tokens import InvalidToken
from application.campaigns import AlreadyInvited, HashtagTaken
from application.creators import CreatorExists
from application.errors import NotFound, NotPermitted, StaleVersion
from application.ledger_read_model import PostingLineNotStorable
from application.media import DecodersBusy, MediaOverBudget, MediaTooLarge, UnreadableMedia
from application.music import ArtistExists
from application.pulse import EnrolmentExists
from application.shop import SellerExists
from domain.errors import InvalidValue, RuleViolated

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:spotlight:problem:"
SCHEMA_REF = "#/components/schemas/"


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
    422: ("validation-error", "Invalid request"),
}


def _document_refusals(spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemDocument.model_json_schema(ref_template=SCHEMA_REF + "{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            refused = operation.get("responses", {}).get("422")
            if refused is not None:
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


def install_problem_handlers(app: FastAPI) -> None:
    _document_problems(app)

    @app.exception_handler(Problem)
    async def _problem(_request: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.slug, error.title, error.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type")}
            for item in error.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return problem_response(
            422,
            "validation-error",
            "Invalid request",
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            errors=errors,
        )

    @app.exception_handler(InvalidValue)
    async def _invalid_value(_request: Request, error: InvalidValue) -> JSONResponse:
        return problem_response(422, "invalid-value", "Invalid value", str(error))

    @app.exception_handler(RuleViolated)
    async def _rule_violated(_request: Request, error: RuleViolated) -> JSONResponse:
        return problem_response(
            409,
            "rule-violated",
            "Refused by a business rule",
            str(error),
            rule=type(error).__name__,
        )

    @app.exception_handler(InvalidToken)
    async def _invalid_token(_request: Request, error: InvalidToken) -> JSONResponse:
        return problem_response(
            401,
            "unauthenticated",
            "Authentication required",
            str(error),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )

    @app.exception_handler(NotPermitted)
    async def _not_permitted(_request: Request, error: NotPermitted) -> JSONResponse:
        return problem_response(403, "forbidden", "Not permitted", str(error))

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, error: NotFound) -> JSONResponse:
        return problem_response(404, "not-found", "Not found", str(error))

    @app.exception_handler(ArtistExists)
    async def _artist_exists(_request: Request, error: ArtistExists) -> JSONResponse:
        return problem_response(409, "artist-exists", "Artist already registered", str(error))

    @app.exception_handler(CreatorExists)
    async def _creator_exists(_request: Request, error: CreatorExists) -> JSONResponse:
        return problem_response(409, "creator-exists", "Creator already registered", str(error))

    @app.exception_handler(EnrolmentExists)
    async def _enrolment_exists(_request: Request, error: EnrolmentExists) -> JSONResponse:
        return problem_response(409, "enrolment-exists", "Already applied to Pulse", str(error))

    @app.exception_handler(HashtagTaken)
    async def _hashtag_taken(_request: Request, error: HashtagTaken) -> JSONResponse:
        return problem_response(409, "hashtag-taken", "Hashtag belongs to a campaign", str(error))

    @app.exception_handler(AlreadyInvited)
    async def _already_invited(_request: Request, error: AlreadyInvited) -> JSONResponse:
        return problem_response(409, "already-invited", "Creator invited already", str(error))

    @app.exception_handler(SellerExists)
    async def _seller_exists(_request: Request, error: SellerExists) -> JSONResponse:
        return problem_response(409, "seller-exists", "Seller already registered", str(error))

    @app.exception_handler(StaleVersion)
    async def _stale(_request: Request, error: StaleVersion) -> JSONResponse:
        return problem_response(
            409,
            "stale-version",
            "Edited an older version",
            str(error),
            current_version=error.actual,
        )

    @app.exception_handler(UnreadableMedia)
    async def _unreadable(_request: Request, error: UnreadableMedia) -> JSONResponse:
        return problem_response(422, "unreadable-media", "Unreadable media", str(error))

    @app.exception_handler(MediaOverBudget)
    async def _over_budget(_request: Request, error: MediaOverBudget) -> JSONResponse:
        return problem_response(413, "media-too-large", "Media too large to decode", str(error))

    @app.exception_handler(DecodersBusy)
    async def _busy(_request: Request, error: DecodersBusy) -> JSONResponse:
        return problem_response(
            503,
            "decoders-busy",
            "Too many uploads at once",
            str(error),
            headers={"Retry-After": str(error.retry_after_seconds)},
        )

    @app.exception_handler(PostingLineNotStorable)
    async def _ledger_refused(_request: Request, _error: PostingLineNotStorable) -> JSONResponse:
        # Not the line itself: an operator finds it with `spotlight ledger-check`.
        return problem_response(
            500,
            "ledger-unavailable",
            "Ledger unavailable",
            "the ledger's read model holds a posting it cannot list exactly; an operator "
            "finds it with `spotlight ledger-check`",
        )

    @app.exception_handler(MediaTooLarge)
    async def _too_large(_request: Request, error: MediaTooLarge) -> JSONResponse:
        return problem_response(413, "payload-too-large", "Payload too large", str(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug, title = _STATUS_SLUGS.get(error.status_code, ("http-error", "HTTP error"))
        return problem_response(
            error.status_code, slug, title, str(error.detail), headers=error.headers
        )
