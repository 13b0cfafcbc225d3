"""An inbox is read with the list convention: `limit` and `cursor` in, `items` and
`next_cursor` out, every notice once and in order while more arrive; the deprecated `after`
still reads after a position, but not together with a cursor."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.conftest import Headers


def tell(core: Spotlight, n: int) -> None:
    core.notifier.notify("maya", subject=f"Notice {n}", body="", key=f"maya-{n}")
    core.notifier.notify("kai", subject=f"Other {n}", body="", key=f"kai-{n}")


def test_an_inbox_is_paged_through_while_notices_keep_arriving(
    client: TestClient, core: Spotlight, auth: Any
) -> None:
    maya: Headers = auth("creator", "maya")
    for n in range(5):
        tell(core, n)
    subjects: list[str] = []
    cursor: str | None = None
    sent = 5
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/me/inbox", params=params, headers=maya)
        assert page.status_code == 200, page.text
        body = page.json()
        subjects += [notice["subject"] for notice in body["items"]]
        assert body["notices"] == body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if sent < 8:
            tell(core, sent)
            sent += 1

    assert subjects == [f"Notice {n}" for n in range(sent)]


def test_the_deprecated_after_still_reads_after_a_position(
    client: TestClient, core: Spotlight, auth: Any
) -> None:
    maya: Headers = auth("creator", "maya")
    for n in range(3):
        tell(core, n)
    first = client.get("/v1/me/inbox", params={"limit": 1}, headers=maya).json()

    later = client.get("/v1/me/inbox", params={"after": first["next_after"]}, headers=maya).json()
    both = client.get(
        "/v1/me/inbox",
        params={"after": first["next_after"], "cursor": first["next_cursor"]},
        headers=maya,
    )

    assert [n["subject"] for n in later["items"]] == ["Notice 1", "Notice 2"]
    assert later["next_after"] == later["items"][-1]["position"]
    assert both.status_code == 422
    assert both.json()["type"] == "urn:spotlight:problem:invalid-value"
    spec = client.get("/openapi.json").json()
    [after] = [
        p for p in spec["paths"]["/v1/me/inbox"]["get"]["parameters"] if p["name"] == "after"
    ]
    assert after["deprecated"] is True
