"""axe-core run in the page: the serious and critical accessibility violations of what the
browser shows now.

axe's script is the one the ``axe-playwright-python`` package ships (a test dependency), read
from the installed package: nothing is fetched at run time, so the check works offline and
always runs the same rules. It is evaluated through the browser's debugging protocol, which
the pages' Content-Security-Policy does not govern (the pages themselves never run it)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
#: What fails a page; minor and moderate findings are left to judgement.
FAILING = frozenset({"serious", "critical"})


def serious_violations(page: Page) -> list[str]:
    """Each serious or critical violation on the page as it stands, as ``rule (impact):
    help, at selectors``; empty when there is none."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    results: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}, at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in FAILING
    ]


def assert_accessible(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], f"{page.url}:\n" + "\n".join(found)
