"""The product scan's cursor: every video is considered for every listing exactly once.

The aggregate's rules first; then the scan as a whole (``ProductScanning``) with a
recogniser that knows products by name, so that the tests know which listings each video
shows: videos and listings arrive in any order, workers run in steps of any size, two
workers take turns, and every (video, listing) pair that shows the product is proposed
exactly once.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.anchors.match_index import VIDEO_OWNER
from application.auth import Principal, Role
from application.shop.product_scanning import (
    PRODUCTS_SIGNAL,
    ProductScanning,
    combined_confidence,
    text_evidence,
)
from domain.errors import InvalidValue
from domain.media import MediaFingerprints
from domain.money import Money
from domain.shop.product_scan import ProductScan, ScanOutOfOrder
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, FixedClock, SequentialIdentities
from tests.product_fakes import VERSION, ProductsByName, video_showing

SELLER = Principal(Role.SELLER, "acme")
CREATOR = Principal(Role.CREATOR, "fan-1")
PRODUCTS = ("mug", "lamp", "kettle", "scarf")

# The aggregate -------------------------------------------------------------------------------


def test_a_new_scan_has_seen_nothing() -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)

    assert (scan.videos_through, scan.listings_through, scan.backfill) == (0, 0, None)


def test_listings_joined_before_any_video_need_no_backfill() -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)

    scan.join_listings(through=7, listings=2, at=OPENING_NIGHT)

    assert scan.listings_through == 7
    assert scan.backfill is None


def test_listings_joined_after_videos_open_a_backfill_over_those_videos_only() -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)
    scan.join_listings(through=3, listings=1, at=OPENING_NIGHT)
    scan.scan_videos(through=40, videos=5, tags_proposed=1, at=OPENING_NIGHT)

    scan.join_listings(through=9, listings=2, at=OPENING_NIGHT)

    assert scan.backfill is not None
    assert (scan.backfill.listings_after, scan.backfill.videos_until) == (3, 40)
    scan.scan_backfill(through=25, videos=3, tags_proposed=0, at=OPENING_NIGHT)
    assert scan.backfill is not None
    scan.scan_backfill(through=40, videos=2, tags_proposed=1, at=OPENING_NIGHT)
    assert scan.backfill is None
    assert (scan.videos_scanned, scan.tags_proposed) == (10, 2)


def test_a_second_batch_waits_for_the_first_backfill() -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)
    scan.scan_videos(through=10, videos=1, tags_proposed=0, at=OPENING_NIGHT)
    scan.join_listings(through=5, listings=1, at=OPENING_NIGHT)

    with pytest.raises(ScanOutOfOrder, match="still open"):
        scan.join_listings(through=8, listings=1, at=OPENING_NIGHT)


@pytest.mark.parametrize(
    ("move", "message"),
    [
        (lambda s: s.scan_videos(through=10, videos=1, tags_proposed=0, at=OPENING_NIGHT), "at 10"),
        (lambda s: s.join_listings(through=4, listings=1, at=OPENING_NIGHT), "up to 4"),
        (lambda s: s.scan_backfill(through=5, videos=1, tags_proposed=0, at=OPENING_NIGHT), "no "),
    ],
)
def test_cursors_never_move_back_or_outside_what_is_open(move: Any, message: str) -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)
    scan.join_listings(through=4, listings=1, at=OPENING_NIGHT)
    scan.scan_videos(through=10, videos=1, tags_proposed=0, at=OPENING_NIGHT)

    with pytest.raises(ScanOutOfOrder, match=message):
        move(scan)


def test_a_backfill_cannot_pass_its_end_and_counts_are_never_negative() -> None:
    scan = ProductScan.start(at=OPENING_NIGHT)
    scan.scan_videos(through=10, videos=1, tags_proposed=0, at=OPENING_NIGHT)
    scan.join_listings(through=4, listings=1, at=OPENING_NIGHT)

    with pytest.raises(ScanOutOfOrder, match="0 of 10"):
        scan.scan_backfill(through=11, videos=1, tags_proposed=0, at=OPENING_NIGHT)
    with pytest.raises(InvalidValue):
        scan.scan_backfill(through=10, videos=-1, tags_proposed=0, at=OPENING_NIGHT)
    with pytest.raises(InvalidValue):
        ProductScan.start(at=OPENING_NIGHT).join_listings(through=4, listings=0, at=OPENING_NIGHT)


# Text evidence ---------------------------------------------------------------------------


def test_the_words_of_a_title_said_in_the_caption_or_hashtags_are_text_evidence() -> None:
    score, words = text_evidence(
        "The Trail Runner sneakers", "new sneakers for the hills", ["#trail", "#fyp"]
    )

    assert words == ["sneakers", "trail"]
    assert score == pytest.approx(2 / 3)  # 'the' is too common to count; 'runner' unsaid


def test_text_evidence_adds_to_the_image_evidence() -> None:
    assert combined_confidence(0.6, 0.0) == 0.6
    assert combined_confidence(0.6, 1.0) == 0.8  # a full match halves the doubt
    assert combined_confidence(0.0, 1.0) == 0.5
    assert text_evidence("", "anything", []) == (0.0, [])


# The scan over both logs -----------------------------------------------------------------


class CountingProposals:
    """Records every proposal, and accepts each (the consent rules are tested elsewhere)."""

    def __init__(self) -> None:
        self.proposed: Counter[tuple[UUID, UUID]] = Counter()

    def tag(
        self,
        video_id: UUID,
        listing_id: UUID,
        *,
        confidence: float,
        evidence: Mapping[str, Any],
        by: str,
    ) -> bool:
        self.proposed[(video_id, listing_id)] += 1
        return True


class Platform:
    """A core with the fake recogniser, and what the test knows each video shows."""

    def __init__(self) -> None:
        self.clock = FixedClock()
        settings = Settings(
            store=parse_store("memory://"), data_dir=Path(tempfile.mkdtemp()), secret=b"s" * 32
        )
        self.core: Spotlight = bootstrap(
            settings,
            clock=self.clock,
            identities=SequentialIdentities(),
            recognizer=ProductsByName(),
        )
        self.core.shop.register_seller(SELLER, name="Acme")
        self.listings: dict[UUID, str] = {}
        self.videos: dict[UUID, frozenset[str]] = {}
        self.proposals = CountingProposals()

    def worker(self) -> ProductScanning:
        return ProductScanning(
            self.core._revenue,
            catalogue=self.core._catalogue,
            recognizer=ProductsByName(),
            tagging=self.proposals,
            clock=self.clock,
        )

    def list(self, product: str) -> UUID:
        view = self.core.shop.list_product(
            SELLER,
            title=product,
            description="",
            price=Money(1_000, "USD"),
            stock=3,
            category="cooking",
            images=[product.encode()],
        )
        self.listings[view.id] = product
        return view.id

    def publish(self, *shows: str) -> UUID:
        video = CatalogueDriver(self.core).publish_video(
            CREATOR, caption="haul", hashtags=[], category="cooking"
        )
        self.core._catalogue.commit(
            MediaFingerprints.take(
                owner=f"{VIDEO_OWNER}{video.id}",
                digest="0" * 64,
                duration_seconds=6.0,
                fingerprints={PRODUCTS_SIGNAL: video_showing(*shows)},
                engine_versions={PRODUCTS_SIGNAL: VERSION},
            )
        )
        self.videos[video.id] = frozenset(shows)
        return video.id

    def expected(self) -> set[tuple[UUID, UUID]]:
        return {
            (video, listing)
            for video, shows in self.videos.items()
            for listing, product in self.listings.items()
            if product in shows
        }


arrivals = st.lists(
    st.one_of(
        st.tuples(st.just("list"), st.sampled_from(PRODUCTS)),
        st.tuples(st.just("publish"), st.sets(st.sampled_from(PRODUCTS), max_size=3)),
        st.tuples(st.just("run"), st.tuples(st.integers(0, 1), st.integers(1, 4))),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(arrivals)
def test_every_video_is_considered_for_every_listing_exactly_once(
    steps: list[tuple[str, Any]],
) -> None:
    platform = Platform()
    workers = (platform.worker(), platform.worker())
    try:
        for kind, argument in steps:
            if kind == "list":
                platform.list(argument)
            elif kind == "publish":
                platform.publish(*sorted(argument))
            else:
                worker, budget = argument
                workers[worker].run(max_videos=budget, batch=min(budget, 2))
        workers[0].run_to_completion(batch=3)

        assert set(platform.proposals.proposed) == platform.expected()
        assert set(platform.proposals.proposed.values()) <= {1}
        # Everything seen: nothing is left for either worker.
        again = workers[1].run_to_completion()
        assert (again.videos_scanned, again.tags_proposed) == (0, 0)
    finally:
        platform.core.close()


def test_an_old_video_gains_a_tag_when_its_product_is_listed_later() -> None:
    platform = Platform()
    worker = platform.worker()
    old = platform.publish("lamp")
    worker.run_to_completion()
    assert not platform.proposals.proposed

    lamp = platform.list("lamp")
    report = worker.run_to_completion()

    assert platform.proposals.proposed == Counter({(old, lamp): 1})
    assert (report.listings_joined, report.tags_proposed) == (1, 1)
    status = worker.status()
    assert status.backfill is None
    assert (status.videos_scanned, status.tags_proposed, status.listings_indexed) == (2, 1, 1)
    platform.core.close()


def test_a_listing_taken_off_sale_before_it_is_indexed_is_never_proposed() -> None:
    platform = Platform()
    worker = platform.worker()
    scarf = platform.list("scarf")
    platform.core.shop.delist(SELLER, scarf, reason="sold elsewhere")
    platform.publish("scarf")

    worker.run_to_completion()

    assert not platform.proposals.proposed
    assert worker.status().listings_indexed == 0
    platform.core.close()


def test_videos_described_by_another_recogniser_version_are_passed_over() -> None:
    platform = Platform()
    worker = platform.worker()
    platform.list("mug")
    video = CatalogueDriver(platform.core).publish_video(
        CREATOR, caption="old upload", hashtags=[], category="cooking"
    )
    platform.core._catalogue.commit(
        MediaFingerprints.take(
            owner=f"{VIDEO_OWNER}{video.id}",
            digest="1" * 64,
            duration_seconds=6.0,
            fingerprints={PRODUCTS_SIGNAL: b"made by an older recogniser"},
            engine_versions={PRODUCTS_SIGNAL: "products-v0"},
        )
    )

    report = worker.run_to_completion()

    assert report.videos_scanned == 1  # considered, and passed over
    assert not platform.proposals.proposed
    platform.core.close()
