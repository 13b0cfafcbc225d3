"""Choosing in a list that the page's script applies at once (``select[data-autosubmit]``)."""

from __future__ import annotations

from playwright.sync_api import Page


def choose_applied_at_once(page: Page, label: str, value: str) -> None:
    """Pick ``value`` in the list labelled ``label`` and wait for the page it submits.

    The script that submits the choice is deferred: it listens only once the document has
    been parsed. A test that picks as soon as the first element of a new page shows can
    beat it, and then nothing is submitted. So wait for the document first, then expect
    the navigation the choice makes.
    """
    page.wait_for_load_state("domcontentloaded")
    with page.expect_navigation():
        page.get_by_label(label).select_option(value)
