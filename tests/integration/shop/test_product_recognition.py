"""Product recognition through the whole core, on real media: listing photos described when
they are listed, videos described when they are published (H.264, decoded for real), the
scan proposing tags with their evidence, creators told, old videos tagged for new listings,
and a restart that resumes without proposing anything twice (SQLite files)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.media import UnreadableMedia
from domain.money import Money
from domain.shop.listing_descriptors import ListingDescriptors
from domain.shop.listings import Listing
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities
from tests.media.products import clip, listing_png, scene
from tests.photos import plain_photo

SELLER = Principal(Role.SELLER, "acme")
CREATOR = Principal(Role.CREATOR, "fan-1")
ADMIN = Principal(Role.ADMIN, "ops")
SECRET = b"recognition-tests-" + b"x" * 20
#: Listings whose products appear in no clip: the recogniser must tell them apart.
OTHERS = (20, 21, 22, 23, 24, 25)


@functools.cache
def showing(*seeds: int, seed: int = 9100) -> bytes:
    """Six seconds of each: a cluttered frame with the products, then one with none of them."""
    with_products = scene(seed, seeds, scales=tuple(0.45 - 0.07 * i for i in range(len(seeds))))
    without = scene(seed + 1, ())
    return clip([with_products.pixels, without.pixels], seconds_each=6, fps=2)


def open_core(directory: Path, store: str = "memory://") -> Spotlight:
    settings = Settings(store=parse_store(store), data_dir=directory, secret=SECRET)
    return bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Spotlight]:
    running = open_core(tmp_path)
    running.shop.register_seller(SELLER, name="Acme")
    yield running
    running.close()


def list_product(core: Spotlight, seed: int, title: str = "") -> UUID:
    view = core.shop.list_product(
        SELLER,
        title=title or f"Product {seed}",
        description="",
        price=Money(1_999, "USD"),
        stock=4,
        category="fashion",
        images=[listing_png(seed)],
    )
    assert view.recognisable
    return view.id


def publish(core: Spotlight, media: bytes, caption: str = "my haul") -> UUID:
    return core.anchoring.publish_video(
        CREATOR, caption=caption, hashtags=["#haul"], category="fashion", media=media
    ).video.id


def tagged(core: Spotlight, video_id: UUID) -> set[UUID]:
    return {tag.listing_id for tag in core.tagging.tags_of(ADMIN, video_id).tags}


def test_a_video_showing_a_listed_product_is_tagged_with_its_evidence_and_its_creator_told(
    core: Spotlight,
) -> None:
    sneakers = list_product(core, 1, "Trail runner sneakers")
    for seed in OTHERS:
        list_product(core, seed)
    video = publish(core, showing(1), caption="new trail sneakers for the hills")

    report = core.recognition.run_to_completion()

    assert (report.videos_scanned, report.tags_proposed) == (1, 1)
    [tag] = core.tagging.tags_of(ADMIN, video).tags
    assert tag.listing_id == sneakers
    assert tag.shown  # the creator was told first: see the inbox below
    assert tag.added_by.startswith("recognition:")
    image = tag.evidence["image"]
    [sighting] = image["sightings"]
    assert sighting["at_seconds"] < 6  # the first scene shows it; the second does not
    assert sighting["matches"] >= 5
    left, top, right, bottom = sighting["box"]
    assert 0 <= left < right <= 1
    assert 0 <= top < bottom <= 1
    assert tag.evidence["text"]["words"] == ["sneakers", "trail"]
    assert tag.confidence >= image["score"]  # the caption's words only ever add
    [notice] = core.notifier.inbox("fan-1")
    assert "Trail runner sneakers" in notice.body
    assert str(video) in notice.body
    items = core.tagging.similar_items(video).items
    assert [item.listing_id for item in items] == [sneakers]


def test_an_older_video_is_tagged_when_its_products_are_listed_later(core: Spotlight) -> None:
    for seed in OTHERS:
        list_product(core, seed)
    video = publish(core, showing(2, 3, seed=9110))
    assert core.recognition.run_to_completion().tags_proposed == 0

    mug, candle = list_product(core, 2), list_product(core, 3)
    report = core.recognition.run_to_completion()

    assert report.listings_joined == 2
    assert tagged(core, video) == {mug, candle}


def test_videos_without_a_listed_product_get_no_tags(core: Spotlight) -> None:
    for seed in (1, 2, 3, *OTHERS):
        list_product(core, seed)
    empty = core.anchoring.publish_video(
        CREATOR,
        caption="nothing for sale here",
        hashtags=[],
        category="fashion",
        media=clip([scene(9120, ()).pixels, scene(9121, ()).pixels], seconds_each=6, fps=2),
    ).video.id

    report = core.recognition.run_to_completion()

    assert report.videos_scanned == 1
    assert report.tags_proposed == 0
    assert tagged(core, empty) == set()


def test_a_creator_who_opted_out_gets_no_automatic_tags(core: Spotlight) -> None:
    list_product(core, 1)
    core.tagging.set_preferences(CREATOR, auto_tags=False, affiliate=False)
    video = publish(core, showing(1))

    report = core.recognition.run_to_completion()

    assert report.videos_scanned == 1
    assert tagged(core, video) == set()


def test_a_listing_taken_off_sale_leaves_the_index(core: Spotlight) -> None:
    sneakers = list_product(core, 1)
    core.recognition.run_to_completion()
    core.shop.delist(SELLER, sneakers, reason="discontinued")
    video = publish(core, showing(1, seed=9130))

    core.recognition.run_to_completion()

    assert tagged(core, video) == set()
    assert core.recognition.status().listings_indexed == 0


def test_plain_photos_list_a_product_that_cannot_be_recognised(core: Spotlight) -> None:
    view = core.shop.list_product(
        SELLER,
        title="Plain tote",
        description="",
        price=Money(999, "USD"),
        stock=1,
        category="fashion",
        images=[plain_photo("tote")],
    )

    assert not view.recognisable
    assert core.shop.listing(view.id).recognisable is False
    assert core._revenue.find(ListingDescriptors, ListingDescriptors.id_for(view.id)) is None


def test_bytes_that_are_not_an_image_list_nothing(core: Spotlight) -> None:
    before = core._revenue.recorder.max_notification_id()

    with pytest.raises(UnreadableMedia, match="not a picture"):
        core.shop.list_product(
            SELLER,
            title="Mystery box",
            description="",
            price=Money(999, "USD"),
            stock=1,
            category="fashion",
            images=[b"certainly a picture"],
        )

    assert core._revenue.recorder.max_notification_id() == before


def test_recognition_resumes_after_a_restart_without_proposing_anything_twice(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'spotlight.db'}"
    first = open_core(tmp_path, store)
    first.shop.register_seller(SELLER, name="Acme")
    sneakers = list_product(first, 1)
    before = publish(first, showing(1))
    assert first.recognition.run_to_completion().tags_proposed == 1
    first.close()

    second = open_core(tmp_path, store)
    try:
        after = publish(second, showing(1, seed=9140))
        report = second.recognition.run_to_completion()

        assert (report.videos_scanned, report.tags_proposed) == (1, 1)
        assert tagged(second, after) == {sneakers}
        assert tagged(second, before) == {sneakers}
        status = second.recognition.status()
        assert (status.videos_scanned, status.tags_proposed, status.listings_indexed) == (2, 2, 1)
        assert second._revenue.load(Listing, sneakers).on_sale
    finally:
        second.close()
