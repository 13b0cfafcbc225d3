"""Viewers report videos (a reason from a fixed list, words of their own if they like), a
few a UTC day each; reviewers work the queue (dismiss, remove the video, age-restrict it);
the creator may appeal a decision once, and a reviewer upholds or overturns it. Each outcome
reaches the people it concerns as a typed notice."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.auth import Principal, Role, person_key
from application.errors import NotFound, NotPermitted
from domain.anchors.videos import Video
from domain.errors import InvalidValue, RuleViolated
from domain.inbox import NoticeKind
from domain.trust.moderation import ModerationState
from domain.trust.video_reports import (
    AppealAlreadyDecided,
    AppealRefused,
    AppealStatus,
    ReportAlreadyDecided,
    ReportLimitReached,
    ReportStatus,
    VideoReport,
    VideoReportQuota,
    utc_day,
)
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.fakes import OPENING_NIGHT, FixedClock, SequentialIdentities

NOW = OPENING_NIGHT
QUOTA = 3
MIA = Principal(Role.CREATOR, "mia")
VIC = Principal(Role.VIEWER, "vic")
WES = Principal(Role.VIEWER, "wes")
RITA = Principal(Role.REVIEWER, "rita")
AUDITOR = Principal(Role.AUDITOR, "kpmg")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Spotlight]:
    settings = Settings(
        store=parse_store("memory://"),
        data_dir=tmp_path,
        secret=TEST_SECRET,
        video_reports_per_day=QUOTA,
    )
    spotlight = bootstrap(settings, clock=clock, identities=SequentialIdentities())
    yield spotlight
    spotlight.close()


def video_of(core: Spotlight, creator: Principal = MIA, caption: str = "my dance") -> UUID:
    return (
        CatalogueDriver(core)
        .publish_video(creator, caption=caption, hashtags=[], category="dance")
        .id
    )


def kinds_told(core: Spotlight, person: Principal) -> list[str]:
    return [notice.kind for notice in core.notifier.inbox(person_key(person))]


# The aggregates -----------------------------------------------------------------------------


def a_report(**changes: object) -> VideoReport:
    fields: dict[str, object] = {
        "video_id": uuid4(),
        "creator": "mia",
        "reporter": "viewer:vic",
        "reason": "harassment",
        "text": " mocks a classmate by name ",
        "at": NOW,
    }
    fields.update(changes)
    return VideoReport.report(uuid4(), **fields)  # type: ignore[arg-type]


def test_a_report_names_a_reason_of_the_list_and_keeps_the_reporters_words() -> None:
    report = a_report()
    assert (report.reason, report.text, ReportStatus(report.status)) == (
        "harassment",
        "mocks a classmate by name",
        ReportStatus.OPEN,
    )
    assert a_report(text="").text == ""


@pytest.mark.parametrize(
    "changes", [{"reason": "i-dislike-it"}, {"text": "t" * 1_001}, {"at": NOW.replace(tzinfo=None)}]
)
def test_a_report_outside_the_list_or_too_long_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        a_report(**changes)


def test_a_decided_report_stays_decided_and_a_decision_has_a_reason() -> None:
    report = a_report()
    with pytest.raises(InvalidValue):
        report.decide("dismiss", by="reviewer:rita", reason=" ", at=NOW)
    with pytest.raises(InvalidValue):
        report.decide("ban-forever", by="reviewer:rita", reason="no", at=NOW)
    report.decide("age-restrict", by="reviewer:rita", reason="graphic", at=NOW)
    with pytest.raises(ReportAlreadyDecided):
        report.decide("dismiss", by="reviewer:raj", reason="second look", at=NOW)
    assert (ReportStatus(report.status), report.outcome) == (ReportStatus.UPHELD, "age-restrict")


def test_an_upheld_decision_is_appealed_once_and_a_dismissal_not_at_all() -> None:
    dismissed = a_report()
    dismissed.decide("dismiss", by="reviewer:rita", reason="fine", at=NOW)
    with pytest.raises(AppealRefused):
        dismissed.file_appeal(by="creator:mia", text="why", at=NOW)

    upheld = a_report()
    upheld.decide("remove", by="reviewer:rita", reason="hateful", at=NOW)
    upheld.file_appeal(by="creator:mia", text="it is satire", at=NOW)
    with pytest.raises(AppealRefused):
        upheld.file_appeal(by="creator:mia", text="really, satire", at=NOW)
    upheld.decide_appeal("uphold", by="reviewer:raj", reason="not satire", at=NOW)
    with pytest.raises(AppealAlreadyDecided):
        upheld.decide_appeal("overturn", by="reviewer:raj", reason="changed my mind", at=NOW)
    with pytest.raises(AppealRefused):
        upheld.file_appeal(by="creator:mia", text="a second appeal", at=NOW)
    assert AppealStatus(upheld.appeal) is AppealStatus.UPHELD


def test_the_quota_counts_a_reporters_reports_of_one_utc_day() -> None:
    late = NOW.replace(hour=23, minute=59)
    quota = VideoReportQuota.open("viewer:vic", utc_day(late))
    for _ in range(2):
        quota.use(uuid4(), quota=2)
    with pytest.raises(ReportLimitReached):
        quota.use(uuid4(), quota=2)
    assert quota.used == 2
    # The day is UTC's, whatever zone the instant was given in.
    assert utc_day(late.astimezone(ZoneInfo("Asia/Tokyo"))) == late.date()
    assert VideoReportQuota.id_for("viewer:vic", utc_day(late + timedelta(minutes=1))) != quota.id


# Through the application ------------------------------------------------------------------


def test_a_viewer_reports_a_video_and_it_waits_in_the_reviewers_queue(core: Spotlight) -> None:
    video = video_of(core)
    report = core.video_reports.report(VIC, video, reason="spam", text="links to a scam")

    page = core.video_reports.queue(RITA)
    assert [(r.id, r.video_id, r.reporter, r.creator) for r in page.items] == [
        (report.id, video, "viewer:vic", "mia")
    ]
    assert core.video_reports.report_of(MIA, report.id).reason == "spam"
    with pytest.raises(NotPermitted):
        core.video_reports.report_of(WES, report.id)
    with pytest.raises(NotPermitted):
        core.video_reports.queue(VIC)
    with pytest.raises(NotPermitted):
        core.video_reports.report(AUDITOR, video, reason="spam")
    with pytest.raises(NotFound):
        core.video_reports.report(VIC, uuid4(), reason="spam")


def test_past_the_daily_quota_nothing_is_recorded_until_the_next_utc_day(
    core: Spotlight, clock: FixedClock
) -> None:
    video = video_of(core)
    for _ in range(QUOTA):
        core.video_reports.report(VIC, video, reason="spam")
    recorded = len(core.video_reports.queue(RITA).items)

    with pytest.raises(ReportLimitReached):
        core.video_reports.report(VIC, video, reason="spam")
    assert len(core.video_reports.queue(RITA).items) == recorded == QUOTA
    # Another reporter has a quota of their own; tomorrow (UTC) the first has theirs again.
    core.video_reports.report(WES, video, reason="spam")
    clock.set(NOW.replace(hour=0, minute=0) + timedelta(days=1))
    core.video_reports.report(VIC, video, reason="spam")
    assert len(core.video_reports.queue(RITA).items) == QUOTA + 2


def test_the_queue_pages_oldest_first_and_decided_reports_leave_it(core: Spotlight) -> None:
    video = video_of(core)
    made = [core.video_reports.report(who, video, reason="spam").id for who in (VIC, WES, MIA)]

    first = core.video_reports.queue(RITA, limit=2)
    rest = core.video_reports.queue(RITA, limit=2, cursor=first.next_cursor)
    assert [r.id for r in (*first.items, *rest.items)] == made
    assert rest.next_cursor is None

    core.video_reports.decide(RITA, made[1], "dismiss", reason="not spam")
    assert [r.id for r in core.video_reports.queue(RITA).items] == [made[0], made[2]]


def test_dismissing_leaves_the_video_and_tells_the_reporter(core: Spotlight) -> None:
    video = video_of(core)
    report = core.video_reports.report(VIC, video, reason="hate")

    decided = core.video_reports.decide(RITA, report.id, "dismiss", reason="no hate in it")

    assert decided.status is ReportStatus.DISMISSED
    assert core._catalogue.load(Video, video).moderation == ModerationState.UNREVIEWED
    assert kinds_told(core, VIC) == [NoticeKind.VIDEO_REPORT_DISMISSED]
    assert kinds_told(core, MIA) == []
    with pytest.raises(ReportAlreadyDecided):
        core.video_reports.decide(RITA, report.id, "remove", reason="second look")


def test_removing_on_a_report_removes_the_video_and_tells_both(core: Spotlight) -> None:
    video = video_of(core)
    report = core.video_reports.report(VIC, video, reason="violence")
    other = core.video_reports.report(WES, video, reason="violence")

    core.video_reports.decide(RITA, report.id, "remove", reason="a real fight, filmed")

    removed = core._catalogue.load(Video, video)
    assert removed.moderation == ModerationState.REMOVED
    assert kinds_told(core, VIC) == [NoticeKind.VIDEO_REPORT_UPHELD]
    assert kinds_told(core, MIA) == [NoticeKind.VIDEO_MODERATED]
    # The second report of the removed video is upheld without a second removal.
    core.video_reports.decide(RITA, other.id, "remove", reason="same fight")
    assert core._catalogue.load(Video, video).version == removed.version
    with pytest.raises(RuleViolated):
        core.video_reports.report(VIC, video, reason="violence")


def test_an_overturned_appeal_clears_an_age_restricted_video(core: Spotlight) -> None:
    video = video_of(core)
    report = core.video_reports.report(VIC, video, reason="sexual-content")
    core.video_reports.decide(RITA, report.id, "age-restrict", reason="suggestive")
    assert core._catalogue.load(Video, video).moderation == ModerationState.AGE_RESTRICTED

    with pytest.raises(NotPermitted):
        core.video_reports.appeal(VIC, report.id, text="not mine to appeal")
    core.video_reports.appeal(MIA, report.id, text="it is a swimwear ad")
    assert [r.id for r in core.video_reports.appeals(RITA).items] == [report.id]
    with pytest.raises(AppealRefused):
        core.video_reports.appeal(MIA, report.id, text="once more")

    decided = core.video_reports.decide_appeal(RITA, report.id, "overturn", reason="an ad")

    assert decided.appeal is AppealStatus.OVERTURNED
    assert core._catalogue.load(Video, video).moderation == ModerationState.CLEAR
    assert core.video_reports.appeals(RITA).items == ()
    assert kinds_told(core, MIA) == [
        NoticeKind.VIDEO_MODERATED,
        NoticeKind.APPEAL_OVERTURNED,
        NoticeKind.VIDEO_MODERATED,
    ]


def test_an_appeal_of_a_removal_is_upheld_or_overturned_and_the_video_restored(
    core: Spotlight,
) -> None:
    kept, restored = video_of(core), video_of(core, caption="my duet")
    reports = []
    for video in (kept, restored):
        report = core.video_reports.report(VIC, video, reason="copyright")
        core.video_reports.decide(RITA, report.id, "remove", reason="a whole film")
        core.video_reports.appeal(MIA, report.id, text="I own the rights")
        reports.append(report.id)

    core.video_reports.decide_appeal(RITA, reports[0], "uphold", reason="no licence shown")
    assert kinds_told(core, MIA)[-1] == NoticeKind.APPEAL_UPHELD
    assert core._catalogue.load(Video, kept).moderation == ModerationState.REMOVED
    with pytest.raises(NotPermitted):
        core.video_reports.decide_appeal(MIA, reports[1], "overturn", reason="mine")

    decided = core.video_reports.decide_appeal(RITA, reports[1], "overturn", reason="licence")

    assert decided.appeal is AppealStatus.OVERTURNED
    back = core._catalogue.load(Video, restored)
    assert back.moderation == ModerationState.CLEAR
    assert kinds_told(core, MIA)[-2:] == [NoticeKind.APPEAL_OVERTURNED, NoticeKind.VIDEO_MODERATED]
    # Restored once: the appeal is decided, and a video not removed has nothing to restore.
    with pytest.raises(RuleViolated):
        core.video_reports.decide_appeal(RITA, reports[1], "overturn", reason="again")
    with pytest.raises(RuleViolated):
        back.restore(reason="again", policy="video-reports/appeal", by="rita", at=NOW)


# The invariant ------------------------------------------------------------------------------

hours = st.integers(min_value=0, max_value=72)


@settings(max_examples=15, deadline=None)
@given(
    quota=st.integers(min_value=1, max_value=4),
    attempts=st.lists(st.tuples(st.sampled_from(["vic", "wes"]), hours), max_size=14),
)
def test_never_more_than_the_quota_per_reporter_per_utc_day(
    quota: int, attempts: list[tuple[str, int]]
) -> None:
    clock = FixedClock(NOW)
    with tempfile.TemporaryDirectory() as directory:
        settings_ = Settings(
            store=parse_store("memory://"),
            data_dir=Path(directory),
            secret=TEST_SECRET,
            video_reports_per_day=quota,
        )
        with bootstrap(settings_, clock=clock, identities=SequentialIdentities()) as core:
            video = video_of(core)
            for name, hour in sorted(attempts, key=lambda a: a[1]):
                clock.set(NOW + timedelta(hours=hour))
                with contextlib.suppress(ReportLimitReached):
                    core.video_reports.report(Principal(Role.VIEWER, name), video, reason="spam")
            recorded = [
                (r.reporter, utc_day(r.reported_at))
                for r in core.video_reports.queue(RITA, limit=100).items
            ]
    per_day: dict[tuple[str, object], int] = {}
    for key in recorded:
        per_day[key] = per_day.get(key, 0) + 1
    assert all(count <= quota for count in per_day.values())
    # And every report within the quota was recorded: none refused wrongly.
    asked: dict[tuple[str, object], int] = {}
    for name, hour in attempts:
        day = utc_day(NOW + timedelta(hours=hour))
        asked[(f"viewer:{name}", day)] = asked.get((f"viewer:{name}", day), 0) + 1
    assert per_day == {key: min(count, quota) for key, count in asked.items()}
