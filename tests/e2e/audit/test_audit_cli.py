"""`spotlight audit`: an operator signs checkpoints, an auditor verifies the store with the
public key alone and exports a log; bad input is refused with status 2 and one line."""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.audit_cli import ProgressReport
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
STUDIO = Principal(Role.STUDIO, "legendary")
CREATOR = Principal(Role.CREATOR, "fan-1")


def environment_for(data_dir: Path, **extra: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(data_dir),
        "SPOTLIGHT_SECRET": "s" * 32,
        **extra,
    }
    for name in ("SPOTLIGHT_STORE", "SPOTLIGHT_AUDIT_KEY"):
        if name not in extra:
            environment.pop(name, None)
    return environment


def spotlight(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
    )


def write_some(data_dir: Path, titles: int = 3) -> None:
    core = bootstrap(Settings.from_environ(environment_for(data_dir)))
    try:
        for n in range(titles):
            CatalogueDriver(core).record_title(STUDIO, name=f"Dune {n}", kind=TitleKind.MOVIE)
            CatalogueDriver(core).record_video(
                CREATOR, caption=f"clip {n}", hashtags=["#dune"], category="comedy"
            )
        core.discovery.register_artist(
            Principal(Role.ARTIST, f"artist-{titles}"), name="Aoi", region="JP"
        )
    finally:
        core.close()


@pytest.fixture
def operator(tmp_path: Path) -> dict[str, str]:
    """The operator's environment over a store with a few records in two logs."""
    data_dir = tmp_path / "operator"
    write_some(data_dir)
    return environment_for(data_dir)


def test_checkpoints_signed_by_the_operator_verify_for_an_auditor_with_the_public_key(
    operator: dict[str, str], tmp_path: Path
) -> None:
    checkpoints = tmp_path / "checkpoints.json"

    signed = spotlight(operator, "audit", "checkpoint", "--out", str(checkpoints))
    public_key = spotlight(operator, "audit", "public-key")

    assert signed.returncode == 0, signed.stderr
    document = json.loads(checkpoints.read_text())
    assert [c["log"] for c in document["checkpoints"]] == ["catalogue", "music", "revenue", "inbox"]
    assert [c["position"] for c in document["checkpoints"]] == [6, 1, 0, 0]
    key_file = Path(operator["SPOTLIGHT_DATA_DIR"]) / "audit-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert public_key.returncode == 0
    assert document["public_key"] == public_key.stdout.strip()

    # The auditor has the store (here: the same files) and the public key, not the seed.
    auditor = environment_for(
        tmp_path / "auditor",
        SPOTLIGHT_STORE=f"sqlite:///{operator['SPOTLIGHT_DATA_DIR']}/spotlight.db",
    )
    verified = spotlight(
        auditor,
        "audit",
        "verify",
        "--checkpoint",
        str(checkpoints),
        "--public-key",
        public_key.stdout.strip(),
    )

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "OK: 4 logs verify, matching 4 signed checkpoints"
    assert "catalogue: 6 records up to position 6" in verified.stdout
    # Not a terminal: plain progress lines, no carriage returns.
    assert "verified catalogue: 6 records" in verified.stderr
    assert "\r" not in verified.stderr
    # Without a public key there is nothing to check the checkpoints with.
    keyless = spotlight(auditor, "audit", "verify", "--checkpoint", str(checkpoints))
    assert keyless.returncode == 2
    assert "--public-key" in keyless.stderr


def test_a_log_that_grew_after_its_checkpoint_still_verifies_and_a_changed_one_does_not(
    operator: dict[str, str], tmp_path: Path
) -> None:
    checkpoints = tmp_path / "checkpoints.json"
    assert spotlight(operator, "audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    write_some(Path(operator["SPOTLIGHT_DATA_DIR"]), titles=2)

    grown = spotlight(operator, "audit", "verify", "--checkpoint", str(checkpoints))
    assert grown.returncode == 0, grown.stdout + grown.stderr

    catalogue = Path(operator["SPOTLIGHT_DATA_DIR"]) / "spotlight.catalogue.db"
    with sqlite3.connect(catalogue) as connection:
        connection.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'Dune 1', "
            "'Dune 7') AS BLOB) WHERE rowid = 3"
        )
    changed = spotlight(operator, "audit", "verify", "--checkpoint", str(checkpoints))

    assert changed.returncode == 1
    assert "catalogue position 3: altered" in changed.stdout
    assert "TAMPERED: first finding in the catalogue log at position 3" in changed.stdout


