"""`spotlight backup` and `spotlight restore`: a store with events in every program is backed
up while it is being written, restored onto an empty store (SQLite, PostgreSQL, and from one
to the other), and the restored store verifies against the checkpoints signed at the backup
and replays to the same read models; a damaged backup and a non-empty target are refused with
nothing written."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Snapshot
from psycopg import sql

from application.audit.audit_replay import read_model_views
from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from domain.revenue.ledger import LedgerAccount, campaign_budget
from entrypoints.backup_cli import TerminalProgress
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.e2e.audit.test_audit_cli import environment_for, spotlight
from tests.replay_scene import ADMIN, Scene, invite, moderate, set_scene

STUDIO = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
SOL = Principal(Role.VIEWER, "sol")
LOGS = ("catalogue", "music", "revenue", "inbox")


@contextmanager
def core_on(environment: dict[str, str]) -> Iterator[Spotlight]:
    core = bootstrap(Settings.from_environ(environment))
    try:
        yield core
    finally:
        core.close()


def populate(environment: dict[str, str]) -> Scene:
    """Events in every program, personal data sealed with a key (and one erased), and a
    snapshot of the campaign's budget account in the revenue log."""
    with core_on(environment) as core:
        scene = set_scene(core)
        invite(core, scene, 1, 40_000)
        moderate(core, scene, 2, 1)
        core.personal_data.record(
            MIA, MIA, name="Mia Park", contact="mia@example.com", date_of_birth=date(1990, 4, 2)
        )
        core.personal_data.record(
            SOL, SOL, name="Sol Ruiz", contact="sol@example.com", date_of_birth=date(1988, 1, 9)
        )
        core.personal_data.erase(ADMIN, SOL)
        assert scene.campaign_id is not None
        account: LedgerAccount = core._revenue.repository.get(
            LedgerAccount.id_for(campaign_budget(scene.campaign_id, "USD"))
        )
        assert core._revenue.snapshots is not None
        core._revenue.snapshots.put([Snapshot.take(account)])
    return scene


@contextmanager
def writing(environment: dict[str, str]) -> Iterator[list[int]]:
    """Titles recorded one after another by a running core until the block ends: the
    service, live. Yields the list of titles written so far (its length)."""
    written: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with core_on(environment) as core:
                while not stop.is_set():
                    CatalogueDriver(core).record_title(
                        STUDIO, name=f"Live {len(written)}", kind=TitleKind.MOVIE
                    )
                    written.append(len(written))
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        while not written and not failures:
            stop.wait(0.05)
        yield written
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures


def ok(result: Any) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


def file_digests(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if path.is_file()
    }


def restored_person(environment: dict[str, str]) -> tuple[str | None, bool]:
    with core_on(environment) as core:
        mia = core.personal_data.read(ADMIN, MIA)
        sol = core.personal_data.read(ADMIN, SOL)
    return mia.name, sol.erased


def views(environment: dict[str, str]) -> dict[str, dict[str, Any]]:
    with core_on(environment) as core:
        core.read_models.catch_up()
        return read_model_views(core)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("populated") / "data"
    populate(environment_for(data_dir))
    return data_dir


@pytest.fixture
def source(populated: Path, tmp_path: Path) -> dict[str, str]:
    """A store of its own for each test, copied from one populated once (no core open)."""
    shutil.copytree(populated, tmp_path / "source")
    return environment_for(tmp_path / "source")


