"""The API docs page renders in a browser with nothing but what the service serves."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, Route, expect


def test_the_docs_page_renders_every_program_offline_and_opens_an_operation(
    page: Page, service: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    def refuse_anything_but_the_service(route: Route, request: Request) -> None:
        if request.url.startswith(service):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", refuse_anything_but_the_service)
    page.goto(f"{service}/docs")
    operation = page.locator(".opblock-get", has_text="/v1/titles/{title_id}").first
    operation.locator(".opblock-summary").click()

    expect(page.locator(".information-container .title")).to_contain_text("Spotlight Core")
    for program in ("titles", "music", "shop", "ledger", "business"):
        expect(page.locator(f"#operations-tag-{program}")).to_be_visible()
    expect(operation.locator(".parameters-container")).to_contain_text("title_id")
    hosts = {urlsplit(url).netloc for url in requested}
    assert hosts == {urlsplit(service).netloc}
    assert f"{service}/docs/assets/swagger-ui-bundle.js" in requested
