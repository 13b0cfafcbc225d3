"""Shop tags persisted in the projection store: similar items, the videos of a listing and
the notices still owed are read from its rows, a restarted core applies nothing again and
answers the same, a crash in the middle of a batch keeps nothing of it, and a rebuild from
zero answers what the live rows answer.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest

from application.auth import Principal, Role
from application.paging import Page
from application.shop.product_tagging import NAME
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
MIA = Principal(Role.CREATOR, "mia")


class Outage:
    """A notifier that fails while ``down``."""

    def __init__(self) -> None:
        self.down = False

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        if self.down:
            raise ConnectionError("the notification service did not answer")
        return f"notice:{key}"

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Any]:
        return []


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "shoptags")


@pytest.fixture
def notifier() -> Outage:
    return Outage()


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path, notifier: Outage) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET, engines=(), notifier=notifier)
    yield deployment
    deployment.stop_all()


def listed(core: Spotlight, title: str, *, stock: int = 5) -> UUID:
    return core.shop.list_product(
        ACME,
        title=title,
        description="",
        price=Money(49_99, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


def published(core: Spotlight) -> UUID:
    driver = CatalogueDriver(core)
    return driver.publish_video(MIA, caption="my haul", hashtags=[], category="fashion").id


def tag(core: Spotlight, video_id: UUID, listing_id: UUID, confidence: float) -> bool:
    return core.tagging.tag(
        video_id, listing_id, confidence=confidence, evidence={"frame": 7}, by="recognition"
    )


class Story:
    """Mia's two videos carry Acme's bag and belt; the belt's notice on the second video is
    still owed (the notifier was down), so it is hidden there."""

    def __init__(self, core: Spotlight, notifier: Outage) -> None:
        core.shop.register_seller(ACME, name="Acme")
        self.bag, self.belt = listed(core, "bag"), listed(core, "belt", stock=1)
        self.first, self.second = published(core), published(core)
        assert tag(core, self.first, self.bag, 0.5)
        assert tag(core, self.first, self.belt, 0.9)
        notifier.down = True
        assert tag(core, self.second, self.belt, 0.7)
        notifier.down = False

    def answers(self, core: Spotlight) -> tuple[object, ...]:
        return (
            core.tagging.similar_items(self.first),
            core.tagging.similar_items(self.second),
            core.tagging.videos_showing(self.belt),
            core.tagging.notices_waiting(),
        )


def test_similar_items_and_owed_notices_are_read_from_the_rows(
    deployment: Deployment, notifier: Outage
) -> None:
    core = deployment.start()
    story = Story(core, notifier)

    items, cursor = attrs.astuple(core.tagging.similar_items(story.first), recurse=False)
    assert [(i.listing_id, i.title, i.seller) for i in items] == [
        (story.belt, "belt", "acme"),
        (story.bag, "bag", "acme"),
    ]
    assert cursor is None
    assert core.tagging.similar_items(story.second) == Page((), None)
    assert core.tagging.videos_showing(story.belt) == sorted((story.first, story.second), key=str)
    assert core.tagging.notices_waiting() == 1

    assert core.tagging.deliver_pending_notices() == 1
    assert core.tagging.notices_waiting() == 0
    assert [i.listing_id for i in core.tagging.similar_items(story.second).items] == [story.belt]
    core.shop.delist(ACME, story.bag, reason="season over")
    assert [i.listing_id for i in core.tagging.similar_items(story.first).items] == [story.belt]


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment, notifier: Outage
) -> None:
    core = deployment.start()
    story = Story(core, notifier)
    before = story.answers(core)
    exported = core.read_models[NAME].export({})
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert story.answers(restarted) == before
    assert restarted.read_models[NAME].export({}) == exported
    # And it goes on from there: the notice owed is delivered by the restarted core.
    assert restarted.tagging.deliver_pending_notices() == 1
    assert restarted.tagging.notices_waiting() == 0


def test_a_crash_in_the_middle_of_a_batch_keeps_nothing_of_it(
    deployment: Deployment, notifier: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core, notifier)
    before = story.answers(core)
    exported = core.read_models[NAME].export({})
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))
    core.shop.restock(ACME, story.bag, 2)
    core.shop.restock(ACME, story.belt, 3)
    tables = core.tagging.projection.tables
    add_stock = tables.add_stock
    added: list[int] = []

    def crashing(batch: Any, listing_id: UUID, more: int) -> None:
        # Killed after the second restock is written, before the batch commits.
        add_stock(batch, listing_id, more)
        added.append(more)
        if len(added) == 2:
            raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "add_stock", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    monkeypatch.setattr(tables, "add_stock", add_stock)

    assert core.projection_store.positions(NAME, core.projections.active(NAME)) == positions
    assert core.tagging.projection.export(core.projections.active(NAME), {}) == exported
    assert story.answers(core) == before
    stock = core.read_models[NAME].export({})[f"listing:{story.belt}"]
    assert stock[0]["stock"] == 4  # type: ignore[index]
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert core.tagging.projection.export(rebuilt, {}) == core.read_models[NAME].export({})
