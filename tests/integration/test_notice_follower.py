"""Notices are sent by a follower of the logs: a process killed after a decision was saved
and before its notice was sent (or after it was sent but before the follower's position
moved) delivers it once after restart; several processes catching the follower up together
deliver each notice once; a rebuild from zero sends nothing twice.

On a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.notice_follower import NAME
from domain.anchors.titles import TitleKind
from domain.inbox import InboxMessage
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock
from tests.music_fakes import FakeAudioEngine, FakeDecoder

REVIEWER = Principal(Role.REVIEWER, "rita")
ADMIN = Principal(Role.ADMIN, "ops")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "notices")


@pytest.fixture
def settings(store: StoreUnderTest, tmp_path: Path) -> Settings:
    return Settings(store=parse_store(store.url), data_dir=tmp_path, secret=TEST_SECRET)


def started(settings: Settings) -> Spotlight:
    return bootstrap(settings, clock=FixedClock(), engines=())


@pytest.fixture
def core(settings: Settings) -> Iterator[Spotlight]:
    spotlight = started(settings)
    yield spotlight
    spotlight.close()


def delivered(core: Spotlight) -> list[str]:
    """The keys of every notice in the inbox log, in log order."""
    records = core._inbox.recorder.select_notifications(
        start=0, limit=10_000, topics=(InboxMessage.Delivered.TOPIC,)
    )
    events = map(core._inbox.mapper.to_domain_event, records)
    return [event.key for event in events if isinstance(event, InboxMessage.Delivered)]


def follower_position(core: Spotlight) -> int:
    generation = core.projections.active(NAME)
    return core.projection_store.positions(NAME, generation).get("catalogue", 0)


@pytest.mark.parametrize("dies", ["before", "after"])
def test_a_process_killed_between_a_decision_and_its_notice_delivers_it_once_after_restart(
    settings: Settings, tmp_path: Path, dies: str
) -> None:
    crashed = subprocess.run(  # noqa: S603 - our own test program
        [
            sys.executable,
            "-m",
            "tests.integration.notice_crash",
            settings.store.url,
            str(tmp_path),
            dies,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr
    video = crashed.stdout.strip()

    core = started(settings)
    try:
        # The decision was saved; the follower had not moved past it.
        before = delivered(core)
        assert before == ([f"moderation:{video}:2"] if dies == "after" else [])
        assert follower_position(core) == 0

        (notice,) = core.notifier.inbox("ana")  # an inline read catches the follower up

        assert (notice.kind, dict(notice.about), notice.reason) == (
            "video_moderated",
            {"video": video},
            "stolen footage",
        )
        assert delivered(core) == [f"moderation:{video}:2"]
        assert follower_position(core) > 0
    finally:
        core.close()


def test_processes_catching_up_together_deliver_each_notice_once(
    settings: Settings, core: Spotlight
) -> None:
    creators = [Principal(Role.CREATOR, f"creator{n}") for n in range(12)]
    driver = CatalogueDriver(core)
    videos = [
        driver.publish_video(c, caption="a clip", hashtags=[], category="film-and-tv").id
        for c in creators
    ]
    for video in videos:
        core.moderation.decide(REVIEWER, video, "removed", reason="spam", policy="guidelines/1")
    others = [started(settings) for _ in range(2)]
    try:
        runs = [
            threading.Thread(target=spotlight.projections.catch_up, args=(NAME,))
            for spotlight in (core, *others)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join()

        keys = delivered(core)
        assert sorted(keys) == sorted(f"moderation:{video}:2" for video in videos)
        for creator, video in zip(creators, videos, strict=True):
            assert [dict(n.about) for n in core.notifier.inbox(creator.subject)] == [
                {"video": str(video)}
            ]
    finally:
        for spotlight in others:
            spotlight.close()


def test_a_rebuild_from_zero_sends_nothing_twice(core: Spotlight) -> None:
    creator = Principal(Role.CREATOR, "ana")
    video = CatalogueDriver(core).publish_video(
        creator, caption="a clip", hashtags=[], category="film-and-tv"
    )
    core.moderation.decide(REVIEWER, video.id, "removed", reason="spam", policy="guidelines/1")
    assert len(core.notifier.inbox("ana")) == 1

    core.projections.rebuild(NAME)

    assert delivered(core) == [f"moderation:{video.id}:2"]
    assert len(core.notifier.inbox("ana")) == 1


def test_a_proposal_and_a_rounds_opening_and_closing_are_told_once_with_their_ids(
    settings: Settings,
) -> None:
    core = bootstrap(
        settings,
        clock=FixedClock(),
        engines=(),
        decoder=FakeDecoder(),
        music_audio=FakeAudioEngine(),
    )
    try:
        studio = Principal(Role.STUDIO, "legendary")
        driver = CatalogueDriver(core)
        title = driver.register_title(studio, name="Dune", kind=TitleKind.MOVIE)
        core.anchoring.set_match_words(studio, title.id, hashtags=["Arrakis"], keywords=[])
        video = driver.publish_video(
            Principal(Role.CREATOR, "ana"),
            caption="desert",
            hashtags=["#Arrakis"],
            category="film-and-tv",
        )
        now = core.clock.now()
        season = core.competition.announce_season(
            ADMIN,
            name="Spring Sessions",
            region="JP",
            partners=("Blue Label",),
            judges=(Judge(judge_id="kei", partner="Blue Label"),),
            rounds=(RoundPlan("Open call", 1, now, now + timedelta(days=7)),),
        )
        (round_id,) = season.round_ids
        tracks = {}
        for account in ("aiko", "ben"):
            artist = Principal(Role.ARTIST, account)
            core.discovery.register_artist(artist, name=account.title(), region="JP")
            song = core.discovery.submit_track(artist, title="Song", media=account.encode())
            core.discovery.clear_track(REVIEWER, song.id, reason="original")
            core.competition.enter(artist, season.id, song.id)
            tracks[account] = song.id
        core.competition.open_round(ADMIN, round_id)
        core.competition.close_round(ADMIN, round_id, reason="the test closes it before its plan")

        (proposed,) = core.notifier.inbox("ana")
        assert (proposed.kind, dict(proposed.about)) == (
            "anchor_proposed",
            {"video": str(video.id), "title": str(title.id)},
        )
        for account, track in tracks.items():
            told = [
                (n.kind, dict(n.about))
                for n in core.notifier.inbox(f"artist:{account}")
                if n.kind in ("round_opened", "round_closed")
            ]
            ids = {"round": str(round_id), "season": str(season.id), "track": str(track)}
            assert told == [("round_opened", ids), ("round_closed", ids)]
        sent = delivered(core)
        assert sent.count(f"round:{round_id}:round_opened:{tracks['aiko']}") == 1

        core.projections.rebuild(NAME)

        assert delivered(core) == sent  # nothing sent twice
    finally:
        core.close()
