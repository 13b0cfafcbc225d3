"""The media collector: blobs no live object holds (by the logs) and older than the grace
period are deleted; held blobs and young ones stay; an erased person's bytes that a stale
holding kept go at the next run. Over HTTP (admins), the CLI and the Python API."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from adapters.media.store import FileMediaHoldings, FileMediaStore
from application.auth import Principal, Role
from application.errors import NotPermitted
from entrypoints.bootstrap import Spotlight
from entrypoints.cli import main
from tests.e2e.test_media_playback_http import CLIP, erase, publish
from tests.media import corpus

Auth = Callable[[str, str], dict[str, str]]
DAY = 24 * 3600
ADMIN = Principal(Role.ADMIN, "ops")


def address(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def age(data_dir: Path, blob: str, seconds: float) -> None:
    """Make a blob look as if it was last put ``seconds`` ago."""
    path = data_dir / "media" / "blobs" / blob[:2] / blob
    then = time.time() - seconds
    os.utime(path, (then, then))


def stored(data_dir: Path) -> set[str]:
    return set(FileMediaStore(data_dir / "media").addresses())


def failed_upload(core: Spotlight, data: bytes) -> str:
    """An upload whose blob was stored but whose events never committed."""
    return core.media_store.put([data], content_type="video/mp4", limit=len(data)).address


def test_held_blobs_stay_unheld_old_ones_go_young_ones_stay(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    video = publish(client, auth, "ana")
    held = address(CLIP)
    old_orphan = failed_upload(core, b"an upload that failed two days ago")
    young_orphan = failed_upload(core, b"an upload still in flight")
    age(tmp_path, held, 30 * DAY)
    age(tmp_path, old_orphan, 2 * DAY)
    age(tmp_path, young_orphan, 60)
    admin = auth("admin", "ops")

    dry = client.post("/v1/media/collections", params={"dry_run": "true"}, headers=admin)
    after_dry = stored(tmp_path)
    run = client.post("/v1/media/collections", headers=admin)

    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert [b["address"] for b in dry.json()["collected"]] == [old_orphan]
    assert after_dry == {held, old_orphan, young_orphan}  # a dry run deletes nothing
    assert run.status_code == 200, run.text
    body = run.json()
    assert (body["blobs"], body["held"]) == (3, 1)
    assert [b["address"] for b in body["young"]] == [young_orphan]
    assert [b["address"] for b in body["collected"]] == [old_orphan]
    assert body["freed_bytes"] == len(b"an upload that failed two days ago")
    assert stored(tmp_path) == {held, young_orphan}
    played = client.get(f"/v1/videos/{video}/media", headers=auth("viewer", "vic"))
    assert played.status_code == 200
    assert played.content == CLIP


def test_putting_the_bytes_of_an_old_unheld_blob_again_makes_it_young(
    core: Spotlight, tmp_path: Path
) -> None:
    orphan = failed_upload(core, b"uploaded, failed, uploaded again")
    age(tmp_path, orphan, 3 * DAY)
    failed_upload(core, b"uploaded, failed, uploaded again")  # the retry, in flight

    found = core.media_collector.collect(ADMIN)

    assert [blob.address for blob in found.young] == [orphan]
    assert found.collected == ()
    assert orphan in stored(tmp_path)


def test_an_erased_persons_bytes_kept_by_a_stale_holding_are_collected(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    own = corpus.reference_clip(74, seconds=5)
    publish(client, auth, "ana", own)
    # Bo's upload of the same bytes failed after its holding was recorded: nothing in the
    # log holds the blob for him, but the holdings say he does.
    FileMediaHoldings(tmp_path / "media").hold(address(own), f"video:{uuid4()}", "bo")

    erased = erase(client, auth, "ana")
    kept_by_the_stale_holding = address(own) in stored(tmp_path)
    age(tmp_path, address(own), 2 * DAY)
    found = core.media_collector.collect(ADMIN)

    assert erased.status_code == 200, erased.text
    assert kept_by_the_stale_holding
    assert [blob.address for blob in found.collected] == [address(own)]
    assert address(own) not in stored(tmp_path)


def test_only_an_admin_collects(client: TestClient, auth: Auth, core: Spotlight) -> None:
    orphan = failed_upload(core, b"orphan")

    refused = client.post("/v1/media/collections", headers=auth("reviewer", "rita"))

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    with pytest.raises(NotPermitted):
        core.media_collector.collect(Principal(Role.AUDITOR, "aud"))
    assert core.media_store.size(orphan) == len(b"orphan")


def test_the_operator_collects_with_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "cli-secret-" + "x" * 24)
    monkeypatch.setenv("SPOTLIGHT_MEDIA_GRACE_HOURS", "1")
    store = FileMediaStore(tmp_path / "media")
    orphan = store.put([b"nobody holds this"], content_type=None, limit=100).address
    age(tmp_path, orphan, 2 * 3600)

    assert main(["media", "gc", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert main(["media", "gc"]) == 0
    said = capsys.readouterr().out

    assert dry["grace_hours"] == 1
    assert [b["address"] for b in dry["collected"]] == [orphan]
    assert f"collected: {orphan}" in said
    assert "1 blobs: 0 held, 0 unheld but young, 1 collected (17 bytes)" in said
    assert list(store.addresses()) == []
