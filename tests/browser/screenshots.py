"""Full-page screenshots of the pages a browser test visits, kept as CI artefacts.

They go to ``SPOTLIGHT_SCREENSHOTS`` (default ``artifacts/screenshots`` in the repository,
which git ignores), one PNG per page and role, named for both (``creator--creator-notices.png``),
so a run's pages can be looked at after it without running anything."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(
    os.environ.get("SPOTLIGHT_SCREENSHOTS", REPOSITORY / "artifacts" / "screenshots")
)


def screenshot_name(who: str, path: str) -> str:
    """``who`` and the page's address as a file name (anything but letters and digits: -)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
    return f"{who}--{slug}.png"


def keep_screenshot(page: Page, who: str) -> Path:
    """A full-page PNG of what ``page`` shows now, for ``who``; its file."""
    path = page.url.split("//", 1)[-1].partition("/")[2]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kept = SCREENSHOTS / screenshot_name(who, path)
    page.screenshot(path=str(kept), full_page=True)
    return kept
