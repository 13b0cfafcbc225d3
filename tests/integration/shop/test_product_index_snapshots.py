"""The product recogniser's index survives a restart: a snapshot of the listings' descriptors
and their index, taken at the revenue positions the recognition indexed listings and followed
withdrawals through, is loaded by the next process, which indexes only the listings
described after it; no listing photo is decoded or described again, no stored descriptor
indexed again, and videos are recognised exactly as by a process that indexed the revenue
log from its start. A snapshot that does not fit (damaged, another recogniser version) is
passed over, said so in the log, and the index rebuilt from the log.

On SQLite and PostgreSQL; listing photos and the video are the generated product corpus's.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from adapters.matching.products import SiftProductRecognizer, shop_decoder
from application.auth import Principal, Role
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.deployments import StoreUnderTest, store_under_test
from tests.media.products import clip, listing_png, scene
from tests.restarts import Restarts

SELLER = Principal(Role.SELLER, "acme")


class CountingRecognizer(SiftProductRecognizer):
    """The real recogniser, counting the photos it describes and the listings it indexes."""

    described = 0
    indexed = 0

    def describe_listing(self, photos: Sequence[bytes]) -> bytes:
        self.described += 1
        return super().describe_listing(photos)

    def index(self, listing_id: str, descriptors: bytes) -> None:
        self.indexed += 1
        super().index(listing_id, descriptors)


class OtherRecognizer(CountingRecognizer):
    version = "products-of-another-day"


@functools.cache
def video_descriptors() -> bytes:
    """A video showing the products of listings 1 and 2, described as the shop keeps it."""
    shown = scene(9200, (1, 2), scales=(0.45, 0.4))
    data = clip([shown.pixels, scene(9201, ()).pixels], seconds_each=6, fps=2)
    return SiftProductRecognizer().describe_video(shop_decoder().decode(data))


@attrs.define
class Started:
    core: Spotlight
    recognizer: CountingRecognizer

    def caught_up(self) -> Started:
        self.core.recognition.run_to_completion()
        return self

    def answers(self) -> list[tuple[str, float]]:
        found = self.recognizer.recognise(video_descriptors(), limit=10)
        return [(c.listing_id, c.score) for c in found]


class Processes(Restarts):
    def start(self, recognizer: CountingRecognizer | None = None) -> Started:
        recognizer = CountingRecognizer() if recognizer is None else recognizer
        return Started(self.boot(recognizer=recognizer), recognizer)

    def stop(self, started: Started) -> None:
        self.close(started.core)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "product_snapshots")


@pytest.fixture
def processes(store: StoreUnderTest, tmp_path: Path) -> Iterator[Processes]:
    running = Processes(store, tmp_path)
    yield running
    running.stop_all()


def list_product(core: Spotlight, seed: int) -> UUID:
    return core.shop.list_product(
        SELLER,
        title=f"Product {seed}",
        description="",
        price=Money(1_999, "USD"),
        stock=4,
        category="fashion",
        images=[listing_png(seed)],
    ).id


def listings_with_a_snapshot_and_more_after_it(first: Started) -> UUID:
    """Four listings (one delisted) indexed and snapshotted; then another listed and one of
    the first delisted."""
    core = first.core
    core.shop.register_seller(SELLER, name="Acme")
    one, _two, twenty, twenty_one = (list_product(core, seed) for seed in (1, 2, 20, 21))
    core.shop.delist(SELLER, twenty_one, reason="sold out")
    first.caught_up()
    snapshot = core.recognition.snapshot()
    assert snapshot is not None
    assert snapshot.listings == 3
    list_product(core, 22)
    core.shop.delist(SELLER, twenty, reason="discontinued")
    return one  # the video shows it


def test_a_restart_indexes_only_the_listings_after_the_snapshot_and_recognises_the_same(
    processes: Processes,
) -> None:
    first = processes.start()
    shown = listings_with_a_snapshot_and_more_after_it(first)
    expected = first.caught_up().answers()
    assert str(shown) in [listing for listing, _ in expected]
    processes.stop(first)

    second = processes.start()
    assert len(second.recognizer) == 3  # loaded at start, before any scan
    second.caught_up()

    assert second.recognizer.described == 0
    assert second.recognizer.indexed == 1  # listing 22
    assert len(second.recognizer) == 3  # 1, 2, 22: 20 and 21 are delisted
    assert second.answers() == expected
    processes.stop(second)
    shutil.rmtree(processes.directory("products"))
    rebuilt = processes.start().caught_up()
    assert rebuilt.recognizer.indexed == 3  # 1, 2, 22, and 20 forgotten after it
    assert rebuilt.answers() == expected


def test_a_damaged_or_foreign_snapshot_is_passed_over_and_the_index_rebuilt(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    listings_with_a_snapshot_and_more_after_it(first)
    expected = first.caught_up().answers()
    processes.stop(first)
    [written] = processes.directory("products").glob("snapshot-*")
    codes = written / "engine-products" / "codes.npy"
    codes.write_bytes(codes.read_bytes()[:120])

    with caplog.at_level(logging.INFO, logger="spotlight.indexes"):
        second = processes.start().caught_up()
        other = processes.start(OtherRecognizer()).caught_up()

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "codes.npy" in line for line in said)
    assert any("passed over" in line and "products-of-another-day" in line for line in said)
    assert second.recognizer.indexed == 3
    assert second.answers() == expected
    assert other.recognizer.indexed == 0  # nothing of its version is in the log
