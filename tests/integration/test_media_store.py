"""The media store: one contract for every adapter, the events that name its blobs on every
event store, and one decoding of a published video for every consumer of its pictures."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.media.store import (
    FileMediaHoldings,
    FileMediaStore,
    MemoryMediaHoldings,
    MemoryMediaStore,
)
from application.auth import Principal, Role
from application.media import MediaTooLarge
from application.media_store import (
    MediaErasure,
    MediaHoldings,
    MediaNotStored,
    MediaStore,
    check_media,
    content_type_of,
)
from application.views import VideoView
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from domain.media import MediaFingerprints
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.cli import main
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.deployments import STORES, Deployment, StoreUnderTest, store_under_test
from tests.media import corpus
from tests.media.counting import CountingDecoder

DATA = bytes(range(256)) * 41  # 10,496 bytes: more than one read chunk of the memory store
ADDRESS = "0d14a0c3f2b4d3f3b1ab1f4c36a8d4c1b1a3f6f1e0f6b3a2d9c8e7f6a5b4c3d2"


def chunked(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


Stores = Callable[[Path], tuple[MediaStore, MediaHoldings]]
ADAPTERS: dict[str, Stores] = {
    "files": lambda root: (FileMediaStore(root), FileMediaHoldings(root)),
    "memory": lambda root: (MemoryMediaStore(), MemoryMediaHoldings()),
}


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 server (a real HTTP endpoint) on a free port of 127.0.0.1, for this module."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("boto3") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("moto[server] and boto3 are dev dependencies: install .[dev]")
        pytest.skip("moto[server] is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_adapter(endpoint: str, bucket: str) -> tuple[MediaStore, MediaHoldings]:
    from adapters.media.s3 import S3Location, S3MediaHoldings, S3MediaStore

    location = S3Location(f"s3://{bucket}/spotlight?endpoint={endpoint}")
    location.client.create_bucket(Bucket=bucket)
    return S3MediaStore(location), S3MediaHoldings(location)


@pytest.fixture(params=["files", "memory", "s3"])
def adapter(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[MediaStore, MediaHoldings]:
    if request.param == "s3":
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, "testing")
        endpoint: str = request.getfixturevalue("s3_server")
        return s3_adapter(endpoint, f"media-{secrets.token_hex(4)}")
    return ADAPTERS[request.param](tmp_path / "media")


def test_a_blob_is_kept_under_its_sha256_and_read_back_whole_or_by_range(
    adapter: tuple[MediaStore, MediaHoldings],
) -> None:
    store, _ = adapter
    stored = store.put(chunked(DATA), content_type="video/mp4", limit=len(DATA))

    assert stored.address == hashlib.sha256(DATA).hexdigest()
    assert (stored.size, stored.content_type) == (len(DATA), "video/mp4")
    assert store.size(stored.address) == len(DATA)
    assert b"".join(store.open(stored.address)) == DATA
    assert b"".join(store.open(stored.address, 100, 5000)) == DATA[100:5000]
    assert b"".join(store.open(stored.address, len(DATA) - 1)) == DATA[-1:]


def test_a_blob_knows_when_it_was_last_put_and_a_put_again_renews_it(
    adapter: tuple[MediaStore, MediaHoldings],
) -> None:
    store, _ = adapter
    before = datetime.now(UTC) - timedelta(seconds=5)
    stored = store.put(chunked(DATA), content_type="video/mp4", limit=len(DATA))
    first = store.stored_at(stored.address)
    time.sleep(1.1)  # S3's LastModified has whole seconds
    store.put(chunked(DATA), content_type="video/mp4", limit=len(DATA))
    again = store.stored_at(stored.address)

    assert before <= first <= datetime.now(UTC) + timedelta(seconds=5)
    assert again > first
    store.delete(stored.address)
    with pytest.raises(MediaNotStored):
        store.stored_at(stored.address)


def test_the_same_bytes_are_stored_once_and_deleted_once(
    adapter: tuple[MediaStore, MediaHoldings], tmp_path: Path
) -> None:
    store, _ = adapter
    first = store.put(chunked(DATA), content_type="video/mp4", limit=len(DATA))
    again = store.put(chunked(DATA, 7), content_type="audio/wav", limit=len(DATA))

    assert again.address == first.address
    assert again.content_type == "audio/wav"  # each holder says how it serves the bytes
    if isinstance(store, FileMediaStore):
        assert [p.name for p in (tmp_path / "media" / "blobs").rglob("*") if p.is_file()] == [
            first.address
        ]
    assert store.delete(first.address) is True
    assert store.delete(first.address) is False
    with pytest.raises(MediaNotStored):
        store.size(first.address)
    with pytest.raises(MediaNotStored):
        store.open(first.address)


def test_an_upload_past_the_limit_or_broken_off_leaves_nothing_behind(
    adapter: tuple[MediaStore, MediaHoldings], tmp_path: Path
) -> None:
    store, _ = adapter

    def broken() -> Iterator[bytes]:
        yield DATA[:1000]
        raise ConnectionError("the client went away")

    with pytest.raises(MediaTooLarge):
        store.put(chunked(DATA), content_type=None, limit=len(DATA) - 1)
    with pytest.raises(ConnectionError):
        store.put(broken(), content_type=None, limit=len(DATA))

    left = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert left == []
    with pytest.raises(MediaNotStored):
        store.size(hashlib.sha256(DATA).hexdigest())


def test_an_address_that_is_not_a_digest_never_reaches_a_path(
    adapter: tuple[MediaStore, MediaHoldings],
) -> None:
    store, holdings = adapter
    for bad in ("../../etc/passwd", ADDRESS.upper(), ADDRESS[:-1], ""):
        with pytest.raises(MediaNotStored):
            store.size(bad)
    with pytest.raises(ValueError, match="holder"):
        holdings.hold(ADDRESS, "../video:1", "ana")


def test_erasure_deletes_a_persons_blobs_but_one_another_person_holds(
    adapter: tuple[MediaStore, MediaHoldings],
) -> None:
    store, holdings = adapter
    own = store.put([b"ana's own clip"], content_type="video/mp4", limit=100)
    shared = store.put([b"the same clip twice"], content_type="video/mp4", limit=100)
    holdings.hold(own.address, "video:1", "ana")
    holdings.hold(shared.address, "video:2", "ana")
    holdings.hold(shared.address, "video:3", "bob")
    erasure = MediaErasure(store, holdings)

    deleted = erasure.erase("ana")
    again = erasure.erase("ana")

    assert (deleted, again) == (1, 0)
    with pytest.raises(MediaNotStored):
        store.size(own.address)
    assert store.size(shared.address) == len(b"the same clip twice")
    assert holdings.held_by("ana") == []
    assert holdings.held_by("bob") == [(shared.address, "video:3")]
    assert erasure.erase("bob") == 1


def test_the_check_reads_every_blob_back_and_names_none_when_all_are_whole(
    adapter: tuple[MediaStore, MediaHoldings],
) -> None:
    store, _ = adapter
    first = store.put([DATA], content_type=None, limit=len(DATA))
    second = store.put([b"another clip"], content_type=None, limit=100)

    found = check_media(store)

    assert sorted(store.addresses()) == sorted([first.address, second.address])
    assert (found.blobs, found.size, found.damaged) == (2, len(DATA) + 12, ())


def test_an_operator_finds_a_blob_changed_on_disk_with_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "cli-secret-" + "x" * 24)
    store = FileMediaStore(tmp_path / "media")
    whole = store.put([b"a clip that stays whole"], content_type=None, limit=100)
    changed = store.put([b"a clip that bit rot reaches"], content_type=None, limit=100)

    assert main(["media-check"]) == 0
    healthy = capsys.readouterr().out
    (tmp_path / "media" / "blobs" / changed.address[:2] / changed.address).write_bytes(b"rot")
    code = main(["media-check"])
    report = capsys.readouterr().out

    assert healthy.strip() == "2 blobs, 50 bytes; 0 damaged"
    assert code == 1
    assert f"damaged: {changed.address}" in report
    assert whole.address not in report


def test_only_playable_declared_types_are_kept() -> None:
    assert content_type_of("video/MP4; codecs=avc1") == "video/mp4"
    assert content_type_of("audio/wav") == "audio/wav"
    assert content_type_of("text/html") == "application/octet-stream"
    assert content_type_of("image/svg+xml") == "application/octet-stream"
    assert content_type_of(None) == "application/octet-stream"


# The events that name blobs, on every event store ------------------------------------------


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "media")


class MediaDeployment(Deployment):
    def rebuilt(self, core: Spotlight, identities: object) -> Spotlight:
        return core  # the memory store: the same logs, read again below


CLIP = corpus.reference_clip(91, seconds=5, size=(320, 180))
SONG = corpus.audio_only_wav(corpus.reference_clip(92, seconds=6, size=(320, 180)))


def published_by_ana(core: Spotlight, media_type: str | None = None) -> VideoView:
    return core.anchoring.publish_video(
        Principal(Role.CREATOR, "ana"),
        caption="edit",
        hashtags=[],
        category="film-and-tv",
        media=CLIP,
        media_type=media_type,
    ).video


def test_every_upload_keeps_its_media_and_its_event_names_the_blob_after_a_restart(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    deployment = MediaDeployment(store, tmp_path, secret=b"m" * 32)
    core = deployment.start()
    studio = Principal(Role.STUDIO, "legendary")
    aiko = Principal(Role.ARTIST, "aiko")
    try:
        video = published_by_ana(core, "video/mp4")
        title = core.anchoring.register_title(studio, name="Dune", kind=TitleKind.MOVIE)
        reference = core.anchoring.add_reference(
            studio, title.id, label="trailer", media=corpus.mirrored(CLIP), media_type="video/mp4"
        )
        core.discovery.register_artist(aiko, name="Aiko", region="JP")
        track = core.discovery.submit_track(aiko, title="Blue", media=SONG, media_type="audio/wav")

        again = deployment.fresh_start()
        stored_video = again._catalogue.load(Video, video.id).stored_media
        stored_reference = again._catalogue.load(Title, title.id).reference_media[
            reference.reference_id
        ]
        stored_track = again._music.load(Track, track.id).stored_media

        assert stored_video is not None
        assert stored_video.address == hashlib.sha256(CLIP).hexdigest()
        assert stored_video.content_type == "video/mp4"
        assert b"".join(again.media_store.open(stored_video.address)) == CLIP
        assert stored_reference.size == len(corpus.mirrored(CLIP))
        assert stored_track is not None
        assert (stored_track.content_type, stored_track.size) == ("audio/wav", len(SONG))
        assert again.media_store.size(stored_track.address) == len(SONG)
    finally:
        deployment.stop_all()


# One decoding for every consumer --------------------------------------------------------


def test_publishing_a_video_decodes_it_once_for_the_anchors_and_the_shop(tmp_path: Path) -> None:
    decoder = CountingDecoder()
    deployment = MediaDeployment(
        StoreUnderTest("sqlite", f"sqlite:///{tmp_path}/spotlight.db", shared=True),
        tmp_path,
        secret=b"m" * 32,
        decoder=decoder,
    )
    core = deployment.start()
    try:
        video = published_by_ana(core)
        taken = core._catalogue.load(
            MediaFingerprints, MediaFingerprints.id_for(f"video:{video.id}")
        )

        assert decoder.decoded == 1
        # Both consumers were fed: the anchors' engines and the shop's product frames.
        assert {"audio", "visual", "products"} <= set(taken.fingerprints)
        assert isinstance(video.id, UUID)
    finally:
        deployment.stop_all()


def test_a_deployment_that_names_a_bucket_keeps_and_plays_uploads_from_s3(
    s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    bucket = f"media-{secrets.token_hex(4)}"
    s3_adapter(s3_server, bucket)
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "s3-secret-" + "x" * 24,
            "SPOTLIGHT_MEDIA_STORE": f"s3://{bucket}/spotlight?endpoint={s3_server}",
        }
    )
    with bootstrap(settings) as core:
        video = published_by_ana(core, "video/mp4")
        token = core.tokens.issue(Principal(Role.VIEWER, "vic"), lifetime=timedelta(hours=1))
        played = TestClient(create_app(core)).get(
            f"/v1/videos/{video.id}/media",
            headers={"Authorization": f"Bearer {token}", "Range": "bytes=10-19"},
        )

        assert type(core.media_store).__name__ == "S3MediaStore"
        assert (played.status_code, played.content) == (206, CLIP[10:20])
        assert not (tmp_path / "media").exists()  # nothing of it on the local disk
