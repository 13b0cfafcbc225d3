"""`spotlight backup` and `spotlight restore` carry the media store's blobs: each copied once
by its address, checked against it on restore, skipped when the target holds it already; the
restored store verifies, plays its media back, and erasing a person afterwards deletes their
bytes (the holdings are recorded again from the restored logs)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest

from adapters.media.store import FileMediaStore
from application.auth import Principal, Role
from application.media_store import MediaNotStored
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.e2e.audit.test_audit_cli import environment_for, spotlight
from tests.media import corpus

ANA = Principal(Role.CREATOR, "ana")
STUDIO = Principal(Role.STUDIO, "legendary")
AIKO = Principal(Role.ARTIST, "aiko")
ADMIN = Principal(Role.ADMIN, "root")
CLIP = corpus.reference_clip(91, seconds=5, size=(320, 180))
TRAILER = corpus.mirrored(CLIP)
SONG = corpus.audio_only_wav(corpus.reference_clip(92, seconds=6, size=(320, 180)))


@contextmanager
def core_on(environment: dict[str, str]) -> Iterator[Spotlight]:
    core = bootstrap(Settings.from_environ(environment))
    try:
        yield core
    finally:
        core.close()


@attrs.frozen
class Uploads:
    video: UUID
    title: UUID
    reference: UUID
    track: UUID


def upload(environment: dict[str, str]) -> Uploads:
    """A video, a reference clip and a track with their media, and Ana's personal data."""
    with core_on(environment) as core:
        video = core.anchoring.publish_video(
            ANA, caption="edit", hashtags=[], category="film-and-tv", media=CLIP
        ).video
        title = core.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE)
        reference = core.anchoring.add_reference(
            STUDIO, title.id, label="trailer", media=TRAILER, media_type="video/mp4"
        )
        core.discovery.register_artist(AIKO, name="Aiko", region="JP")
        track = core.discovery.submit_track(AIKO, title="Blue", media=SONG, media_type="audio/wav")
        core.personal_data.record(
            ANA, ANA, name="Ana Lima", contact="ana@example.com", date_of_birth=date(1991, 5, 6)
        )
        return Uploads(video.id, title.id, reference.reference_id, track.id)


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Uploads]:
    data_dir = tmp_path_factory.mktemp("uploaded") / "data"
    return data_dir, upload(environment_for(data_dir))


@pytest.fixture
def source(uploaded: tuple[Path, Uploads], tmp_path: Path) -> dict[str, str]:
    """A SQLite store with the uploads, of its own for each test (copied, no core open)."""
    shutil.copytree(uploaded[0], tmp_path / "source")
    return environment_for(tmp_path / "source")


def ok(result: Any) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


def address(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plays_back(environment: dict[str, str], uploads: Uploads) -> None:
    """Each object's media is read through the services, as a person would play it."""
    with core_on(environment) as core:
        blob = core.anchors_media.video_media(ANA, uploads.video)
        assert b"".join(core.media_store.open(blob.address)) == CLIP
        trailer = core.anchors_media.reference_media(STUDIO, uploads.title, uploads.reference)
        assert b"".join(core.media_store.open(trailer.address, 0, 100)) == TRAILER[:100]
        song = core.discovery.track_media(AIKO, uploads.track)
        assert core.media_store.size(song.address) == len(SONG)


def backed_up_and_restored(
    source: dict[str, str], target: dict[str, str], backup: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    made = spotlight(source, "backup", str(backup), "--json")
    ok(made)
    restored = spotlight(target, "restore", str(backup), "--json")
    ok(restored)
    return json.loads(made.stdout)["manifest"], json.loads(restored.stdout)


def test_the_blobs_are_backed_up_by_address_and_restored_onto_an_empty_data_dir(
    source: dict[str, str], uploaded: tuple[Path, Uploads], tmp_path: Path
) -> None:
    uploads = uploaded[1]
    target = environment_for(tmp_path / "target")
    backup = tmp_path / "backup"

    manifest, report = backed_up_and_restored(source, target, backup)

    wanted = {address(CLIP): len(CLIP), address(TRAILER): len(TRAILER), address(SONG): len(SONG)}
    assert {b["address"]: b["size"] for b in manifest["media"]["blobs"]} == wanted
    assert manifest["media"]["bytes"] == sum(wanted.values())
    assert {p.name for p in (backup / "media").iterdir()} == set(wanted)
    assert report["media"] == {"blobs": 3, "restored": 3, "present": 0}
    assert set(FileMediaStore(tmp_path / "target" / "media").addresses()) == set(wanted)
    ok(spotlight(target, "audit", "verify"))
    plays_back(target, uploads)
    # The holdings were recorded again from the restored logs: erasing Ana deletes her bytes.
    with core_on(target) as core:
        core.personal_data.erase(ADMIN, ANA)
        with pytest.raises(MediaNotStored):
            core.media_store.size(address(CLIP))
        assert core.media_store.size(address(SONG)) == len(SONG)


def test_blobs_the_target_holds_already_are_skipped(
    source: dict[str, str], uploaded: tuple[Path, Uploads], tmp_path: Path
) -> None:
    uploads = uploaded[1]
    target_store = FileMediaStore(tmp_path / "target" / "media")
    target_store.put([SONG], content_type=None, limit=len(SONG))
    target = environment_for(tmp_path / "target")

    _manifest, report = backed_up_and_restored(source, target, tmp_path / "backup")

    assert report["media"] == {"blobs": 3, "restored": 2, "present": 1}
    plays_back(target, uploads)


def flip_a_bit(blob: Path) -> None:
    content = bytearray(blob.read_bytes())
    content[len(content) // 2] ^= 0x01
    blob.write_bytes(bytes(content))


def cut_short(blob: Path) -> None:
    blob.write_bytes(blob.read_bytes()[:-10])


def lose(blob: Path) -> None:
    blob.unlink()


@pytest.mark.parametrize("damage", [flip_a_bit, cut_short, lose], ids=["flipped", "cut", "lost"])
def test_a_damaged_blob_is_refused_before_anything_is_written(
    source: dict[str, str], tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    backup = tmp_path / "backup"
    ok(spotlight(source, "backup", str(backup)))
    damage(backup / "media" / address(SONG))
    target_dir = tmp_path / "target"

    restored = spotlight(environment_for(target_dir), "restore", str(backup))

    assert restored.returncode == 4, restored.stdout + restored.stderr
    assert f"media/{address(SONG)}" in restored.stderr
    assert "nothing was written" in restored.stderr
    assert not target_dir.exists()


def test_a_postgresql_store_and_its_blobs_restore_onto_a_fresh_schema(
    postgres_url: str, postgres_schema: Callable[[str], str], tmp_path: Path
) -> None:
    source = environment_for(
        tmp_path / "source",
        SPOTLIGHT_STORE=f"{postgres_url}?schema={postgres_schema('media_source')}",
    )
    uploads = upload(source)
    target = environment_for(
        tmp_path / "target",
        SPOTLIGHT_STORE=f"{postgres_url}?schema={postgres_schema('media_target')}",
    )

    manifest, report = backed_up_and_restored(source, target, tmp_path / "backup")

    assert manifest["media"]["count"] == 3
    assert report["media"]["restored"] == 3
    ok(spotlight(target, "audit", "verify"))
    plays_back(target, uploads)
