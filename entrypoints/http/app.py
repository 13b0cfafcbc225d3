"""The FastAPI application: routers, problem handlers, and the core it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from entrypoints.bootstrap import Spotlight
from entrypoints.http.anchors import anchors, audience, owner_lists, titles, videos
from entrypoints.http.anchors import claims as claim_routes
from entrypoints.http.anchors import video_analytics as video_table_routes
from entrypoints.http.audit import audit, media_collection
from entrypoints.http.business import brand_lists, campaigns, marketplace, studios
from entrypoints.http.business import studio_lists as studio_list_routes
from entrypoints.http.conditional import EntityTags
from entrypoints.http.consistency import ReadYourWrites, document_read_your_writes
from entrypoints.http.content_types import refuse_unsupported_body
from entrypoints.http.described import describe_operations, operation_id
from entrypoints.http.docs import install_docs
from entrypoints.http.identity import accounts, me
from entrypoints.http.limits import MULTIPART_ENVELOPE, BodyLimit
from entrypoints.http.music import competition, music
from entrypoints.http.music import sounds as music_sounds
from entrypoints.http.music import verification as music_verification
from entrypoints.http.observe import install_observation
from entrypoints.http.paging import refuse_unknown_query
from entrypoints.http.problems import install_problem_handlers
from entrypoints.http.rate_limits import install_rate_limits
from entrypoints.http.revenue import creators, ledgers, money_lists, pulse
from entrypoints.http.schemas import Health, Readiness
from entrypoints.http.security import Core
from entrypoints.http.shop import listing_photos, shop, tags
from entrypoints.http.shop import order_steps as order_step_routes
from entrypoints.http.shop import shop_lists as shop_list_routes
from entrypoints.http.store_schema import router as store_schema_router
from entrypoints.http.trust import moderation, people, video_reports
from entrypoints.http.webhooks import router as webhooks_router
from entrypoints.sweeper import BackgroundSweeper
from entrypoints.web.site import install_web

DESCRIPTION = """
The business core of a short-video platform. Authenticate with a bearer token from
`spotlight token --role ROLE --subject ID`. Errors are `application/problem+json`
documents whose `type` is stable. Writes to a versioned resource accept `If-Match` with the
`ETag` you read and answer 412 when someone else changed it first (409 is a business rule's
refusal); a read sent with `If-None-Match` and the current `ETag` answers 304. Requests are rate
limited per caller and client address, with tighter limits on clicks, engagement, votes and
counterfeit reports: past a limit the answer is 429 with `Retry-After`.

Every successful write answers with `Spotlight-Positions` (each log's position once it is
recorded, e.g. `catalogue=12,music=0,revenue=40,inbox=3`); a read sent with those positions
as `Spotlight-After` waits, a bounded time, until the read models have passed them, and
answers with `Spotlight-Lag` (the events they still miss) if it gave up waiting.
"""


def create_app(
    core: Spotlight, *, close_on_shutdown: bool = False, background_sweeps: bool = False
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sweeper = None
        # With workers (SPOTLIGHT_PROJECTIONS=worker) `spotlight worker` runs the projections
        # and the passes; the service only answers requests.
        if (
            background_sweeps
            and core.projections.inline
            and core.settings.sweep_interval_seconds > 0
        ):
            sweeper = BackgroundSweeper(core, core.settings.sweep_interval_seconds)
            sweeper.start()
        yield
        if sweeper is not None:
            sweeper.stop()
        if close_on_shutdown:
            core.close()

    app = FastAPI(
        title="Spotlight Core",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # The docs page is installed below with Swagger UI served by the service itself;
        # ReDoc would load from a CDN, so it is not offered.
        docs_url=None,
        redoc_url=None,
        # Every route refuses a query parameter it does not declare, and a body not JSON (415).
        dependencies=[Depends(refuse_unknown_query), Depends(refuse_unsupported_body)],
        # `registerTitle`, not `register_title_v1_titles_post`: see entrypoints.http.described.
        generate_unique_id_function=operation_id,
    )
    app.state.spotlight = core
    install_problem_handlers(app)
    install_docs(app)
    # Innermost: the positions a command's answer carries are read once it is recorded.
    app.add_middleware(
        ReadYourWrites, runner=core.projections, wait_seconds=core.settings.read_wait_seconds
    )
    document_read_your_writes(app, core.projections.log_names())
    # An ETag on every versioned answer; 304 for a read whose ETag the client holds.
    app.add_middleware(EntityTags)
    # Every refusal and header of every operation, in the OpenAPI.
    describe_operations(app)
    app.add_middleware(
        BodyLimit,
        json_bytes=core.settings.max_json_bytes,
        multipart_bytes=max(core.settings.max_upload_bytes, shop.max_listing_bytes(core))
        + MULTIPART_ENVELOPE,
    )
    # Outermost: rate limits refuse a flood before its body is read. The body cap sits inside
    # them, where its refusal reaches FastAPI's body reading directly.
    install_rate_limits(app, core.settings, core.verifier)
    # Around everything: the request id is set before anything logs, and every answer
    # (a refusal of the rate limits too) is logged and counted.
    install_observation(app)
    app.include_router(titles.router)
    app.include_router(videos.router)
    app.include_router(anchors.router)
    app.include_router(audience.router)
    app.include_router(video_table_routes.router)
    app.include_router(claim_routes.router)
    app.include_router(owner_lists.router)
    app.include_router(music.router)
    app.include_router(competition.router)
    app.include_router(music_verification.router)
    app.include_router(music_sounds.router)
    app.include_router(creators.router)
    app.include_router(pulse.router)
    app.include_router(ledgers.router)
    app.include_router(money_lists.router)
    app.include_router(audit.router)
    app.include_router(media_collection.router)
    app.include_router(shop.router)
    app.include_router(listing_photos.router)
    app.include_router(tags.router)
    app.include_router(studios.router)
    app.include_router(shop_list_routes.router)
    app.include_router(order_step_routes.router)
    app.include_router(studio_list_routes.router)
    app.include_router(campaigns.router)
    app.include_router(marketplace.router)
    app.include_router(brand_lists.router)
    app.include_router(moderation.router)
    app.include_router(video_reports.router)
    app.include_router(people.router)
    app.include_router(me.router)
    app.include_router(accounts.router)
    app.include_router(webhooks_router)
    app.include_router(store_schema_router)
    # The web app's pages under /, beside the API (entrypoints/web).
    install_web(app)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz(running: Core) -> Health:
        """The service is up and knows its store."""
        return Health(status="ok", store=running.settings.store.kind.value)

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["operations"],
        responses={503: {"model": Readiness, "description": "A read model has failed."}},
    )
    def readyz(running: Core) -> Readiness | JSONResponse:
        """Each persisted read model's generation and lag; 503, naming them, when one has
        stopped at an event it cannot apply."""
        readiness = Readiness.of(running.projections.status())
        if readiness.failed:
            return JSONResponse(readiness.model_dump(mode="json"), status_code=503)
        return readiness

    return app