def test_a_store_backed_up_while_it_is_written_restores_verifies_and_replays(
    source: dict[str, str], tmp_path: Path
) -> None:
    backup, checkpoints, audit_key = tmp_path / "backup", tmp_path / "cp.json", tmp_path / "ak"
    target = environment_for(tmp_path / "target")

    with writing(source) as titles:
        before = len(titles)
        made = spotlight(
            source,
            "backup",
            str(backup),
            "--checkpoint-out",
            str(checkpoints),
            "--audit-key-out",
            str(audit_key),
            "--json",
        )
        during = len(titles)
    restored = spotlight(target, "restore", str(backup), "--audit-key", str(audit_key))

    ok(made)
    assert during > before  # the service wrote while the backup ran
    manifest = json.loads(made.stdout)["manifest"]
    assert [log["log"] for log in manifest["logs"]] == list(LOGS)
    assert all(log["records"] > 0 for log in manifest["logs"])
    assert manifest["keys"]["count"] == 1  # Mia's; Sol's key was destroyed
    assert "audit_key" not in {p.name for p in backup.iterdir()}
    assert (backup / "manifest.json").stat().st_mode & 0o077 == 0
    ok(restored)
    assert "as in the manifest" in restored.stdout
    # The restored store is the one backed up: its heads are the signed checkpoints'.
    verified = spotlight(target, "audit", "verify", "--checkpoint", str(checkpoints))
    ok(verified)
    assert "matching 4 signed checkpoints" in verified.stdout
    ok(spotlight(target, "audit", "replay"))
    assert restored_person(target) == ("Mia Park", True)


