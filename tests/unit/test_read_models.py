"""One registry of read models: the composition root names each one once, and the auditor's
replay compares whatever it holds — a read model added there is replayed without another list
to edit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from adapters.storage import parse_store
from application.audit.audit_replay import replay
from application.projections import Persisted
from application.read_models import LogPositions, ReadModels
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.replay_cores import scratch_core
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities

SECRET = b"a-secret-only-the-registry-tests-know"

REPLAYED = (
    "anchors index (titles, references, videos)",
    "anchors review queue",
    "studio analytics (anchors per title)",
    "music (artists, tracks, uses, tallies)",
    "music track index",
    "ledger balances and statements",
    "Pulse inventory",
    "Pulse delivery",
    "shop tags",
    "shop search",
    "shop lists (listings, orders, reports)",
    "studio lists (studios, bookings)",
    "campaign dashboards",
    "creator marketplace",
    "payouts and Pulse applications",
    "brand campaigns and effects",
    "sound uses (declared and detected)",
    "video reports (report and appeal queues)",
    "protection (minors, restricted videos)",
    "notification inbox",
)


class CatalogueCount:
    """A read model of the test's own: how many events the catalogue's log holds."""

    name = "catalogue events (a test's read model)"

    def __init__(self, core: Spotlight) -> None:
        self._core = core
        self.events = 0

    def catch_up(self) -> int:
        self.events = self._core._catalogue.recorder.max_notification_id() or 0
        return self.events

    def export(self, positions: LogPositions) -> Mapping[str, object]:
        return {"events": self.events}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=SECRET)


@pytest.fixture
def live(settings: Settings) -> Iterator[Spotlight]:
    core = bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())
    yield core
    core.close()


def test_the_core_registers_every_read_model_the_replay_compares_in_its_order(
    live: Spotlight,
) -> None:
    assert live.read_models.names() == REPLAYED
    assert live.read_models["shop tags"].name == "shop tags"


def test_a_name_is_registered_once(live: Spotlight) -> None:
    with pytest.raises(ValueError, match="shop tags"):
        live.read_models.register(live.read_models["shop tags"])


def test_every_registered_read_model_catches_up_and_exports_a_view(live: Spotlight) -> None:
    live.read_models.catch_up()
    for model in live.read_models:
        assert isinstance(dict(model.export({})), dict), model.name


def test_a_read_model_added_to_the_registry_is_replayed_and_compared(live: Spotlight) -> None:
    live.read_models.register(CatalogueCount(live))
    scratch = scratch_core(live.settings, None)
    scratch.read_models.register(CatalogueCount(scratch))
    try:
        report = replay(live, scratch, invariants=False)
    finally:
        scratch.close()
    compared = {comparison.read_model: comparison for comparison in report.comparisons}
    assert compared["catalogue events (a test's read model)"].keys == 1
    assert report.holds


def test_an_empty_registry_lists_nothing() -> None:
    assert list(ReadModels()) == []


def test_every_program_that_leaves_protected_videos_alone_shares_the_core_s_one_protection(
    live: Spotlight,
) -> None:
    shared = live.protection.model
    assert live.anchoring.protection is shared
    assert live.tagging.protection is shared
    assert live.campaign_dashboards.protection is shared
    assert live.moderation.model is shared
    persisted = live.read_models["protection (minors, restricted videos)"]
    assert isinstance(persisted, Persisted)
    assert persisted.projection is live.protection.projection
