"""A title's view is kept between reads but never outlives the log: a portal changed by
another process is what the next read answers, and the views kept are bounded.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own), with two cores on
one store standing for two service processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from application.auth import Principal, Role
from application.errors import NotFound
from application.title_views import TitleViews
from domain.anchors.portal import Link, Portal
from domain.anchors.titles import TitleKind
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

STUDIO = Principal(Role.STUDIO, "legendary")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "titles")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def tickets(url: str) -> Portal:
    return Portal(tickets=(Link("Tickets", url),))


def test_a_portal_changed_by_another_process_is_read_at_once(deployment: Deployment) -> None:
    reader, writer = deployment.start(), deployment.start()
    title = reader.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE)
    assert reader.cataloguing.title(title.id).portal == Portal()

    writer.cataloguing.update_portal(STUDIO, title.id, tickets("https://a.example/dune"))
    read = reader.cataloguing.title(title.id)

    assert read.portal == tickets("https://a.example/dune")
    assert read.version == writer.cataloguing.title(title.id).version


def test_a_kept_view_is_the_one_the_log_rebuilds(deployment: Deployment) -> None:
    reader, writer = deployment.start(), deployment.start()
    title = reader.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE)
    for n in range(3):
        writer.cataloguing.update_portal(STUDIO, title.id, tickets(f"https://a.example/{n}"))
        reader.cataloguing.title(title.id)

    kept = reader.cataloguing.title(title.id)
    fresh = deployment.fresh_start().cataloguing.title(title.id)

    assert kept == fresh


def test_an_unknown_title_is_not_found_and_not_kept(deployment: Deployment) -> None:
    core = deployment.start()
    missing = uuid4()

    with pytest.raises(NotFound):
        core.cataloguing.title(missing)
    assert len(core.cataloguing.title_views) == 0


def test_the_views_kept_are_bounded_and_the_evicted_ones_still_read(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    views = TitleViews(core._catalogue, kept=2)
    ids = [
        core.anchoring.register_title(STUDIO, name=f"Title {n}", kind=TitleKind.SHOW).id
        for n in range(4)
    ]

    names = [views.view(title_id).name for title_id in ids]

    assert len(views) == 2
    assert names == [f"Title {n}" for n in range(4)]
    assert views.view(ids[0]).name == "Title 0"
