"""The API's documentation page works without internet access: every asset it loads is
served by the service itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ASSET_REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'""")


def referenced_urls(page: str) -> list[str]:
    return [link or spec for link, spec in ASSET_REFERENCE.findall(page)]


def test_the_docs_page_loads_only_what_the_service_serves(client: TestClient) -> None:
    page = client.get("/docs")

    urls = referenced_urls(page.text)

    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "/openapi.json" in urls
    assert len(urls) >= 4
    assert [url for url in urls if not url.startswith("/")] == []
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_swagger_ui_assets_are_served_with_their_types(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    style = client.get("/docs/assets/swagger-ui.css")

    assert "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text
    assert style.headers["content-type"].startswith("text/css")


def test_only_the_pages_assets_are_served_from_the_bundle(client: TestClient) -> None:
    # The bundle also holds source maps and sample pages; the service offers none of them.
    for name in ("swagger-ui-bundle.js.map", "index.html", "swagger-initializer.js", "../x"):
        assert client.get(f"/docs/assets/{name}").status_code == 404, name


def test_redoc_is_not_offered_since_it_would_load_from_a_cdn(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
