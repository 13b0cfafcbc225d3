"""Video reports in a real store, several instances of the core on it: the daily quota is
counted from the log, so reports from two instances (or racing ones) never pass it; the
queues read in one instance show what another recorded; the queues' read model answers the
same after a rebuild from zero. Each test runs on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.trust.video_reports import NAME
from domain.trust.video_reports import ReportLimitReached
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.fakes import SequentialIdentities

QUOTA = 3
VIC = Principal(Role.VIEWER, "vic")
ANA = Principal(Role.CREATOR, "ana")
RITA = Principal(Role.REVIEWER, "rita")


class QuotaDeployment(Deployment):
    """Instances configured with a small quota of reports a day."""

    def start(self) -> Spotlight:
        self.series += 1
        settings = Settings(
            store=parse_store(self.store.url),
            data_dir=self.data_dir,
            secret=self.secret,
            video_reports_per_day=QUOTA,
        )
        core = bootstrap(
            settings, clock=self.clock, identities=SequentialIdentities(series=self.series)
        )
        self.running.append(core)
        return core


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "video_reports")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = QuotaDeployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def a_video(core: Spotlight) -> UUID:
    return (
        CatalogueDriver(core).publish_video(ANA, caption="dance", hashtags=[], category="dance").id
    )


def test_the_quota_holds_across_instances_and_the_queue_shows_every_report(
    deployment: Deployment,
) -> None:
    first, second = deployment.start(), deployment.start()
    video = a_video(first)
    first.video_reports.report(VIC, video, reason="spam")
    second.video_reports.report(VIC, video, reason="spam")
    first.video_reports.report(VIC, video, reason="spam")

    with pytest.raises(ReportLimitReached):
        second.video_reports.report(VIC, video, reason="spam")
    assert len(second.video_reports.queue(RITA).items) == QUOTA
    restarted = deployment.fresh_start()
    with pytest.raises(ReportLimitReached):
        restarted.video_reports.report(VIC, video, reason="spam")


def test_racing_reports_from_two_instances_never_pass_the_quota(deployment: Deployment) -> None:
    first, second = deployment.start(), deployment.start()
    video = a_video(first)

    def report(core: Spotlight) -> str:
        try:
            core.video_reports.report(VIC, video, reason="spam")
        except ReportLimitReached:
            return "refused"
        return "reported"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(report, [first, second] * 3))

    assert outcomes.count("reported") == QUOTA
    assert len(first.video_reports.queue(RITA).items) == QUOTA


def test_the_queues_answer_the_same_after_a_rebuild(deployment: Deployment) -> None:
    core = deployment.start()
    video, other = a_video(core), a_video(core)
    kept = core.video_reports.report(VIC, video, reason="hate")
    upheld = core.video_reports.report(VIC, other, reason="violence")
    core.video_reports.decide(RITA, upheld.id, "age-restrict", reason="graphic")
    core.video_reports.appeal(ANA, upheld.id, text="a film scene")
    core.video_reports.catch_up()
    view = core.read_models[NAME].export({})

    restarted = deployment.fresh_start()
    restarted.projections.rebuild(NAME)

    assert restarted.read_models[NAME].export({}) == view
    assert [r.id for r in restarted.video_reports.queue(RITA).items] == [kept.id]
    assert [r.id for r in restarted.video_reports.appeals(RITA).items] == [upheld.id]
