"""Each refusal the core can raise reaches an HTTP client as the same problem document: its
status, stable type, title, detail, extension members and headers, one row per exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as LogOperationalError
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.tokens import InvalidToken
from application.business.campaigns import AlreadyInvited, HashtagTaken
from application.errors import NotFound, NotPermitted, StaleVersion
from application.media import DecodersBusy, MediaOverBudget, MediaTooLarge, UnreadableMedia
from application.music.music import ArtistExists
from application.revenue.creators import CreatorExists
from application.revenue.ledger_read_model import PostingLine, PostingLineNotStorable
from application.revenue.pulse import EnrolmentExists
from application.shop.shop import SellerExists
from domain.errors import InvalidValue, RuleViolated
from entrypoints.http.problems import Problem, install_problem_handlers
from tests.fakes import OPENING_NIGHT

URN = "urn:spotlight:problem:"
UNSTORABLE = PostingLine(
    position=1,
    entry_id=UUID(int=1),
    kind="sale",
    cause="order:1",
    account="creator:mia:payable:USD",
    debit=10**30,
    credit=0,
    reference="",
    recorded_at=OPENING_NIGHT,
)


class QuotaSpent(RuleViolated):
    """A rule of the domain, named in the answer."""


#: (what is raised, status, slug, title, detail, extension members, headers)
REFUSALS: list[tuple[Exception, int, str, str, str, dict[str, Any], dict[str, str]]] = [
    (InvalidValue("a name of 1 to 200 characters"), 422, "invalid-value", "Invalid value",
     "a name of 1 to 200 characters", {}, {}),
    (QuotaSpent("three reports a day"), 409, "rule-violated", "Refused by a business rule",
     "three reports a day", {"rule": "QuotaSpent"}, {}),
    (InvalidToken("expired"), 401, "unauthenticated", "Authentication required", "expired", {},
     {"www-authenticate": 'Bearer error="invalid_token"'}),
    (NotPermitted("not yours"), 403, "forbidden", "Not permitted", "not yours", {}, {}),
    (NotFound("title", "t-1"), 404, "not-found", "Not found", "no title with id t-1", {}, {}),
    (ArtistExists("aoi"), 409, "artist-exists", "Artist already registered", "aoi", {}, {}),
    (CreatorExists("mia"), 409, "creator-exists", "Creator already registered", "mia", {}, {}),
    (EnrolmentExists("mia"), 409, "enrolment-exists", "Already applied to Pulse", "mia", {}, {}),
    (HashtagTaken("#dune"), 409, "hashtag-taken", "Hashtag belongs to a campaign", "#dune", {},
     {}),
    (AlreadyInvited("mia"), 409, "already-invited", "Creator invited already", "mia", {}, {}),
    (SellerExists("acme"), 409, "seller-exists", "Seller already registered", "acme", {}, {}),
    # A stale If-Match is a failed precondition; a race lost without one, a conflict.
    (StaleVersion("title", "t-1", 2, 3), 412, "stale-version", "Edited an older version",
     "title t-1 is at version 3, not 2; reload it and try again", {"current_version": 3}, {}),
    (StaleVersion("title", "t-1", 2, None), 412, "stale-version", "Edited an older version",
     "title t-1 was changed by someone else at the same time; reload it and try again",
     {"current_version": None}, {}),
    (StaleVersion("title", "t-1", None, None), 409, "stale-version", "Edited an older version",
     "title t-1 was changed by someone else at the same time; reload it and try again",
     {"current_version": None}, {}),
    (UnreadableMedia("not a video"), 422, "unreadable-media", "Unreadable media", "not a video",
     {}, {}),
    (MediaOverBudget("too many pixels"), 413, "media-too-large", "Media too large to decode",
     "too many pixels", {}, {}),
    (DecodersBusy(7), 503, "decoders-busy", "Too many uploads at once", str(DecodersBusy(7)),
     {}, {"retry-after": "7"}),
    (PostingLineNotStorable(UNSTORABLE, "beyond 64 bits"), 500, "ledger-unavailable",
     "Ledger unavailable",
     "the ledger's read model holds a posting it cannot list exactly; an operator finds it "
     "with `spotlight ledger-check`", {}, {}),
    (MediaTooLarge(2_000, 1_000), 413, "payload-too-large", "Payload too large",
     str(MediaTooLarge(2_000, 1_000)), {}, {}),
    (Problem(411, "length-required", "Length required", "say how long"), 411, "length-required",
     "Length required", "say how long", {}, {}),
    (StarletteHTTPException(405, "Method Not Allowed", headers={"Allow": "GET"}), 405,
     "method-not-allowed", "Method not allowed", "Method Not Allowed", {}, {"allow": "GET"}),
    (StarletteHTTPException(418, "a teapot"), 418, "http-error", "HTTP error", "a teapot", {},
     {}),
    (RequestValidationError([{"loc": ("body", "name"), "msg": "too long", "type": "too_long"}]),
     422, "validation-error", "Invalid request", "body.name: too long",
     {"errors": [{"loc": ["body", "name"], "msg": "too long", "type": "too_long"}]}, {}),
    (RequestValidationError([]), 422, "validation-error", "Invalid request",
     "invalid request", {"errors": []}, {}),
    *(
        (gone, 503, "store-unavailable", "Store unavailable",
         "the database cannot be reached just now; try again shortly", {},
         {"retry-after": "1"})
        for gone in (
            LogOperationalError("connection to server at 10.0.0.7 failed"),
            sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
            psycopg.OperationalError("server closed the connection unexpectedly"),
        )
    ),
]  # fmt: skip


def raising(error: Exception) -> Callable[[], None]:
    def refuse() -> None:
        raise error

    return refuse


@pytest.mark.parametrize(
    ("error", "status", "slug", "title", "detail", "members", "headers"),
    REFUSALS,
    ids=[f"{type(row[0]).__name__}-{n}" for n, row in enumerate(REFUSALS)],
)
def test_a_refusal_is_answered_with_its_problem_document(
    error: Exception,
    status: int,
    slug: str,
    title: str,
    detail: str,
    members: dict[str, Any],
    headers: dict[str, str],
) -> None:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_api_route("/refused", raising(error))

    answer = TestClient(app, raise_server_exceptions=False).get("/refused")

    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": URN + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **members,
    }
    assert {name: answer.headers.get(name) for name in headers} == headers
