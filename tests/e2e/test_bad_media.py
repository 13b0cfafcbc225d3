"""The media half of the bad-input corpus, through HTTP: decompression bombs (small files of
huge pictures or long sounds), damaged files, oversized bodies and too many decodes at once.
Each is refused with a problem document of a stable type, and no log records anything."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.media import bombs, corpus

Auth = Callable[[str, str], dict[str, str]]
PROBLEM = "application/problem+json"
CLIP = corpus.reference_clip(31, seconds=12)


def events_recorded(core: Spotlight) -> int:
    """Every event of every log: a refusal leaves them all as they were."""
    logs = (core._catalogue, core._music, core._revenue, core._inbox)
    return sum(log.recorder.max_notification_id() or 0 for log in logs)


def assert_problem(response: Any, status: int, slug: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:spotlight:problem:{slug}"
    detail: str = response.json()["detail"]
    assert detail
    return detail


def photo(kind: str) -> bytes:
    out = io.BytesIO()
    pixels = np.random.default_rng(7).integers(0, 256, (300, 400, 3), np.uint8)
    Image.fromarray(pixels).save(out, kind)
    return out.getvalue()


def list_product(client: TestClient, auth: Auth, *images: bytes) -> Any:
    return client.post(
        "/v1/listings",
        data={
            "title": "Apron",
            "price_minor": "2450",
            "currency": "USD",
            "stock": "3",
            "category": "cooking",
        },
        files=[("image", (f"{n}.img", data, "image/png")) for n, data in enumerate(images)],
        headers=auth("seller", "acme"),
    )


def publish(client: TestClient, auth: Auth, media: bytes) -> Any:
    return client.post(
        "/v1/videos",
        data={"caption": "my edit", "category": "film-and-tv"},
        files={"media": ("clip", media, "application/octet-stream")},
        headers=auth("creator", "fan-1"),
    )


def submit_track(client: TestClient, auth: Auth, media: bytes) -> Any:
    return client.post(
        "/v1/artists/aiko/tracks",
        data={"title": "Long"},
        files={"media": ("song", media, "application/octet-stream")},
        headers=auth("artist", "aiko"),
    )


@pytest.fixture
def seller_and_artist(client: TestClient, auth: Auth) -> None:
    seller = client.post("/v1/sellers", json={"name": "Acme"}, headers=auth("seller", "acme"))
    artist = client.post(
        "/v1/artists", json={"name": "Aiko", "region": "JP"}, headers=auth("artist", "aiko")
    )
    assert (seller.status_code, artist.status_code) == (201, 201)


@pytest.mark.usefixtures("seller_and_artist")
def test_small_files_that_decode_to_huge_pictures_are_refused_before_decoding(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    before = events_recorded(core)

    png = list_product(client, auth, bombs.huge_png(6_000, 6_000))
    ten_pngs = list_product(client, auth, *[bombs.huge_png(6_000, 6_000)] * 10)
    video = publish(client, auth, bombs.huge_video())

    assert "6000 x 6000 pixels" in assert_problem(png, 413, "media-too-large")
    assert "image 1" in assert_problem(ten_pngs, 413, "media-too-large")
    assert "8192 x 8192 pixels" in assert_problem(video, 413, "media-too-large")
    assert events_recorded(core) == before


@pytest.mark.usefixtures("seller_and_artist")
def test_a_long_quiet_sound_in_a_small_file_is_refused_from_its_header(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    before = events_recorded(core)
    fourteen_minutes = bombs.long_quiet_opus(minutes=14)
    assert len(fourteen_minutes) < 700_000

    as_track = submit_track(client, auth, fourteen_minutes)
    as_video = publish(client, auth, fourteen_minutes)

    assert "the limit is 10 minutes" in assert_problem(as_track, 413, "media-too-large")
    assert "the limit is 10 minutes" in assert_problem(as_video, 413, "media-too-large")
    assert events_recorded(core) == before


@pytest.mark.usefixtures("seller_and_artist")
def test_damaged_media_is_unreadable_and_records_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    before = events_recorded(core)
    opus = bombs.long_quiet_opus(minutes=0.2)

    videos = {
        "MP4 cut short": corpus.truncated(CLIP),
        "MP4 with bits flipped": bombs.bit_flipped(CLIP),
        "Opus with bits flipped": bombs.bit_flipped(opus),
        "MP4 cut to its first 2 kB": CLIP[:2048],
    }
    pictures = {
        "PNG cut short": photo("PNG")[:6_000],
        "PNG with bits flipped": bombs.bit_flipped(photo("PNG")),
        "JPEG cut short": photo("JPEG")[:3_000],
        "JPEG with bits flipped": bombs.bit_flipped(photo("JPEG")),
        "WebP cut short": photo("WEBP")[:3_000],
    }

    for why, media in videos.items():
        for response in (publish(client, auth, media), submit_track(client, auth, media)):
            assert response.status_code == 422, (why, response.text)
            assert_problem(response, 422, "unreadable-media")
    for why, picture in pictures.items():
        response = list_product(client, auth, picture)
        assert response.status_code == 422, (why, response.text)
        assert_problem(response, 422, "unreadable-image")
    assert events_recorded(core) == before


def test_a_body_over_the_cap_is_refused_before_it_is_read(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    before = events_recorded(core)
    name = "x" * (2 * 2**20)
    headers = {**auth("studio", "legendary"), "content-type": "application/json"}
    body = f'{{"name": "{name}", "kind": "movie"}}'.encode()

    declared = client.post("/v1/titles", content=body, headers=headers)
    streamed = client.post(  # no Content-Length: chunked, counted as it arrives
        "/v1/titles",
        content=(body[i : i + 65_536] for i in range(0, len(body), 65_536)),
        headers=headers,
    )

    assert "the limit is 1,048,576" in assert_problem(declared, 413, "payload-too-large")
    assert "over the limit" in assert_problem(streamed, 413, "payload-too-large")
    assert events_recorded(core) == before
    fine = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=headers)
    assert fine.status_code == 201, fine.text


@pytest.fixture
def one_slot(tmp_path: Path) -> Iterator[tuple[TestClient, Spotlight]]:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
            "SPOTLIGHT_DECODE_SLOTS": "1",
            "SPOTLIGHT_DECODE_WAIT_SECONDS": "0",
        }
    )
    running = bootstrap(settings)
    yield TestClient(create_app(running)), running
    running.close()


def test_an_upload_that_finds_every_decoder_busy_is_told_when_to_come_back(
    one_slot: tuple[TestClient, Spotlight],
) -> None:
    client, core = one_slot
    token = core.tokens.issue(Principal(Role.CREATOR, "fan-1"), lifetime=timedelta(hours=1))
    taken, release = threading.Event(), threading.Event()

    def someone_else_decoding() -> None:
        with core.decode_slots.held():
            taken.set()
            release.wait(30)

    other = threading.Thread(target=someone_else_decoding)
    other.start()
    try:
        assert taken.wait(30)
        busy = publish(client, lambda _r, _s: {"Authorization": f"Bearer {token}"}, CLIP)
    finally:
        release.set()
        other.join()
    later = publish(client, lambda _r, _s: {"Authorization": f"Bearer {token}"}, CLIP)

    assert_problem(busy, 503, "decoders-busy")
    assert busy.headers["Retry-After"] == "1"
    assert later.status_code == 201, later.text
