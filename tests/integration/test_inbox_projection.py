"""The notification inbox persisted in the projection store: a person's notices are read a
page at a time after a cursor from its rows, a restarted core applies nothing again and
answers the same, a crash in the middle of a batch keeps nothing of it, and a rebuild from
zero answers what the live rows answer; read marks survive a restart and a rebuild.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from application.inbox import NAME
from application.notifications import Notice
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "inbox")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def tell(
    core: Spotlight, deployment: Deployment, people: Sequence[str], count: int, *, start: int = 0
) -> None:
    for n in range(start, start + count):
        for person in people:
            core.notifier.notify(person, subject=f"Notice {n}", body="", key=f"{person}-{n}")
        deployment.clock.advance(timedelta(minutes=1))


def everything(core: Spotlight, person: str, *, limit: int = 3) -> list[Notice]:
    """A person's whole inbox, read a page at a time after the last page's cursor."""
    read: list[Notice] = []
    while page := core.notifier.inbox(person, after=read[-1].position if read else 0, limit=limit):
        assert len(page) <= limit
        read += page
    return read


def test_an_inbox_is_read_from_the_rows_a_page_after_a_cursor(deployment: Deployment) -> None:
    core = deployment.start()
    tell(core, deployment, ("creator:mia", "creator:leo"), 7)

    mine = everything(core, "creator:mia")

    assert [n.subject for n in mine] == [f"Notice {n}" for n in range(7)]
    assert {n.recipient for n in mine} == {"creator:mia"}
    assert [n.position for n in mine] == sorted(n.position for n in mine)
    assert mine[0].sent_at == deployment.clock.now() - timedelta(minutes=7)
    assert core.notifier.inbox("creator:mia", after=mine[-1].position) == []
    assert core.notifier.inbox("creator:mia", after=2**63) == []  # past what SQL binds
    assert core.notifier.inbox("brand:mia") == []
    # A notice sent again under its key is still one notice.
    core.notifier.notify("creator:mia", subject="Again", body="", key="creator:mia-0")
    assert len(everything(core, "creator:mia")) == 7


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    tell(core, deployment, ("creator:mia", "creator:leo"), 4)
    before = everything(core, "creator:mia")
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert everything(restarted, "creator:mia") == before
    restarted.notifier.notify("creator:mia", subject="Later", body="", key="later")
    assert [n.subject for n in everything(restarted, "creator:mia")][-2:] == ["Notice 3", "Later"]


def test_a_crash_in_the_middle_of_a_batch_keeps_nothing_of_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    tell(core, deployment, ("creator:mia",), 2)
    before = everything(core, "creator:mia")
    exported = core.read_models[NAME].export({})
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))
    tell(core, deployment, ("creator:leo", "creator:mia"), 3, start=2)
    tables = core.inbox_reads.projection.tables
    add = tables.add

    def crashing(batch: Any, notices: Sequence[Notice]) -> None:
        # The six notices are one page, written at once: killed before the batch commits.
        add(batch, notices)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "add", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    generation = core.projections.active(NAME)
    assert core.projection_store.positions(NAME, generation) == positions
    assert core.inbox_reads.projection.export(generation, {}) == exported
    assert tables.page(generation, "creator:mia", after=0, limit=50) == before
    monkeypatch.setattr(tables, "add", add)

    assert len(everything(core, "creator:mia")) == 5
    assert len(everything(core, "creator:leo")) == 3
    live = core.read_models[NAME].export({})
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert core.inbox_reads.projection.export(rebuilt, {}) == live


def test_read_marks_are_kept_across_a_restart_and_a_rebuild(deployment: Deployment) -> None:
    core = deployment.start()
    tell(core, deployment, ("creator:mia", "creator:leo"), 4)
    mine = everything(core, "creator:mia")
    core.inboxes.mark_read("creator:mia", mine[3].notice_id)
    assert core.inboxes.mark_read_up_to("creator:mia", mine[1].position) == 1

    again = deployment.fresh_start()
    read = [n.read for n in everything(again, "creator:mia")]
    again.projections.rebuild(NAME)

    assert read == [True, True, False, True]
    assert [n.read for n in everything(again, "creator:mia")] == read
    assert again.inboxes.unread("creator:mia") == 1
    assert again.inboxes.unread("creator:leo") == 4
