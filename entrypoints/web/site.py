"""Mounting the web app on the service: its assets under ``/static`` and every person's pages
under ``/`` beside the API (``/v1``)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from entrypoints.web import accounts
from entrypoints.web.admin import accounts as admin_accounts
from entrypoints.web.admin import pulse, verification
from entrypoints.web.artist import rounds
from entrypoints.web.artist import tracks as artist_tracks
from entrypoints.web.auditor import trail
from entrypoints.web.brand import campaigns, marketplace
from entrypoints.web.brand import pulse as brand_pulse
from entrypoints.web.creator import earnings, invitations, notices, videos
from entrypoints.web.headers import protect
from entrypoints.web.judge import field, scoring
from entrypoints.web.pages import HERE
from entrypoints.web.reviewer import counterfeit_reports, moderation, queue, reports, tracks
from entrypoints.web.shop import orders, seller, shopping
from entrypoints.web.studio import policy, titles

ASSETS = "/static"


class _Assets(StaticFiles):
    """The app's own stylesheet and script, with the headers every page carries."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        protect(response.headers, asset=True)
        return response


def install_web(app: FastAPI) -> None:
    app.mount(ASSETS, _Assets(directory=str(HERE / "static")), name="web-assets")
    app.include_router(accounts.router)
    app.include_router(titles.router)
    app.include_router(queue.router)
    app.include_router(videos.router)
    app.include_router(invitations.router)
    app.include_router(notices.router)
    app.include_router(orders.router)
    app.include_router(campaigns.router)
    app.include_router(marketplace.router)
    app.include_router(brand_pulse.router)
    app.include_router(seller.router)
    app.include_router(shopping.router)
    app.include_router(pulse.router)
    app.include_router(admin_accounts.router)
    app.include_router(trail.router)
    app.include_router(moderation.router)
    app.include_router(reports.router)
    app.include_router(counterfeit_reports.router)
    app.include_router(tracks.router)
    app.include_router(verification.router)
    app.include_router(artist_tracks.router)
    app.include_router(rounds.router)
    app.include_router(scoring.router)
    app.include_router(field.router)
    app.include_router(policy.router)
    app.include_router(earnings.router)
