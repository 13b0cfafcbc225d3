"""The API's documentation page, served with its own copy of Swagger UI.

FastAPI's default page loads Swagger UI from a CDN, so it comes up blank on a machine
without internet access; the assets ship inside the `swagger-ui-bundle-v2` package instead
and are served from `/docs/assets`.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"
# Only these files are served: the page needs no more, and the bundle's source maps and
# sample pages have no business on a production service.
SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


class _BundleFiles(StaticFiles):
    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in SERVED:
            return "", None
        return super().lookup_path(path)


def install_docs(app: FastAPI) -> None:
    """`GET /docs` (Swagger UI over `/openapi.json`) with every asset served by the service."""
    app.mount(ASSETS, _BundleFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=None,
        )
