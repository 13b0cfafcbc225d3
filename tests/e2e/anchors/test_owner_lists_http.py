"""A studio lists its titles and a creator their videos, a page at a time, over HTTP: every
item exactly once and in order, however small the pages, while others keep adding; a cursor
altered or taken from another list is refused with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Auth = Callable[[str, str], dict[str, str]]


def register(client: TestClient, auth: Auth, studio: str, name: str) -> str:
    answer = client.post(
        "/v1/titles", json={"name": name, "kind": "movie"}, headers=auth("studio", studio)
    )
    assert answer.status_code == 201, answer.text
    title_id: str = answer.json()["id"]
    return title_id


def publish(client: TestClient, auth: Auth, creator: str, caption: str) -> str:
    answer = client.post(
        "/v1/videos",
        json={"caption": caption, "hashtags": ["#Edit"], "category": "film-and-tv"},
        headers=auth("creator", creator),
    )
    assert answer.status_code == 201, answer.text
    video_id: str = answer.json()["id"]
    return video_id


def read_all(
    client: TestClient,
    path: str,
    headers: dict[str, str],
    limit: int,
    between_pages: Callable[[], None] = lambda: None,
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, page after page, calling ``between_pages`` after each."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        between_pages()


def test_a_studio_pages_through_its_titles_while_it_and_others_register_more(
    client: TestClient, auth: Auth
) -> None:
    ours = [register(client, auth, "legendary", f"Dune {n}") for n in range(7)]
    register(client, auth, "a24", "Past Lives")
    added: list[str] = []

    def meanwhile() -> None:
        added.append(register(client, auth, "legendary", f"Sequel {len(added)}"))
        register(client, auth, "a24", f"Other {len(added)}")

    items, pages = read_all(client, "/v1/me/titles", auth("studio", "legendary"), 3, meanwhile)

    read = [item["title_id"] for item in items]
    assert len(read) == len(set(read))
    assert read[: len(ours)] == ours
    assert set(read[len(ours) :]) <= set(added)
    assert read[len(ours) :] == added[: len(read) - len(ours)]
    assert pages >= 3
    assert items[0]["name"] == "Dune 0"
    assert items[0]["anchored_videos"] == 0


def test_a_creator_lists_their_videos_with_anchor_hashtags_and_moderation(
    client: TestClient, auth: Auth
) -> None:
    title_id = register(client, auth, "legendary", "Dune")
    videos = [publish(client, auth, "fan-1", f"edit {n}") for n in range(5)]
    publish(client, auth, "fan-2", "someone else's")
    anchored = client.post(
        f"/v1/videos/{videos[1]}/anchor",
        json={"title_id": title_id},
        headers=auth("reviewer", "rita"),
    )
    assert anchored.status_code == 200, anchored.text
    removed = client.post(
        f"/v1/videos/{videos[3]}/moderation",
        json={"state": "removed", "reason": "stolen footage", "policy": "guidelines/4.2"},
        headers=auth("reviewer", "rita"),
    )
    assert removed.status_code == 200, removed.text

    items, pages = read_all(client, "/v1/me/videos", auth("creator", "fan-1"), 2)

    assert [item["video_id"] for item in items] == videos
    assert pages == 3
    assert items[1]["anchor_title_id"] == title_id
    assert items[0]["anchor_title_id"] is None
    assert items[3]["moderation"] == "removed"
    assert items[0]["moderation"] == "unreviewed"
    assert items[0]["hashtags"] == ["edit"]


def test_an_empty_list_is_one_page_with_no_next_cursor(client: TestClient, auth: Auth) -> None:
    answer = client.get("/v1/me/videos", headers=auth("creator", "nobody"))

    assert answer.status_code == 200
    assert answer.json() == {"items": [], "next_cursor": None}


def test_a_cursor_altered_or_from_another_list_is_refused(client: TestClient, auth: Auth) -> None:
    for n in range(3):
        register(client, auth, "legendary", f"Dune {n}")
        publish(client, auth, "legendary", f"edit {n}")
    studio, creator = auth("studio", "legendary"), auth("creator", "legendary")
    cursor = client.get("/v1/me/titles", params={"limit": 1}, headers=studio).json()["next_cursor"]
    key, check = cursor.split(".")
    altered = ("A" if key[0] != "A" else "B") + key[1:] + "." + check

    refused = client.get("/v1/me/titles", params={"cursor": altered}, headers=studio)
    elsewhere = client.get("/v1/me/videos", params={"cursor": cursor}, headers=creator)
    garbage = client.get("/v1/me/titles", params={"cursor": "abc.def"}, headers=studio)

    for answer in (refused, elsewhere, garbage):
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"] == "urn:spotlight:problem:invalid-value"
    assert "another list" in elsewhere.json()["detail"]
    assert "altered" in refused.json()["detail"]


def test_limits_outside_the_convention_and_lists_of_another_role_are_refused(
    client: TestClient, auth: Auth
) -> None:
    studio = auth("studio", "legendary")

    assert client.get("/v1/me/titles", params={"limit": 0}, headers=studio).status_code == 422
    assert client.get("/v1/me/titles", params={"limit": 501}, headers=studio).status_code == 422
    assert client.get("/v1/me/videos", headers=studio).status_code == 403
    assert client.get("/v1/me/titles", headers=auth("creator", "fan-1")).status_code == 403
    assert client.get("/v1/me/titles").status_code == 401


def test_a_studio_lists_the_anchors_on_its_titles_with_their_evidence(
    client: TestClient, auth: Auth
) -> None:
    studio, reviewer = auth("studio", "legendary"), auth("reviewer", "rita")
    title_id = register(client, auth, "legendary", "Dune")
    other_title = register(client, auth, "a24", "Past Lives")
    for title, tag in ((title_id, "Arrakis"), (other_title, "Seoul")):
        words = client.put(
            f"/v1/titles/{title}/match-words",
            json={"hashtags": [tag], "keywords": []},
            headers=auth("studio", "legendary" if title == title_id else "a24"),
        )
        assert words.status_code == 200, words.text
    videos = [
        client.post(
            "/v1/videos",
            json={"caption": f"desert {n}", "hashtags": ["#Arrakis"], "category": "film-and-tv"},
            headers=auth("creator", f"fan-{n}"),
        ).json()["id"]
        for n in range(4)
    ]
    publish(client, auth, "fan-9", "seoul at night")  # proposed to a24's title, if at all
    attached = client.post(
        f"/v1/review/anchors/{videos[1]}/{title_id}",
        json={"decision": "attach", "reason": "the worm scene"},
        headers=reviewer,
    )
    rejected = client.post(
        f"/v1/review/anchors/{videos[2]}/{title_id}",
        json={"decision": "reject", "reason": "a different desert"},
        headers=reviewer,
    )
    disputed = client.post(
        f"/v1/videos/{videos[1]}/anchor/dispute",
        json={"reason": "my own footage"},
        headers=auth("creator", "fan-1"),
    )
    for answer in (attached, rejected, disputed):
        assert answer.status_code == 200, answer.text

    items, pages = read_all(client, "/v1/me/anchors", studio, 1)

    assert [(item["video_id"], item["state"]) for item in items] == [
        (videos[0], "proposed"),
        (videos[1], "disputed"),
        (videos[3], "proposed"),
    ]
    assert pages == 3
    assert {item["title_id"] for item in items} == {title_id}
    assert items[1]["reason"] == "my own footage"
    assert items[0]["evidence"][0]["signal"] == "text"
    assert client.get("/v1/me/anchors", headers=auth("studio", "a24")).json()["items"] == []

    # The disputes on its titles, with their state: open until a reviewer decides.
    (dispute,) = read_all(client, "/v1/me/disputes", studio, 1)[0]
    assert (dispute["video_id"], dispute["title_id"], dispute["state"]) == (
        videos[1],
        title_id,
        "open",
    )
    assert (dispute["reason"], dispute["decided_at"]) == ("my own footage", None)
    dismissed = client.post(
        f"/v1/review/disputes/{videos[1]}",
        json={"decision": "dismiss", "reason": "the film's own scene"},
        headers=reviewer,
    )
    assert dismissed.status_code == 200, dismissed.text
    (decided,) = client.get("/v1/me/disputes", headers=studio).json()["items"]
    assert (decided["state"], decided["decision_reason"]) == ("dismissed", "the film's own scene")
    assert client.get("/v1/me/disputes", headers=auth("studio", "a24")).json()["items"] == []
    assert client.get("/v1/me/disputes", headers=auth("creator", "fan-1")).status_code == 403
