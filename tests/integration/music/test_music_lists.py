"""An artist's tracks, the track review queue and the featured playlist by region, read a page
at a time from the persisted music read model through the Python API: every item once, in
the list's order, whatever the page size, a track submitted between pages read once at its
place; only one's own tracks; a forged cursor, or one of another list, refused.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own); the audio is the
fakes' (``tests.music_fakes``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.errors import InvalidValue
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from domain.music.tracks import TrackStatus
from entrypoints.bootstrap import Spotlight
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import OPENING_NIGHT
from tests.integration.music.test_music_projection import Cores
from tests.pages import every_page

T = TypeVar("T")

AIKO = Principal(Role.ARTIST, "aiko")
BEN = Principal(Role.ARTIST, "ben")
ROSA = Principal(Role.REVIEWER, "rosa")
AUDITOR = Principal(Role.AUDITOR, "audrey")
OPS = Principal(Role.ADMIN, "ops")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "music_lists")


@pytest.fixture
def cores(store: StoreUnderTest, tmp_path: Path) -> Iterator[Cores]:
    started = Cores(store, tmp_path)
    yield started
    started.close()


class Studio:
    """Artists submitting one after the other, a minute apart."""

    def __init__(self, core: Spotlight, cores: Cores) -> None:
        self.core = core
        self.cores = cores
        self.minutes = 0

    def submit(self, artist: Principal, title: str) -> UUID:
        self.minutes += 1
        self.cores.clock.set(OPENING_NIGHT + timedelta(minutes=self.minutes))
        media = f"{artist.subject}: {title}".encode()
        return self.core.discovery.submit_track(artist, title=title, media=media).id


def test_an_artist_pages_through_exactly_their_own_tracks_with_their_review_state(
    cores: Cores,
) -> None:
    core = cores.start()
    studio = Studio(core, cores)
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    core.discovery.register_artist(BEN, name="Ben", region="KR")
    aikos = []
    for n in range(7):
        aikos.append(studio.submit(AIKO, f"Aiko {n}"))
        studio.submit(BEN, f"Ben {n}")
    core.discovery.clear_track(ROSA, aikos[1], reason="original")
    core.discovery.reject_track(ROSA, aikos[2], reason="a sample without a licence")

    for limit in (1, 2, 3, 7, 50):
        tracks = every_page(partial(core.discovery.artist_tracks, AIKO, limit=limit))
        assert [track.id for track in tracks] == aikos
    statuses = {
        track.id: track.status for track in every_page(partial(core.discovery.artist_tracks, AIKO))
    }
    assert statuses[aikos[1]] is TrackStatus.CLEARED
    assert statuses[aikos[2]] is TrackStatus.REJECTED
    assert statuses[aikos[0]] is TrackStatus.SUBMITTED

    # A track submitted between two pages comes once, at the end.
    first = core.discovery.artist_tracks(AIKO, limit=4)
    late = studio.submit(AIKO, "Aiko late")
    rest = every_page(
        lambda cursor: core.discovery.artist_tracks(
            AIKO, limit=4, cursor=cursor or first.next_cursor
        )
    )
    assert [track.id for track in (*first.items, *rest)] == [*aikos, late]

    # Someone else's list: an admin or auditor names it; another artist may not.
    audited = every_page(partial(core.discovery.artist_tracks, AUDITOR, "aiko"))
    assert [track.id for track in audited] == [*aikos, late]
    with pytest.raises(NotPermitted):
        core.discovery.artist_tracks(BEN, "aiko")
    with pytest.raises(NotPermitted):
        core.discovery.artist_tracks(ROSA)

    # A restarted core answers the same from the persisted rows.
    again = every_page(partial(cores.start().discovery.artist_tracks, AIKO, limit=3))
    assert [track.id for track in again] == [*aikos, late]


def test_the_review_queue_is_read_once_in_order_while_tracks_arrive_and_are_decided(
    cores: Cores,
) -> None:
    core = cores.start()
    studio = Studio(core, cores)
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    waiting = [studio.submit(AIKO, f"Demo {n}") for n in range(5)]

    first = core.discovery.review_queue(ROSA, limit=2)
    assert [track.id for track in first.items] == waiting[:2]
    core.discovery.clear_track(ROSA, waiting[0], reason="original")  # read already
    waiting.append(studio.submit(AIKO, "Demo late"))
    rest = every_page(
        lambda cursor: core.discovery.review_queue(
            ROSA, limit=2, cursor=cursor or first.next_cursor
        )
    )
    assert [track.id for track in rest] == waiting[2:]

    with pytest.raises(InvalidValue, match="another list"):
        core.discovery.review_queue(ROSA, cursor=_artist_cursor(core))
    with pytest.raises(InvalidValue, match="altered"):
        core.discovery.review_queue(ROSA, cursor=f"{first.next_cursor}x")


def _artist_cursor(core: Spotlight) -> str:
    cursor = core.discovery.artist_tracks(AIKO, limit=1).next_cursor
    assert cursor is not None
    return cursor


def test_the_featured_playlist_pages_by_region_most_used_first(cores: Cores) -> None:
    core = cores.start()
    studio = Studio(core, cores)
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    core.discovery.register_artist(BEN, name="Ben", region="KR")
    japanese = []
    for n in range(5):
        song = studio.submit(AIKO, f"Aiko {n}")
        core.discovery.clear_track(ROSA, song, reason="original")
        japanese.append(song)
        core.discovery.clear_track(ROSA, studio.submit(BEN, f"Ben {n}"), reason="original")

    whole = core.discovery.featured_playlist(limit=50).items
    assert len(whole) == 10
    for limit in (1, 3, 10):
        paged = every_page(partial(core.discovery.featured_playlist, limit=limit))
        assert paged == list(whole)
        from_japan = every_page(partial(core.discovery.featured_playlist, region="jp", limit=limit))
        # No uses yet: the newest cleared first.
        assert [item.track_id for item in from_japan] == japanese[::-1]
        assert [item.position for item in from_japan] == [1, 2, 3, 4, 5]
    assert core.discovery.featured_playlist(region="US").items == ()
    with pytest.raises(InvalidValue, match="country code"):
        core.discovery.featured_playlist(region="Japan")
    with pytest.raises(InvalidValue, match="another list"):
        core.discovery.featured_playlist(cursor=_artist_cursor(core))


def announce(core: Spotlight, name: str, region: str, judges: tuple[str, ...] = ("kei",)) -> UUID:
    now = core.clock.now()
    return core.competition.announce_season(
        OPS,
        name=name,
        region=region,
        partners=("Blue Label",),
        judges=tuple(Judge(judge_id=judge, partner="Blue Label") for judge in judges),
        rounds=(
            RoundPlan("Open call", 2, now, now + timedelta(days=7)),
            RoundPlan("Final", 1, now + timedelta(days=8), now + timedelta(days=9)),
        ),
    ).id


def test_seasons_are_listed_with_their_rounds_in_the_order_announced_by_region(
    cores: Cores,
) -> None:
    core = cores.start()
    announced: dict[str, list[UUID]] = {"JP": [], "KR": []}
    for n in range(6):
        cores.clock.set(OPENING_NIGHT + timedelta(hours=n))
        region = "JP" if n % 3 else "KR"
        announced[region].append(announce(core, f"Season {n}", region))

    first = core.competition.seasons(limit=4)
    cores.clock.set(OPENING_NIGHT + timedelta(days=1))
    late = announce(core, "Late season", "JP")
    rest = every_page(lambda cursor: core.competition.seasons(cursor=cursor or first.next_cursor))
    every = [*first.items, *rest]
    assert len(every) == 7
    assert [season.id for season in every][-1] == late
    assert [season.announced_at for season in every] == sorted(s.announced_at for s in every)
    assert all(len(season.round_ids) == 2 for season in every)
    for limit in (1, 2, 50):
        japan = every_page(partial(core.competition.seasons, region="jp", limit=limit))
        assert [season.id for season in japan] == [*announced["JP"], late]
    with pytest.raises(InvalidValue, match="another list"):
        core.discovery.review_queue(ROSA, cursor=first.next_cursor)


def test_a_judge_pages_through_exactly_the_seasons_whose_panel_it_sits_on(
    cores: Cores,
) -> None:
    core = cores.start()
    panels = [("kei",), ("mina",), ("kei", "mina"), ("mina",), ("kei",), ("ola",), ("kei",)]
    seasons = []
    for n, panel in enumerate(panels):
        cores.clock.set(OPENING_NIGHT + timedelta(hours=n))
        seasons.append(announce(core, f"Season {n}", "JP" if n % 2 else "KR", panel))
    kei, mina = Principal(Role.JUDGE, "kei"), Principal(Role.JUDGE, "mina")
    expected = {
        judge: [season for season, panel in zip(seasons, panels, strict=True) if judge in panel]
        for judge in ("kei", "mina")
    }
    for limit in (1, 2, 50):
        for judge in (kei, mina):
            listed = every_page(partial(core.competition.judge_seasons, judge, limit=limit))
            assert [season.id for season in listed] == expected[judge.subject]
            assert all(judge.subject in {j.judge_id for j in season.judges} for season in listed)
    assert core.competition.judge_seasons(Principal(Role.JUDGE, "nobody")).items == ()
    restarted = cores.start()
    again = every_page(partial(restarted.competition.judge_seasons, kei, limit=2))
    assert [season.id for season in again] == expected["kei"]
    with pytest.raises(NotPermitted):
        restarted.competition.judge_seasons(AIKO)
    with pytest.raises(InvalidValue, match="another list"):
        restarted.competition.judge_seasons(
            kei, cursor=restarted.competition.seasons(limit=1).next_cursor
        )


def test_an_artist_lists_the_seasons_it_entered_with_its_standing_in_each_round(
    cores: Cores,
) -> None:
    core = cores.start()
    studio = Studio(core, cores)
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    core.discovery.register_artist(BEN, name="Ben", region="JP")
    song, bens = studio.submit(AIKO, "Night Drive"), studio.submit(BEN, "Harbour")
    for track in (song, bens):
        core.discovery.clear_track(ROSA, track, reason="original")
    seasons = []
    for n in range(3):
        cores.clock.set(OPENING_NIGHT + timedelta(hours=n + 1))
        seasons.append(announce(core, f"Season {n}", "JP"))
    announce(core, "Korea", "KR")
    for season in reversed(seasons):  # entered last one first: the list is in entry order
        studio.minutes += 1
        cores.clock.set(OPENING_NIGHT + timedelta(hours=4, minutes=studio.minutes))
        core.competition.enter(AIKO, season, song)
    core.competition.enter(BEN, seasons[0], bens)
    first_round, final = core.competition.season(seasons[0]).round_ids
    core.competition.open_round(OPS, first_round, reason="ahead of the plan")
    core.competition.cast_ballot(Principal(Role.VIEWER, "v1"), first_round, song)
    core.competition.close_round(OPS, first_round, reason="ahead of the plan")

    expected = [
        (seasons[2], ["pending", "not entered"]),
        (seasons[1], ["pending", "not entered"]),
        (seasons[0], ["advanced", "pending"]),
    ]
    for limit in (1, 2, 50):
        entered = every_page(partial(core.competition.artist_seasons, AIKO, limit=limit))
        assert [(e.season.id, [r.outcome for r in e.rounds]) for e in entered] == expected
    assert {e.track_id for e in entered} == {song}
    assert [(r.round_id, r.rank) for r in entered[-1].rounds] == [(first_round, 1), (final, None)]
    assert [e.season.id for e in every_page(partial(core.competition.artist_seasons, BEN))] == [
        seasons[0]
    ]
    with pytest.raises(NotPermitted):
        core.competition.artist_seasons(BEN, "aiko")

    again = cores.start()
    listed = every_page(partial(again.competition.artist_seasons, AUDITOR, "aiko"))
    assert [(e.season.id, [r.outcome for r in e.rounds]) for e in listed] == expected


def test_the_verification_queue_and_the_rounds_due_are_persisted_rows(cores: Cores) -> None:
    """A second core (another process) reads the queue and the schedule from the stored rows:
    requests oldest first a page at a time, a decided one gone; rounds due by the clock."""
    core = cores.start()
    accounts = [f"artist-{n}" for n in range(5)]
    for minute, account in enumerate(accounts, start=1):
        core.discovery.register_artist(Principal(Role.ARTIST, account), name=account, region="JP")
        cores.clock.set(OPENING_NIGHT + timedelta(minutes=minute))
        core.verification.request(Principal(Role.ARTIST, account))
    core.verification.decline(OPS, accounts[2], reason="Unconfirmed")
    core.verification.grant(OPS, accounts[0])
    tracks = {}
    for account in ("aiko", "ben"):
        principal = Principal(Role.ARTIST, account)
        core.discovery.register_artist(principal, name=account, region="JP")
        song = core.discovery.submit_track(principal, title="Song", media=account.encode())
        tracks[account] = core.discovery.clear_track(ROSA, song.id, reason="original").id
    opens = OPENING_NIGHT + timedelta(days=1)
    season = core.competition.announce_season(
        OPS,
        name="Tokyo Sounds",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge("ren", "Aozora Records")],
        rounds=[RoundPlan("Final", 1, opens, opens + timedelta(days=1))],
    )
    for account, track_id in tracks.items():
        core.competition.enter(Principal(Role.ARTIST, account), season.id, track_id)
    (heats,) = season.round_ids

    other = cores.start()
    queue = every_page(partial(other.verification.queue, OPS, limit=2))
    assert [r.account for r in queue] == [accounts[1], accounts[3], accounts[4]]
    cores.clock.set(opens - timedelta(seconds=1))
    assert other.round_schedule.due() == []
    cores.clock.set(opens)
    assert other.round_schedule.due() == [(heats, False)]
    assert other.round_schedule.run().opened == (heats,)
    cores.clock.set(opens + timedelta(days=2))
    assert core.round_schedule.due() == [(heats, True)]
    assert core.round_schedule.run().closed == (heats,)
    assert other.round_schedule.due() == []
