"""Pages driven in a real browser: Debian's Chromium through Playwright for Python, against a
real `spotlight serve` process on the embedded default store.

Chromium is found at `SPOTLIGHT_CHROMIUM` (default `/usr/bin/chromium`, which `.ci/run`
installs). Without it these tests skip on a developer's machine and fail under CI (`CI=true`
or `SPOTLIGHT_REQUIRE_BROWSER=1`), so a CI run can never pass them by not running them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# The web app's service and watched page, for every module of pages (not only the first's).
from tests.browser.test_web_app import live, watched  # noqa: F401
from tests.live_service import free_port, running_service

CHROMIUM = Path(os.environ.get("SPOTLIGHT_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (install Debian's chromium or set SPOTLIGHT_CHROMIUM)"
        required = os.environ.get("CI", "").lower() == "true"
        if required or os.environ.get("SPOTLIGHT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a service on a fresh data directory (one per test module)."""
    data = tmp_path_factory.mktemp("browser-data")
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(data)}
    for setting in ("SPOTLIGHT_STORE", "SPOTLIGHT_SECRET", "SPOTLIGHT_PROJECTIONS"):
        environment.pop(setting, None)
    with running_service(environment, free_port(), data / "serve.log") as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()
