"""A seller's photos of a listing: kept in the media store, listed on the listing's read and
shown on its web page, served with byte ranges; refusals are problem+json with nothing
recorded and no byte kept; a removed photo's bytes go at the next media collection."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.shop.listings import MAX_PHOTOS
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.e2e.shop.test_shop_http import (
    assert_problem,
    encoded,
    listed,
    noisy_png,
    png,
    register_seller,
)
from tests.e2e.web.test_web_pages_http import csrf_of, signed_in

Auth = Callable[[str, str], dict[str, str]]


def add(client: TestClient, auth: Auth, listing: str, data: bytes, seller: str = "ines") -> Any:
    return client.post(
        f"/v1/listings/{listing}/photos",
        files={"photo": ("photo.png", data, "image/png")},
        headers=auth("seller", seller),
    )


def blobs(data_dir: Path) -> set[str]:
    root = data_dir / "media" / "blobs"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def a_listing(client: TestClient, auth: Auth) -> str:
    register_seller(client, auth, "ines")
    return listed(client, auth, "ines", "Linen apron")


def test_a_sellers_photos_are_listed_shown_and_served_by_ranges(
    client: TestClient, auth: Auth
) -> None:
    listing = a_listing(client, auth)
    front, back = png(3, side=64), encoded("JPEG")

    first = add(client, auth, listing, front)
    second = add(client, auth, listing, back)
    read = client.get(f"/v1/listings/{listing}")
    whole = client.get(f"/v1/listings/{listing}/photos/{hashlib.sha256(front).hexdigest()}")
    part = client.get(
        f"/v1/listings/{listing}/photos/{hashlib.sha256(back).hexdigest()}",
        headers={"Range": "bytes=0-9"},
    )
    web = signed_in(TestClient(client.app, base_url="https://testserver"), "vic", "viewer")
    page = web.get(f"/shop/listings/{listing}")

    assert first.status_code == 201, first.text
    assert first.json()["content_type"] == "image/png"
    assert first.headers["location"].endswith(f"/photos/{hashlib.sha256(front).hexdigest()}")
    assert second.json()["content_type"] == "image/jpeg"  # what the bytes say, not the form
    assert [(p["address"], p["size"]) for p in read.json()["photos"]] == [
        (hashlib.sha256(front).hexdigest(), len(front)),
        (hashlib.sha256(back).hexdigest(), len(back)),
    ]
    assert whole.status_code == 200
    assert whole.content == front
    assert whole.headers["content-type"] == "image/png"
    assert part.status_code == 206
    assert part.content == back[:10]
    assert page.status_code == 200
    assert f'src="/v1/listings/{listing}/photos/{hashlib.sha256(front).hexdigest()}"' in page.text


def test_refusals_record_nothing_and_keep_no_byte(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    listing = a_listing(client, auth)
    register_seller(client, auth, "omar")
    version = client.get(f"/v1/listings/{listing}").headers["etag"]
    kept = blobs(tmp_path)

    not_a_picture = add(client, auth, listing, b"<svg onload=alert(1)></svg>")
    broken_png = add(client, auth, listing, png(4)[:40])
    anothers = add(client, auth, listing, png(5), seller="omar")
    viewer = client.post(
        f"/v1/listings/{listing}/photos",
        files={"photo": ("p.png", png(6), "image/png")},
        headers=auth("viewer", "vic"),
    )
    nothing = client.post(
        f"/v1/listings/{listing}/photos", data={"x": "1"}, headers=auth("seller", "ines")
    )

    assert_problem(not_a_picture, 422, "unreadable-media")
    assert_problem(broken_png, 422, "unreadable-media")
    assert anothers.status_code == 403, anothers.text
    assert viewer.status_code == 403
    assert nothing.status_code in (415, 422)
    assert client.get(f"/v1/listings/{listing}").headers["etag"] == version
    assert blobs(tmp_path) == kept


def test_a_photo_past_the_size_limit_or_the_count_is_refused(
    client: TestClient, auth: Auth, tmp_path: Path
) -> None:
    listing = a_listing(client, auth)
    for n in range(MAX_PHOTOS):
        assert add(client, auth, listing, png(100 + n)).status_code == 201
    one_too_many = add(client, auth, listing, png(99))
    other = listed(client, auth, "ines", "Linen towel")
    assert add(client, auth, other, png(100)).status_code == 201
    same_again = add(client, auth, other, png(100))
    small = bootstrap(e2e_settings(tmp_path / "small", MAX_PHOTO_MB="0.01"))
    try:
        small_client = TestClient(create_app(small))
        token = small.tokens.issue(Principal(Role.SELLER, "ines"), lifetime=timedelta(hours=1))
        headers = {"Authorization": f"Bearer {token}"}
        assert small_client.post("/v1/sellers", json={"name": "I"}, headers=headers).is_success
        small_listing = small_client.post(
            "/v1/listings",
            data={
                "title": "Apron",
                "description": "",
                "price_minor": "100",
                "currency": "USD",
                "stock": "1",
                "category": "cooking",
            },
            files=[("image", ("a.png", png(1), "image/png"))],
            headers=headers,
        ).json()["id"]
        too_large = small_client.post(
            f"/v1/listings/{small_listing}/photos",
            files={"photo": ("big.png", noisy_png(80), "image/png")},
            headers=headers,
        )
    finally:
        small.close()

    assert_problem(one_too_many, 409, "rule-violated")
    assert_problem(same_again, 409, "rule-violated")
    assert too_large.status_code == 413, too_large.text
    assert not blobs(tmp_path / "small")


def test_a_removed_photo_leaves_the_listing_and_its_bytes_go_at_the_next_collection(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    listing = a_listing(client, auth)
    photo = png(7)
    address = hashlib.sha256(photo).hexdigest()
    assert add(client, auth, listing, photo).status_code == 201

    removed = client.delete(
        f"/v1/listings/{listing}/photos/{address}", headers=auth("seller", "ines")
    )
    gone = client.get(f"/v1/listings/{listing}/photos/{address}")
    then = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / "media" / "blobs" / address[:2] / address, (then, then))
    collected = core.media_collector.collect(Principal(Role.ADMIN, "ops"))

    assert removed.status_code == 204, removed.text
    assert client.get(f"/v1/listings/{listing}").json()["photos"] == []
    assert gone.status_code == 404
    assert [blob.address for blob in collected.collected] == [address]
    assert address not in blobs(tmp_path)


def test_the_seller_adds_a_photo_from_the_listings_page(client: TestClient, auth: Auth) -> None:
    app = client.app
    seller = signed_in(TestClient(app, base_url="https://testserver"), "ines", "seller")
    listing = a_listing(client, auth)
    page = seller.get(f"/shop/listings/{listing}")
    photo = png(8, side=32)

    added = seller.post(
        f"/seller/listings/{listing}/photos",
        data={"csrf_token": csrf_of(page)},
        files={"photo": ("front.png", photo, "image/png")},
        follow_redirects=False,
    )
    refused = seller.post(
        f"/seller/listings/{listing}/photos",
        data={"csrf_token": csrf_of(page)},
        files={"photo": ("notes.png", b"not a picture at all", "image/png")},
    )
    viewer = signed_in(TestClient(app, base_url="https://testserver"), "vic", "viewer")
    seen = viewer.get(f"/shop/listings/{listing}")

    assert 'id="add-photo"' in page.text
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"/shop/listings/{listing}?done=photo"
    assert refused.status_code == 422
    assert "JPEG, PNG or WebP" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert [p["address"] for p in client.get(f"/v1/listings/{listing}").json()["photos"]] == [
        hashlib.sha256(photo).hexdigest()
    ]
    assert 'id="add-photo"' not in seen.text
    assert f"/photos/{hashlib.sha256(photo).hexdigest()}" in seen.text