def test_a_configured_audit_key_signs_and_a_malformed_one_is_refused(
    operator: dict[str, str], tmp_path: Path
) -> None:
    seed = base64.b64encode(bytes(range(32))).decode()
    configured = {**operator, "SPOTLIGHT_AUDIT_KEY": seed}
    checkpoints = tmp_path / "checkpoints.json"

    assert spotlight(configured, "audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    assert not (Path(operator["SPOTLIGHT_DATA_DIR"]) / "audit-key").exists()
    assert (
        spotlight(configured, "audit", "verify", "--checkpoint", str(checkpoints)).returncode == 0
    )
    # Another key's public key does not accept these signatures.
    other = spotlight(operator, "audit", "public-key").stdout.strip()
    forged = spotlight(
        configured, "audit", "verify", "--checkpoint", str(checkpoints), "--public-key", other
    )
    assert forged.returncode == 3
    assert forged.stdout.count("checkpoint rejected") == 4

    malformed = spotlight({**operator, "SPOTLIGHT_AUDIT_KEY": "c2hvcnQ="}, "audit", "checkpoint")
    assert malformed.returncode == 2
    assert malformed.stderr.strip() == (
        "spotlight: error: SPOTLIGHT_AUDIT_KEY must be base64 of 32 bytes (an Ed25519 seed), "
        "not 5 bytes"
    )


def test_export_writes_json_lines_with_the_links_verify_checks(
    operator: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "catalogue.jsonl"

    exported = spotlight(
        operator,
        "audit",
        "export",
        "--log",
        "catalogue",
        "--from",
        "2",
        "--to",
        "4",
        "--out",
        str(out),
    )
    everything = spotlight(operator, "audit", "export", "--log", "music")

    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["position"] for line in lines] == [2, 3, 4]
    assert set(lines[0]) == {
        "position",
        "topic",
        "originator_id",
        "version",
        "timestamp",
        "state",
        "link",
        "event",
    }
    assert lines[1]["topic"] == "spotlight.titles:TitleRegistered"
    assert lines[1]["state"]["name"] == "Dune 1"
    assert lines[1]["event"]["type"] == "TitleRegistered"
    assert lines[1]["event"]["data"]["name"] == "Dune 1"
    assert lines[1]["timestamp"].startswith("20")
    assert all(len(bytes.fromhex(line["link"])) == 32 for line in lines)
    assert everything.returncode == 0
    [artist] = [json.loads(line) for line in everything.stdout.splitlines()]
    assert artist["topic"] == "spotlight.artists:ArtistRegistered"


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["export", "--log", "shop"], "--log 'shop': no such log"),
        (["export", "--log", "catalogue", "--from", "7"], "--from 7 is beyond the end"),
        (["export", "--log", "catalogue", "--to", "99"], "--to 99 is beyond the end"),
        (["export", "--log", "catalogue", "--from", "4", "--to", "2"], "--from 4 is after --to 2"),
        (["export", "--log", "catalogue", "--from", "0"], "--from must be a position from 1"),
        (["verify", "--checkpoint", "/nonexistent/checkpoints.json"], "no such file"),
        (["verify", "--store", "sqlite:////nonexistent/spotlight.db"], "does not exist"),
        (["verify", "--store", "memory://"], "nothing to audit"),
        (["verify", "--page", "0"], "--page must be positive"),
    ],
)
def test_bad_input_is_refused_with_status_2_and_one_line(
    operator: dict[str, str], arguments: list[str], complaint: str
) -> None:
    result = spotlight(operator, "audit", *arguments)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("spotlight: error: ")
    assert complaint in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("not json at all", "not a checkpoints file: not JSON"),
        ('{"format": "something-else"}', "not a spotlight-audit-checkpoints/1 document"),
        (
            '{"format": "spotlight-audit-checkpoints/1", "checkpoints": [{"log": "shop", '
            '"position": 1, "head": "' + "00" * 32 + '", "at": "2025-01-01T00:00:00+00:00", '
            '"signature": ""}]}',
            "checkpoints name logs this store does not have: shop",
        ),
        (
            '{"format": "spotlight-audit-checkpoints/1", "checkpoints": [{"log": "catalogue", '
            '"position": 1, "head": "abcd", "at": "2025-01-01T00:00:00+00:00", "signature": ""}]}',
            "the head is not a 32-byte link",
        ),
    ],
)
def test_a_file_that_is_not_a_checkpoints_file_is_refused(
    operator: dict[str, str], tmp_path: Path, content: str, complaint: str
) -> None:
    assert spotlight(operator, "audit", "public-key").returncode == 0  # there is a key
    file = tmp_path / "checkpoints.json"
    file.write_text(content)

    result = spotlight(operator, "audit", "verify", "--checkpoint", str(file))

    assert result.returncode == 2, result.stdout + result.stderr
    assert complaint in result.stderr


def test_an_unreadable_store_is_bad_input(operator: dict[str, str]) -> None:
    catalogue = Path(operator["SPOTLIGHT_DATA_DIR"]) / "spotlight.catalogue.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{catalogue}{suffix}").unlink(missing_ok=True)
    catalogue.write_bytes(b"this is not a database" * 100)

    result = spotlight(operator, "audit", "verify")

    assert result.returncode == 2
    assert result.stderr.startswith("spotlight: error: ")


def test_the_exit_statuses_are_documented_in_the_help(operator: dict[str, str]) -> None:
    result = spotlight(operator, "audit", "verify", "--help")

    assert result.returncode == 0
    for line in (
        "0  every log verifies",
        "1  tampering found",
        "2  bad input",
        "3  a checkpoint's signature is invalid",
    ):
        assert line in result.stdout


def test_progress_on_a_terminal_is_redrawn_in_place_with_rate_and_eta() -> None:
    stream = io.StringIO()
    progress = ProgressReport(2_000, stream, interactive=True)
    progress.every = 0.0

    progress("catalogue", 500, 500)
    progress("catalogue", 1_000, 1_000)
    progress.log_done("catalogue", 1_000, 1_000)

    text = stream.getvalue()
    assert text.count("\r\033[K") == 3
    assert "verifying catalogue: position 1,000 (50% of all logs)" in text
    assert "records/s, ETA 0:00:" in text
    assert text.endswith("records/s)\n")