def test_read_models_rebuilt_from_a_restored_store_equal_the_original(
    source: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    target = environment_for(tmp_path / "target")
    ok(spotlight(source, "backup", str(backup)))

    restored = spotlight(target, "restore", str(backup), "--json")

    ok(restored)
    report = json.loads(restored.stdout)
    assert [log["log"] for log in report["logs"]] == list(LOGS)
    original = views(source)
    assert original
    assert views(target) == original
    # The service goes on writing on the restored store, its chain continued.
    with core_on(target) as core:
        CatalogueDriver(core).record_title(STUDIO, name="After", kind=TitleKind.MOVIE)
    ok(spotlight(target, "audit", "verify"))


def test_a_backup_is_a_store_an_auditor_verifies_in_place(
    source: dict[str, str], tmp_path: Path
) -> None:
    backup, checkpoints = tmp_path / "backup", tmp_path / "cp.json"
    ok(spotlight(source, "backup", str(backup), "--checkpoint-out", str(checkpoints)))
    before = file_digests(backup)

    verified = spotlight(
        source,
        "audit",
        "verify",
        "--store",
        f"sqlite:///{backup / 'spotlight.db'}",
        "--checkpoint",
        str(checkpoints),
    )

    ok(verified)
    assert "matching 4 signed checkpoints" in verified.stdout
    assert file_digests(backup) == before
    ok(spotlight(environment_for(tmp_path / "target"), "restore", str(backup)))


def damage_a_log(backup: Path) -> None:
    path = backup / "spotlight.revenue.db"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


def cut_the_keys_short(backup: Path) -> None:
    path = backup / "spotlight.keys.db"
    path.write_bytes(path.read_bytes()[:1024])


def lose_a_log(backup: Path) -> None:
    (backup / "spotlight.music.db").unlink()


def relink_the_manifest(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = "0" * 64
    (backup / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage",
    [damage_a_log, cut_the_keys_short, lose_a_log, relink_the_manifest],
    ids=["a-flipped-bit", "a-file-cut-short", "a-file-missing", "a-checksum-changed"],
)
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    source: dict[str, str], tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    backup = tmp_path / "backup"
    ok(spotlight(source, "backup", str(backup)))
    damage(backup)
    target_dir = tmp_path / "target"

    restored = spotlight(environment_for(target_dir), "restore", str(backup))

    assert restored.returncode == 4, restored.stdout + restored.stderr
    assert restored.stderr.startswith("spotlight: error: ")
    assert "nothing was written" in restored.stderr
    assert not target_dir.exists()


def test_what_is_not_a_finished_backup_is_bad_input(source: dict[str, str], tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    ok(spotlight(source, "backup", str(backup)))
    (backup / "manifest.json").unlink()

    restored = spotlight(environment_for(tmp_path / "target"), "restore", str(backup))

    assert restored.returncode == 2
    assert "no manifest.json" in restored.stderr


def test_restoring_onto_a_store_that_holds_records_is_refused_and_leaves_it_unchanged(
    source: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    ok(spotlight(source, "backup", str(backup)))
    target_dir = tmp_path / "target"
    target = environment_for(target_dir)
    with core_on(target) as core:
        CatalogueDriver(core).record_title(STUDIO, name="Already here", kind=TitleKind.MOVIE)
    before = file_digests(target_dir)

    restored = spotlight(target, "restore", str(backup))

    assert restored.returncode == 3, restored.stdout + restored.stderr
    assert "the target store is not empty, so nothing was restored" in restored.stderr
    assert "the catalogue log" in restored.stderr
    assert file_digests(target_dir) == before


def test_a_backup_goes_to_a_new_directory_and_keeps_the_audit_key_apart(
    source: dict[str, str], tmp_path: Path
) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    backup = tmp_path / "backup"

    into_used = spotlight(source, "backup", str(used))
    key_inside = spotlight(source, "backup", str(backup), "--audit-key-out", str(backup / "k"))
    memory = spotlight(source, "backup", str(backup), "--store", "memory://")

    assert into_used.returncode == 2
    assert "not an empty directory" in into_used.stderr
    assert key_inside.returncode == 2
    assert "keep it apart" in key_inside.stderr
    assert not backup.exists()
    assert memory.returncode == 2
    assert "SQLite and PostgreSQL" in memory.stderr


# PostgreSQL -----------------------------------------------------------------------------------


def pg_environment(tmp_path: Path, postgres_url: str, schema: str, name: str) -> dict[str, str]:
    return environment_for(tmp_path / name, SPOTLIGHT_STORE=f"{postgres_url}?schema={schema}")


def row_counts(postgres_url: str, schema: str) -> dict[str, int]:
    with psycopg.connect(postgres_url) as connection:
        return {
            log: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, f"{log}_events"))
            ).fetchone()[0]  # type: ignore[index]
            for log in LOGS
        }


def test_postgresql_backed_up_while_written_restores_onto_a_fresh_schema(
    postgres_url: str, postgres_schema: Callable[[str], str], tmp_path: Path
) -> None:
    source = pg_environment(tmp_path, postgres_url, postgres_schema("backup_source"), "source")
    populate(source)
    target_schema = postgres_schema("backup_target")
    target = pg_environment(tmp_path, postgres_url, target_schema, "target")
    backup, checkpoints = tmp_path / "backup", tmp_path / "cp.json"

    with writing(source) as titles:
        before = len(titles)
        made = spotlight(source, "backup", str(backup), "--checkpoint-out", str(checkpoints))
        during = len(titles)
    restored = spotlight(target, "restore", str(backup))
    public_key = spotlight(source, "audit", "public-key").stdout.strip()

    ok(made)
    assert during > before
    ok(restored)
    ok(
        spotlight(
            target, "audit", "verify", "--checkpoint", str(checkpoints), "--public-key", public_key
        )
    )
    ok(spotlight(target, "audit", "replay"))
    assert restored_person(target) == ("Mia Park", True)
    # New records follow the restored ones (each log's sequence was moved past them).
    with core_on(target) as core:
        CatalogueDriver(core).record_title(STUDIO, name="After", kind=TitleKind.MOVIE)
    ok(spotlight(target, "audit", "verify"))
    # Restoring again onto it is refused, and nothing changes.
    counts = row_counts(postgres_url, target_schema)
    again = spotlight(target, "restore", str(backup))
    assert again.returncode == 3, again.stdout + again.stderr
    assert row_counts(postgres_url, target_schema) == counts


def test_a_sqlite_backup_restores_onto_postgresql_with_the_same_read_models(
    source: dict[str, str],
    postgres_url: str,
    postgres_schema: Callable[[str], str],
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup"
    target = pg_environment(tmp_path, postgres_url, postgres_schema("backup_across"), "target")
    ok(spotlight(source, "backup", str(backup)))

    restored = spotlight(target, "restore", str(backup))

    ok(restored)
    assert "(a sqlite store) onto the postgresql store" in restored.stdout
    ok(spotlight(target, "audit", "verify"))
    assert views(target) == views(source)
    assert restored_person(target) == ("Mia Park", True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only() -> None:
    terminal, pipe = Terminal(), io.StringIO()

    for stream in (terminal, pipe):
        progress = TerminalProgress(stream)
        progress("copying the revenue log", 5_000, 0)
        progress("copied the revenue log", 3, 4)
        progress.end()

    assert pipe.getvalue() == ""
    assert "\r\033[Kcopying the revenue log: 5,000 records" in terminal.getvalue()
    assert "copied the revenue log: 3 of 4" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")
