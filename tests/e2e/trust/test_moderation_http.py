"""Moderation through HTTP on a SQLite file store: a flagged upload waits for a reviewer, a
removal takes a video out of its programs, a creator's age band protects their videos, and
bad requests are refused with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight

Auth = Callable[[str, str], dict[str, str]]


def publish(client: TestClient, auth: Auth, creator: str, caption: str) -> str:
    response = client.post(
        "/v1/videos",
        json={"caption": caption, "hashtags": ["#dune"], "category": "film-and-tv"},
        headers=auth("creator", creator),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def dune(client: TestClient, auth: Auth) -> str:
    studio = auth("studio", "legendary")
    title = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio)
    title_id: str = title.json()["id"]
    client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": ["#dune"], "keywords": []},
        headers=studio,
    )
    return title_id


def test_a_flagged_upload_waits_for_a_reviewer_who_removes_it(
    client: TestClient, auth: Auth
) -> None:
    dune(client, auth)
    video = publish(client, auth, "ana", "dune edit, dm for c0caine")
    reviewer = auth("reviewer", "rita")

    shown = client.get(f"/v1/videos/{video}/moderation", headers=auth("creator", "ana")).json()
    queue = client.get("/v1/review/moderation", headers=reviewer).json()
    anchors = client.get("/v1/review/anchors", headers=reviewer).json()
    removed = client.post(
        f"/v1/videos/{video}/moderation",
        json={"state": "removed", "reason": "selling drugs", "policy": "guidelines/7.1"},
        headers=reviewer,
    )
    again = client.post(
        f"/v1/videos/{video}/moderation",
        json={"state": "clear", "reason": "oops", "policy": "guidelines/7.1"},
        headers=reviewer,
    )

    assert shown["state"] == "flagged"
    assert shown["flags"] == [{"label": "drugs", "severity": "restrict", "evidence": "cocaine"}]
    assert [v["video_id"] for v in queue["items"]] == [video]
    assert all(item["video_id"] != video for item in anchors["items"])
    assert removed.status_code == 200, removed.text
    assert removed.json()["state"] == "removed"
    assert again.status_code == 409


def test_a_reviewer_pages_through_the_moderation_queue_once_in_order(
    client: TestClient, auth: Auth
) -> None:
    dune(client, auth)
    reviewer = auth("reviewer", "rita")
    flagged = [publish(client, auth, "ana", f"dune edit {n}, dm for c0caine") for n in range(4)]
    publish(client, auth, "ana", "dune edit, nothing to see")

    def page(cursor: str | None) -> dict[str, Any]:
        params = {"limit": 2} | ({} if cursor is None else {"cursor": cursor})
        answer = client.get("/v1/review/moderation", params=params, headers=reviewer)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    first = page(None)
    assert [v["video_id"] for v in first["items"]] == flagged[:2]
    # Meanwhile one read already is decided, and another upload is flagged: it comes last.
    decided = client.post(
        f"/v1/videos/{flagged[0]}/moderation",
        json={"state": "removed", "reason": "selling drugs", "policy": "guidelines/7.1"},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text
    flagged.append(publish(client, auth, "ben", "dune edit, dm for c0caine"))
    read, cursor = list(first["items"]), first["next_cursor"]
    while cursor is not None:
        more = page(cursor)
        read, cursor = read + more["items"], more["next_cursor"]
    assert [v["video_id"] for v in read] == flagged

    forged = first["next_cursor"][:-1] + ("A" if first["next_cursor"][-1] != "A" else "B")
    refused = client.get("/v1/review/moderation", params={"cursor": forged}, headers=reviewer)
    assert refused.status_code == 422
    assert "cursor" in refused.json()["detail"]
    other = client.get("/v1/me/videos?limit=1", headers=auth("creator", "ana")).json()
    refused = client.get(
        "/v1/review/moderation", params={"cursor": other["next_cursor"]}, headers=reviewer
    )
    assert refused.status_code == 422
    assert "another list" in refused.json()["detail"]
    assert client.get("/v1/review/moderation", headers=auth("creator", "ana")).status_code == 403


def test_a_minor_declares_their_age_and_their_uploads_are_left_alone(
    client: TestClient, auth: Auth
) -> None:
    dune(client, auth)
    teen = auth("creator", "kim")
    assert client.post("/v1/creators", json={"region": "US"}, headers=teen).status_code == 201

    declared = client.put("/v1/creators/kim/age-band", json={"band": "13-15"}, headers=teen)
    video = publish(client, auth, "kim", "worm ride #dune")
    queue = client.get("/v1/review/anchors", headers=auth("reviewer", "rita")).json()

    assert declared.status_code == 200, declared.text
    assert declared.json() == {"account": "kim", "band": "13-15", "videos_withdrawn": 0}
    assert all(item["video_id"] != video for item in queue["items"])
    standing = client.get(f"/v1/pulse/videos/{video}/standing", headers=teen).json()
    assert "under 18" in standing["why_not"]


def test_bad_moderation_requests_are_refused_with_a_reason(client: TestClient, auth: Auth) -> None:
    video = publish(client, auth, "ana", "hello")
    reviewer = auth("reviewer", "rita")
    cases: dict[str, Any] = {
        "unknown state": client.post(
            f"/v1/videos/{video}/moderation",
            json={"state": "banished", "reason": "x", "policy": "p"},
            headers=reviewer,
        ),
        "no policy": client.post(
            f"/v1/videos/{video}/moderation",
            json={"state": "clear", "reason": "x"},
            headers=reviewer,
        ),
        "by its creator": client.post(
            f"/v1/videos/{video}/moderation",
            json={"state": "clear", "reason": "x", "policy": "p"},
            headers=auth("creator", "ana"),
        ),
        "unknown video": client.post(
            "/v1/videos/00000000-0000-0000-0000-0000000000aa/moderation",
            json={"state": "clear", "reason": "x", "policy": "p"},
            headers=reviewer,
        ),
        "unknown creator": client.put(
            "/v1/creators/ghost/age-band", json={"band": "18+"}, headers=auth("admin", "ops")
        ),
        "someone else's age": client.put(
            "/v1/creators/ana/age-band", json={"band": "18+"}, headers=auth("creator", "bob")
        ),
        "unknown band": client.put(
            "/v1/creators/ana/age-band", json={"band": "ten"}, headers=auth("creator", "ana")
        ),
    }

    assert {name: r.status_code for name, r in cases.items()} == {
        "unknown state": 422,
        "no policy": 422,
        "by its creator": 403,
        "unknown video": 404,
        "unknown creator": 404,
        "someone else's age": 403,
        "unknown band": 422,
    }


def test_a_person_records_reads_and_erases_their_data_over_http(
    client: TestClient, auth: Auth
) -> None:
    ana = auth("creator", "ana")
    body = {"name": "Ana Lima", "contact": "ana@example.org", "date_of_birth": "1995-02-03"}

    recorded = client.put("/v1/people/creator/ana/personal-data", json=body, headers=ana)
    someone = client.get("/v1/people/creator/ana/personal-data", headers=auth("creator", "bob"))
    erased = client.delete("/v1/people/creator/ana/personal-data", headers=ana)
    after = client.get("/v1/people/creator/ana/personal-data", headers=auth("auditor", "kpmg"))
    unknown = client.delete("/v1/people/creator/ghost/personal-data", headers=auth("admin", "dpo"))
    future = client.put(
        "/v1/people/creator/bob/personal-data",
        json={**body, "date_of_birth": "2999-01-01"},
        headers=auth("creator", "bob"),
    )

    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["age_band"] == "18+"
    assert someone.status_code == 403
    assert erased.json()["erased"] is True
    assert after.json() == {
        "subject": "ana",
        "erased": True,
        "name": None,
        "contact": None,
        "date_of_birth": None,
        "age_band": None,
    }
    assert unknown.status_code == 404
    assert future.status_code == 422


def test_an_operator_erases_a_person_from_the_command_line(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    body = {"name": "Ana Lima", "contact": "ana@example.org", "date_of_birth": "1995-02-03"}
    client.put("/v1/people/creator/ana/personal-data", json=body, headers=auth("creator", "ana"))
    core.close()
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
    }
    environment.pop("SPOTLIGHT_STORE", None)

    def spotlight(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "entrypoints.cli", *arguments],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    erased = spotlight("erase-person", "--subject", "ana")
    unknown = spotlight("erase-person", "--subject", "ghost")

    assert erased.returncode == 0, erased.stderr
    assert "erased the personal data of creator:ana" in erased.stdout
    assert unknown.returncode != 0
    assert "ghost" in unknown.stderr
