"""The music read model persisted by the projection store, on a SQLite file and on PostgreSQL:
a restarted core applies nothing again and answers the same standings, playlist and queue;
a crash in the middle of a batch keeps nothing of it, so no vote is counted twice; a ballot
recorded after the close is late, whoever applies it.

The audio is the fakes' (``tests.music_fakes``): what is tested here is the read side."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.projections import SqlProjectionStore
from adapters.projections.database import projection_database_for
from adapters.projections.music import SqlMusicTables
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.music.competition import BallotTooLate
from application.music.music_read_model import MUSIC_READ_MODEL, MusicReadModel
from application.projections import Batch, ProjectionRunner
from domain.errors import InvalidValue
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from domain.music.standings import Tally
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import OPENING_NIGHT, FixedClock, InterleavingClock, SequentialIdentities
from tests.music_fakes import FakeAudioEngine, FakeDecoder

OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
KEI = Principal(Role.JUDGE, "kei")
PARTNER = "Blue Label"
ARTISTS = ("aiko", "ben", "chika")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "music_projection")


class Cores:
    """The cores started on one store in a test, each as a process of its own would be."""

    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        self.settings = Settings(
            store=parse_store(store.url), data_dir=data_dir, secret=TEST_SECRET
        )
        self.clock = InterleavingClock()
        self.started: list[Spotlight] = []

    def start(self) -> Spotlight:
        core = bootstrap(
            self.settings,
            clock=self.clock,
            identities=SequentialIdentities(series=len(self.started) + 1),
            decoder=FakeDecoder(),
            music_audio=FakeAudioEngine(),
        )
        self.started.append(core)
        return core

    def close(self) -> None:
        while self.started:
            self.started.pop().close()


@pytest.fixture
def cores(store: StoreUnderTest, tmp_path: Path) -> Iterator[Cores]:
    started = Cores(store, tmp_path)
    yield started
    started.close()


def cleared_tracks(core: Spotlight, clock: FixedClock) -> dict[str, UUID]:
    """One cleared song per artist, cleared an hour apart (the newest cleared is Chika's)."""
    songs: dict[str, UUID] = {}
    for number, account in enumerate(ARTISTS):
        artist = Principal(Role.ARTIST, account)
        core.discovery.register_artist(artist, name=account.title(), region="JP")
        song = core.discovery.submit_track(
            artist, title=f"{account.title()}'s song", media=f"song of {account}".encode()
        )
        clock.set(OPENING_NIGHT + timedelta(hours=number + 1))
        core.discovery.clear_track(ROSA, song.id, reason="original")
        songs[account] = song.id
    return songs


def open_first_round(core: Spotlight, songs: dict[str, UUID]) -> UUID:
    now = core.clock.now()
    season = core.competition.announce_season(
        OPS,
        name="Spring Sessions",
        region="JP",
        partners=(PARTNER,),
        judges=(Judge(judge_id="kei", partner=PARTNER),),
        rounds=(
            RoundPlan("Open call", 2, now, now + timedelta(days=7)),
            RoundPlan("Final", 1, now + timedelta(days=8), now + timedelta(days=9)),
        ),
    )
    round_id = season.round_ids[0]
    for account, song in songs.items():
        core.competition.enter(Principal(Role.ARTIST, account), season.id, song)
    core.competition.open_round(OPS, round_id, reason="ahead of the plan")
    return round_id


def vote(core: Spotlight, round_id: UUID, song: UUID, voters: Iterable[str]) -> None:
    for voter in voters:
        core.competition.cast_ballot(Principal(Role.VIEWER, voter), round_id, song)


def test_a_restarted_core_applies_nothing_again_and_answers_the_same_standings(
    cores: Cores,
) -> None:
    core = cores.start()
    songs = cleared_tracks(core, cores.clock)
    waiting = core.discovery.submit_track(
        Principal(Role.ARTIST, "aiko"), title="Demo", media=b"a demo of aiko"
    )
    round_id = open_first_round(core, songs)
    vote(core, round_id, songs["ben"], ("v1", "v2", "v3"))
    vote(core, round_id, songs["aiko"], ("v4",))
    core.competition.give_score(KEI, round_id, songs["aiko"], 9)
    core.competition.give_score(KEI, round_id, songs["chika"], 4)
    result = core.competition.results(
        core.competition.close_round(OPS, round_id, reason="ahead of the plan").round_id
    )
    seen = (
        result,
        core.competition.round(round_id),
        core.discovery.featured_playlist(),
        core.discovery.review_queue(ROSA),
        core.discovery.read.catch_up().count_of(round_id),
    )
    assert [line.standing.track_id for line in result.standings][:2] == [
        songs["aiko"],
        songs["ben"],
    ]
    assert [item.track_id for item in seen[2].items] == [
        songs["chika"],
        songs["ben"],
        songs["aiko"],
    ]
    assert [track.id for track in seen[3].items] == [waiting.id]
    positions = core.projection_store.positions(
        MUSIC_READ_MODEL, core.projections.active(MUSIC_READ_MODEL)
    )
    cores.close()

    restarted = cores.start()
    assert restarted.projections.catch_up(MUSIC_READ_MODEL) == 0
    generation = restarted.projections.active(MUSIC_READ_MODEL)
    assert restarted.projection_store.positions(MUSIC_READ_MODEL, generation) == positions
    assert (
        restarted.competition.results(round_id),
        restarted.competition.round(round_id),
        restarted.discovery.featured_playlist(),
        restarted.discovery.review_queue(ROSA),
        restarted.discovery.read.catch_up().count_of(round_id),
    ) == seen


class CrashingTables(SqlMusicTables):
    """The music tables of a process that dies after counting some entries of a batch."""

    def __init__(self, store: SqlProjectionStore, *, counts_before_crash: int) -> None:
        super().__init__(store)
        self.counts_before_crash = counts_before_crash

    def count(
        self,
        batch: Batch,
        round_id: UUID,
        track_id: UUID,
        *,
        votes: int,
        score_sum: int,
        scores: int,
    ) -> None:
        if self.counts_before_crash == 0:
            raise KeyboardInterrupt("killed mid-batch")
        self.counts_before_crash -= 1
        super().count(batch, round_id, track_id, votes=votes, score_sum=score_sum, scores=scores)

    def count_all(self, batch: Batch, counts: Mapping[tuple[UUID, UUID], Tally]) -> None:
        for (round_id, track_id), tally in counts.items():
            self.count(
                batch,
                round_id,
                track_id,
                votes=tally.votes,
                score_sum=tally.score_sum,
                scores=tally.scores,
            )


def test_a_crash_mid_batch_counts_no_vote_twice(cores: Cores) -> None:
    core = cores.start()
    songs = cleared_tracks(core, cores.clock)
    round_id = open_first_round(core, songs)
    vote(core, round_id, songs["ben"], ("v1", "v2"))
    assert +core.discovery.read.catch_up().count_of(round_id).votes == {songs["ben"]: 2}
    vote(core, round_id, songs["aiko"], ("v3", "v4", "v5"))
    vote(core, round_id, songs["chika"], ("v6",))
    vote(core, round_id, songs["aiko"], ("v7",))

    # Another process applies the next batch and dies once it has counted Aiko's votes.
    store = SqlProjectionStore(projection_database_for(core.settings.store))
    dying = ProjectionRunner(store, core.projections._logs)
    dying.register(MusicReadModel(CrashingTables(store, counts_before_crash=1)))
    with pytest.raises(KeyboardInterrupt):
        dying.catch_up(MUSIC_READ_MODEL)
    store.close()

    count = core.discovery.read.catch_up().count_of(round_id)
    assert +count.votes == {songs["ben"]: 2, songs["aiko"]: 4, songs["chika"]: 1}
    assert core.projections.catch_up(MUSIC_READ_MODEL) == 0


def test_a_ballot_recorded_after_the_close_is_refused_and_never_counted(cores: Cores) -> None:
    core = cores.start()
    songs = cleared_tracks(core, cores.clock)
    round_id = open_first_round(core, songs)
    vote(core, round_id, songs["ben"], ("v1",))
    second = cores.start()
    # A second process closes the round after the voter's request read it open, before its
    # ballot is recorded.
    cores.clock.before_next_reading(
        lambda: second.competition.close_round(OPS, round_id, reason="ahead of the plan")
    )

    late = Principal(Role.VIEWER, "v2")
    with pytest.raises(BallotTooLate):
        core.competition.cast_ballot(late, round_id, songs["ben"], idempotency_key="k")
    with pytest.raises(BallotTooLate):  # and so it stays, asked again
        core.competition.cast_ballot(late, round_id, songs["ben"], idempotency_key="k")

    count = core.discovery.read.catch_up().count_of(round_id)
    assert count.closed
    assert count.frozen is not None
    assert count.frozen[songs["ben"]].votes == 1
    assert +count.votes == {songs["ben"]: 1}
    assert len(count.late_ballot_ids) == 1
    assert second.competition.results(round_id).late_ballots == 1


def test_the_featured_playlist_is_filtered_by_genre_a_track_stored_without_one_has_none(
    cores: Cores,
) -> None:
    core = cores.start()
    filed = {"aiko": "jazz", "ben": "rock", "chika": "jazz"}
    songs = {}
    for number, (account, genre) in enumerate(filed.items()):
        artist = Principal(Role.ARTIST, account)
        core.discovery.register_artist(artist, name=account.title(), region="JP")
        song = core.discovery.submit_track(
            artist, title=f"{account}'s song", media=account.encode(), genre=genre
        )
        cores.clock.set(OPENING_NIGHT + timedelta(hours=number + 1))
        core.discovery.clear_track(ROSA, song.id, reason="original")
        songs[account] = song.id
    unfiled = core.discovery.submit_track(
        Principal(Role.ARTIST, "ben"), title="Untitled", media=b"no genre said"
    )
    core.discovery.clear_track(ROSA, unfiled.id, reason="original")

    jazz = core.discovery.featured_playlist(genre="jazz", limit=1)
    rest = core.discovery.featured_playlist(genre="jazz", limit=1, cursor=jazz.next_cursor)
    assert [(i.track_id, i.genre, i.position) for i in (*jazz.items, *rest.items)] == [
        (songs["chika"], "jazz", 1),  # the newest cleared first, as neither is used
        (songs["aiko"], "jazz", 2),
    ]
    assert rest.next_cursor is None
    assert [i.track_id for i in core.discovery.featured_playlist(genre="Rock").items] == [
        songs["ben"]
    ]
    assert core.discovery.featured_playlist(genre="metal").items == ()
    everything = core.discovery.featured_playlist().items
    assert {i.track_id: i.genre for i in everything} == {
        songs["aiko"]: "jazz",
        songs["ben"]: "rock",
        songs["chika"]: "jazz",
        unfiled.id: None,
    }
    with pytest.raises(InvalidValue, match="a genre is one of"):
        core.discovery.featured_playlist(genre="polka")
    with pytest.raises(InvalidValue, match="a genre is one of"):
        core.discovery.submit_track(
            Principal(Role.ARTIST, "aiko"), title="Oompah", media=b"polka", genre="polka"
        )

    # A submission stored before genres (version 1 of TrackSubmitted) reads as filed under none.
    (stored,) = [
        n
        for n in core._music.recorder.select_notifications(start=1, limit=1000)
        if n.originator_id == songs["aiko"] and n.topic == Track.Submitted.TOPIC
    ]
    state = json.loads(stored.state)
    assert (state["class_version"], state["genre"]) == (2, "jazz")
    del state["genre"], state["class_version"]
    old = core._music.mapper.to_domain_event(
        dataclasses.replace(stored, state=json.dumps(state).encode())
    )
    assert isinstance(old, Track.Submitted)
    assert (old.genre, old.title) == (None, "aiko's song")
