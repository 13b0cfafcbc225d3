"""Product recognition through HTTP and the CLI, on a SQLite file store: a seller lists a
product with its photo, a creator uploads a video that shows it, recognition runs (an admin's
request, or the operator's `spotlight recognise-products`), and viewers find the product
among the video's similar items."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.integration.shop.test_product_recognition import showing
from tests.media.products import listing_png
from tests.photos import plain_photo

Auth = Callable[[str, str], dict[str, str]]
SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]


def list_with_photo(client: TestClient, auth: Auth, photo: bytes, title: str) -> Any:
    assert client.post("/v1/sellers", json={"name": "Acme"}, headers=auth("seller", "acme"))
    response = client.post(
        "/v1/listings",
        data={
            "title": title,
            "description": "",
            "price_minor": "3900",
            "currency": "USD",
            "stock": "3",
            "category": "fashion",
        },
        files=[("image", ("photo.png", photo, "image/png"))],
        headers=auth("seller", "acme"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def upload(client: TestClient, auth: Auth, media: bytes) -> str:
    response = client.post(
        "/v1/videos",
        data={"caption": "trail day", "hashtags": "#sneakers", "category": "fashion"},
        files={"media": ("haul.mp4", media, "video/mp4")},
        headers=auth("creator", "fan-1"),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def test_a_listed_product_seen_in_an_uploaded_video_becomes_a_similar_item(
    client: TestClient, auth: Auth
) -> None:
    listing = list_with_photo(client, auth, listing_png(1), "Trail runner sneakers")
    assert listing["recognisable"] is True
    video = upload(client, auth, showing(1))

    refused = client.post("/v1/shop/recognition/run", headers=auth("creator", "fan-1"))
    ran = client.post("/v1/shop/recognition/run", headers=auth("admin", "ops"))

    assert refused.status_code == 403
    assert ran.status_code == 200, ran.text
    assert ran.json() | {"videos_scanned": 1, "tags_proposed": 1} == ran.json()
    items = client.get(f"/v1/videos/{video}/similar-items").json()["items"]
    assert [item["listing_id"] for item in items] == [listing["id"]]
    tags = client.get(f"/v1/videos/{video}/tags", headers=auth("creator", "fan-1")).json()
    [tag] = tags["tags"]
    assert tag["evidence"]["image"]["sightings"][0]["matches"] >= 5
    assert tag["evidence"]["text"]["words"] == ["sneakers", "trail"]
    status = client.get("/v1/shop/recognition", headers=auth("auditor", "audit-1")).json()
    assert (status["videos_scanned"], status["tags_proposed"]) == (1, 1)
    assert status["listings_indexed"] == 1


def test_a_listing_with_a_plain_photo_sells_but_is_not_recognisable(
    client: TestClient, auth: Auth
) -> None:
    listing = list_with_photo(client, auth, plain_photo("tote"), "Plain tote")

    assert listing["recognisable"] is False
    assert client.get(f"/v1/listings/{listing['id']}").json()["recognisable"] is False


def test_the_operator_runs_recognition_from_the_command_line(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    list_with_photo(client, auth, listing_png(2), "Ceramic mug")
    video = upload(client, auth, showing(2, seed=9150))
    core.close()  # the command opens the same files
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
    }
    environment.pop("SPOTLIGHT_STORE", None)

    ran = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "recognise-products"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert "recognised products in 1 videos" in ran.stdout
    assert "proposed 1 tags" in ran.stdout
    reopened = bootstrap(Settings.from_environ(environment))
    try:
        items = reopened.tagging.similar_items(UUID(video)).items
        assert [item.title for item in items] == ["Ceramic mug"]
    finally:
        reopened.close()
