"""Counterfeit reports: anyone signed in reports a listing (ten a day), trust and safety
decide. Upholding takes the listing down, strikes its seller and removes the listing's tags
from every video, in one transaction; three strikes suspend the seller; dismissing changes
nothing but the report; a decided report stays decided."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotPermitted, StaleVersion
from application.notifications import Notice
from application.shop.product_tagging import TRUST_AND_SAFETY
from domain.errors import InvalidValue
from domain.money import Money
from domain.shop.counterfeit import (
    MAX_EVIDENCE,
    REPORTS_PER_DAY,
    CounterfeitReport,
    ReportDecided,
    ReportLimitReached,
    ReportQuota,
    ReportStatus,
)
from domain.shop.listings import (
    STRIKES_TO_SUSPEND,
    ListingStatus,
    NotOnSale,
    Seller,
    SellerSuspended,
)
from domain.shop.product_tags import VideoTags
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, InterleavingClock, SequentialIdentities
from tests.photos import plain_photo

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
RAJ = Principal(Role.REVIEWER, "raj")
ACME = Principal(Role.SELLER, "acme")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
VIC = Principal(Role.VIEWER, "vic")
WES = Principal(Role.VIEWER, "wes")
AUDITOR = Principal(Role.AUDITOR, "kpmg")


# The aggregates -----------------------------------------------------------------------------


def filed(**changes: object) -> CounterfeitReport:
    fields: dict[str, object] = {
        "listing_id": uuid4(),
        "seller": "acme",
        "reporter": "viewer:vic",
        "reason": " The logo is misspelt. ",
        "evidence": [" https://example.org/photo.jpg "],
        "at": NOW,
    }
    fields.update(changes)
    return CounterfeitReport.file(uuid4(), **fields)  # type: ignore[arg-type]


def test_a_report_is_filed_open_with_its_reason_and_evidence() -> None:
    report = filed()

    assert ReportStatus(report.status) is ReportStatus.OPEN
    assert (report.seller, report.reporter, report.reason) == (
        "acme",
        "viewer:vic",
        "The logo is misspelt.",
    )
    assert report.evidence == ("https://example.org/photo.jpg",)


@pytest.mark.parametrize(
    "changes",
    [
        {"reason": "  "},
        {"reason": "r" * 2_001},
        {"evidence": [""]},
        {"evidence": [f"e{n}" for n in range(MAX_EVIDENCE + 1)]},
        {"at": NOW.replace(tzinfo=None)},
    ],
)
def test_a_report_has_a_reason_a_little_evidence_and_a_time(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        filed(**changes)


@pytest.mark.parametrize("first", ["uphold", "dismiss"])
def test_a_decided_report_stays_decided(first: str) -> None:
    report = filed()
    getattr(report, first)(by="reviewer:rosa", reason="looked at it", at=NOW)
    status = report.status

    for again in ("uphold", "dismiss"):
        with pytest.raises(ReportDecided):
            getattr(report, again)(by="reviewer:raj", reason="second opinion", at=NOW)
    assert report.status == status
    assert report.decision_reason == "looked at it"


def test_a_decision_has_a_reason() -> None:
    report = filed()
    with pytest.raises(InvalidValue):
        report.uphold(by="reviewer:rosa", reason=" ", at=NOW)
    assert ReportStatus(report.status) is ReportStatus.OPEN


def test_a_reporters_quota_is_ten_reports_a_day() -> None:
    day = NOW.date()
    quota = ReportQuota.open("viewer:vic", day)
    assert quota.id == ReportQuota.id_for("viewer:vic", day)
    assert quota.id != ReportQuota.id_for("viewer:wes", day)
    assert quota.id != ReportQuota.id_for("viewer:vic", day + timedelta(days=1))

    for _ in range(REPORTS_PER_DAY):
        quota.use(uuid4())
    with pytest.raises(ReportLimitReached):
        quota.use(uuid4())
    assert quota.used == REPORTS_PER_DAY == 10


# Through the service ------------------------------------------------------------------------


@pytest.fixture
def racing_clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def shop(racing_clock: InterleavingClock) -> Iterator[Spotlight]:
    core = bootstrap(
        Settings(
            store=parse_store("memory://"),
            data_dir=Path(tempfile.gettempdir()),
            secret=b"a-secret-only-the-report-tests-know",
        ),
        clock=racing_clock,
        identities=SequentialIdentities(),
        engines=(),
    )
    yield core
    core.close()


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def topics_since(core: Spotlight, position: int) -> Counter[str]:
    notifications = core._revenue.recorder.select_notifications(
        start=position, limit=10_000, inclusive_of_start=False
    )
    return Counter(n.topic.rsplit(":", 1)[-1] for n in notifications)


def listed(core: Spotlight, title: str = "Leather handbag", *, stock: int = 5) -> UUID:
    if core._revenue.find(Seller, Seller.id_for("acme")) is None:
        core.shop.register_seller(ACME, name="Acme Leather")
    return core.shop.list_product(
        ACME,
        title=title,
        description="",
        price=Money(49_99, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


def tagged(core: Spotlight, listing_id: UUID, creator: Principal = MIA) -> UUID:
    video_id = (
        CatalogueDriver(core)
        .publish_video(creator, caption="haul", hashtags=[], category="fashion")
        .id
    )
    assert core.tagging.tag(
        video_id, listing_id, confidence=0.9, evidence={"frame": 1}, by="recognition:v3"
    )
    return video_id


def shown_listings(core: Spotlight, video_id: UUID) -> set[UUID]:
    tags = core._revenue.find(VideoTags, VideoTags.id_for(video_id))
    return set() if tags is None else {t.listing_id for t in tags.shown}


def test_a_reporter_files_ten_reports_a_day_and_ten_more_the_next(
    shop: Spotlight, racing_clock: InterleavingClock
) -> None:
    listing_id = listed(shop)
    racing_clock.set(NOW.replace(hour=23, minute=0))
    for n in range(REPORTS_PER_DAY):
        shop.reports.file(VIC, listing_id, reason=f"fake #{n}")
    before = logged(shop)

    with pytest.raises(ReportLimitReached):
        shop.reports.file(VIC, listing_id, reason="one more")
    assert logged(shop) == before
    shop.reports.file(WES, listing_id, reason="mine is separate")

    racing_clock.advance(timedelta(minutes=59, seconds=59))  # still the same day
    with pytest.raises(ReportLimitReached):
        shop.reports.file(VIC, listing_id, reason="one more")
    racing_clock.advance(timedelta(seconds=1))  # midnight: a new day
    for n in range(REPORTS_PER_DAY):
        shop.reports.file(VIC, listing_id, reason=f"fake again #{n}")
    with pytest.raises(ReportLimitReached):
        shop.reports.file(VIC, listing_id, reason="one more")
    quota = shop._revenue.load(ReportQuota, ReportQuota.id_for("viewer:vic", NOW.date()))
    assert quota.used == REPORTS_PER_DAY


def test_a_report_records_who_filed_it_about_which_seller(shop: Spotlight) -> None:
    listing_id = listed(shop)

    report = shop.reports.file(MIA, listing_id, reason="fake", evidence=["a photo"])

    assert (report.listing_id, report.seller, report.reporter, report.status) == (
        listing_id,
        "acme",
        "creator:mia",
        ReportStatus.OPEN,
    )
    assert shop.reports.report(MIA, report.id) == report
    assert shop.reports.report(ROSA, report.id) == report
    assert shop.reports.report(AUDITOR, report.id) == report
    with pytest.raises(NotPermitted):
        shop.reports.report(VIC, report.id)
    with pytest.raises(NotPermitted):
        shop.reports.file(AUDITOR, listing_id, reason="fake")


class FailingNotifier:
    """A notification service that is down: tags wait for their notice."""

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        raise ConnectionError("the notification service is down")

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Notice]:
        return []


def test_upholding_takes_down_strikes_and_removes_every_tag_in_one_transaction(
    shop: Spotlight,
) -> None:
    listing_id, other_listing = listed(shop, "bag"), listed(shop, "belt")
    mias, leos = tagged(shop, listing_id, MIA), tagged(shop, listing_id, LEO)
    shop.tagging.tag(leos, other_listing, confidence=0.5, evidence={}, by="recognition:v3")
    # A third video's tag is still awaiting its notice: it goes too.
    hidden = (
        CatalogueDriver(shop).publish_video(MIA, caption="b", hashtags=[], category="fashion").id
    )
    shop.tagging.notifier = FailingNotifier()
    shop.tagging.tag(hidden, listing_id, confidence=0.4, evidence={}, by="recognition:v3")
    report = shop.reports.file(VIC, listing_id, reason="fake")
    before = logged(shop)

    decided = shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert (decided.status, decided.decision_reason) == (ReportStatus.UPHELD, "counterfeit")
    assert topics_since(shop, before) == {
        "CounterfeitReportUpheld": 1,
        "ListingTakenDown": 1,
        "SellerStruck": 1,
        "ProductTagRemoved": 3,
    }
    assert shop.shop.listing(listing_id).status is ListingStatus.TAKEN_DOWN
    assert shop.shop.seller("acme").strikes == [report.id]
    assert not shop.shop.seller("acme").suspended
    for video_id in (mias, leos, hidden):
        tags = shop._revenue.load(VideoTags, VideoTags.id_for(video_id))
        assert listing_id not in tags.tags
        assert listing_id in tags.removed
    assert shown_listings(shop, leos) == {other_listing}
    removal = shop._revenue.recorder.select_notifications(
        start=before, limit=10, topics=(VideoTags.TagRemoved.TOPIC,), inclusive_of_start=False
    )
    for notification in removal:
        removed = shop._revenue.mapper.to_domain_event(notification)
        assert isinstance(removed, VideoTags.TagRemoved)
        assert removed.removed_by == TRUST_AND_SAFETY
        assert str(report.id) in removed.reason
    with pytest.raises(NotOnSale):
        shop.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k")
    assert shop.shop.listing(other_listing).status is ListingStatus.LISTED


def test_an_upholding_that_loses_a_race_leaves_nothing_behind(
    shop: Spotlight, racing_clock: InterleavingClock
) -> None:
    listing_id = listed(shop)
    video_id = tagged(shop, listing_id)
    report = shop.reports.file(VIC, listing_id, reason="fake")
    racing_clock.before_next_reading(
        lambda: shop.reports.decide(RAJ, report.id, uphold=False, reason="genuine")
    )
    after_the_competitor = logged(shop) + 1

    with pytest.raises(StaleVersion):
        shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert topics_since(shop, after_the_competitor) == {}
    assert shop.reports.report(ROSA, report.id).status is ReportStatus.DISMISSED
    assert shop.shop.listing(listing_id).status is ListingStatus.LISTED
    assert shop.shop.seller("acme").strikes == []
    assert shown_listings(shop, video_id) == {listing_id}


def test_dismissing_changes_nothing_but_the_report(shop: Spotlight) -> None:
    listing_id = listed(shop)
    video_id = tagged(shop, listing_id)
    report = shop.reports.file(VIC, listing_id, reason="fake")
    before = logged(shop)

    decided = shop.reports.decide(OPS, report.id, uphold=False, reason="genuine")

    assert (decided.status, decided.decision_reason) == (ReportStatus.DISMISSED, "genuine")
    assert topics_since(shop, before) == {"CounterfeitReportDismissed": 1}
    assert shop.shop.listing(listing_id).status is ListingStatus.LISTED
    assert shop.shop.seller("acme").strikes == []
    assert shown_listings(shop, video_id) == {listing_id}


@pytest.mark.parametrize("first", [True, False])
def test_a_decided_report_stays_decided_through_the_service(shop: Spotlight, first: bool) -> None:
    listing_id = listed(shop)
    report = shop.reports.file(VIC, listing_id, reason="fake")
    shop.reports.decide(ROSA, report.id, uphold=first, reason="decided")
    before = logged(shop)

    for uphold in (True, False):
        with pytest.raises(ReportDecided):
            shop.reports.decide(RAJ, report.id, uphold=uphold, reason="again")

    assert logged(shop) == before
    assert len(shop.shop.seller("acme").strikes) == int(first)


def test_only_trust_and_safety_decide(shop: Spotlight) -> None:
    report = shop.reports.file(VIC, listed(shop), reason="fake")
    before = logged(shop)
    for actor in (VIC, MIA, ACME, AUDITOR):
        with pytest.raises(NotPermitted):
            shop.reports.decide(actor, report.id, uphold=True, reason="fake")
    assert logged(shop) == before


def test_a_later_report_of_a_listing_taken_down_is_upheld_without_a_second_strike(
    shop: Spotlight,
) -> None:
    listing_id = listed(shop)
    first = shop.reports.file(VIC, listing_id, reason="fake")
    second = shop.reports.file(WES, listing_id, reason="also fake")
    shop.reports.decide(ROSA, first.id, uphold=True, reason="counterfeit")
    before = logged(shop)

    decided = shop.reports.decide(RAJ, second.id, uphold=True, reason="counterfeit too")

    assert decided.status is ReportStatus.UPHELD
    assert topics_since(shop, before) == {"CounterfeitReportUpheld": 1}
    assert shop.shop.seller("acme").strikes == [first.id]


def test_a_delisted_listing_reported_and_upheld_is_taken_down_and_strikes(
    shop: Spotlight,
) -> None:
    listing_id = listed(shop)
    shop.shop.delist(ACME, listing_id, reason="withdrawn before the review")
    report = shop.reports.file(VIC, listing_id, reason="fake")

    shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert shop.shop.listing(listing_id).status is ListingStatus.TAKEN_DOWN
    assert shop.shop.seller("acme").strikes == [report.id]


def test_three_upheld_reports_suspend_the_seller(shop: Spotlight) -> None:
    listings = [listed(shop, f"item {n}") for n in range(STRIKES_TO_SUSPEND + 1)]
    spared = listings[-1]
    for strike, listing_id in enumerate(listings[:STRIKES_TO_SUSPEND], start=1):
        report = shop.reports.file(VIC, listing_id, reason="fake")
        before = logged(shop)
        shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")
        seller = shop.shop.seller("acme")
        assert len(seller.strikes) == strike
        assert seller.suspended is (strike == STRIKES_TO_SUSPEND)
        if strike == STRIKES_TO_SUSPEND:
            assert topics_since(shop, before)["SellerSuspended"] == 1
    before = logged(shop)

    with pytest.raises(SellerSuspended):
        shop.shop.place_order(VIC, listing_id=spared, quantity=1, order_key="k")
    with pytest.raises(SellerSuspended):
        listed(shop, "new item")
    assert logged(shop) == before
    assert shop.shop.listing(spared).status is ListingStatus.LISTED  # not taken down, unsold
    assert shop.shop.listing(spared).stock == 5


def test_a_tag_racing_a_takedown_is_never_shown(
    shop: Spotlight, racing_clock: InterleavingClock
) -> None:
    listing_id = listed(shop)
    video_id = (
        CatalogueDriver(shop).publish_video(MIA, caption="h", hashtags=[], category="fashion").id
    )
    report = shop.reports.file(VIC, listing_id, reason="fake")
    racing_clock.before_next_reading(
        lambda: shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")
    )

    shop.tagging.tag(video_id, listing_id, confidence=0.9, evidence={}, by="recognition:v3")

    assert shop.shop.listing(listing_id).status is ListingStatus.TAKEN_DOWN
    assert shown_listings(shop, video_id) == set()
    assert shop.notifier.inbox("mia") == []
