"""Music discovery on every store: a season played to its winner, rebuilt from the log by a
fresh start, and one voter's racing ballots recorded once.

The services are the real ones (PyAV decoder, landmark audio engine) on small cached clips.
Each store is named the way a deployment names it; PostgreSQL tests work in schemas of their
own (see tests/conftest.py) and, like the storage contract, fail rather than skip on CI when
the server is unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from typing import Any
from uuid import UUID

import attrs
import pytest

from adapters.matching.audio import LandmarkAudioEngine
from adapters.media.decoding import PyAVDecoder
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.music import SqlMusicTables
from application.auth import Principal, Role
from application.logs import MusicLog
from application.music.competition import AlreadyVoted, Competition
from application.music.music import Discovery
from application.music.music_views import BallotReceipt, PlaylistItem, RoundResult
from application.music.usage_detection import UsageDetection
from application.paging import Page
from application.projections import ProjectionRunner
from domain.music.ballots import Ballot
from domain.music.rounds import Judge, Prize, Winner
from domain.music.seasons import RoundPlan
from domain.music.standings import Tally
from entrypoints.bootstrap import Spotlight
from tests.deployments import STORES, Deployment, StoreUnderTest, store_under_test
from tests.fakes import OPENING_NIGHT, FixedClock, SequentialIdentities
from tests.media import corpus

OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
MIA = Principal(Role.CREATOR, "mia")
KEI = Principal(Role.JUDGE, "kei")
YU = Principal(Role.JUDGE, "yu")
ARTISTS = {
    "aiko": ("Aiko", 81),  # account: (name, seed of the recording)
    "ben": ("Ben", 82),
    "chika": ("Chika", 83),
}
SMALL = (320, 180)


def recording(seed: int) -> bytes:
    """A short original recording: 8 seconds with a melody of its own, small pictures."""
    return corpus.reference_clip(seed, seconds=8, size=SMALL)


# Stores and the instances started on them --------------------------------------------------


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "music")


class MusicDeployment(Deployment):
    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        super().__init__(store, data_dir, secret=b"m" * 32)

    def rebuilt(self, core: Spotlight, identities: SequentialIdentities) -> Spotlight:
        # A projection database of its own (on the memory store, a new scratch one): the
        # read model starts from zero.
        store = SqlProjectionStore(projection_database_for(core.settings.store))
        discovery = Discovery(
            core._music,
            catalogue=core._catalogue,
            decoder=PyAVDecoder(),
            audio=LandmarkAudioEngine(),
            clock=self.clock,
            identities=identities,
            max_upload_bytes=core.settings.max_upload_bytes,
            projections=ProjectionRunner(store, core.projections._logs),
            tables=SqlMusicTables(store),
        )
        usage = UsageDetection(
            core._music,
            catalogue=core._catalogue,
            index=discovery.index,
            read=discovery.read,
            clock=self.clock,
        )
        competition = Competition(
            core._music, discovery=discovery, usage=usage, clock=self.clock, identities=identities
        )
        assert discovery.read.runner is not core.discovery.read.runner
        return attrs.evolve(core, discovery=discovery, usage=usage, competition=competition)


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    running = MusicDeployment(store, tmp_path)
    yield running
    running.stop_all()


def events_of(music: MusicLog, topic: str) -> list[Any]:
    notifications = music.recorder.select_notifications(start=None, limit=100_000, topics=(topic,))
    return [music.mapper.to_domain_event(n) for n in notifications]


# A season played on each store ---------------------------------------------------------------


@attrs.frozen
class Observed:
    """What the read side of the music program answers at one moment."""

    playlist: Page[PlaylistItem]
    results: tuple[RoundResult, ...]
    tallies: tuple[dict[UUID, Tally] | None, ...]
    votes: tuple[dict[UUID, int], ...]
    uses: dict[UUID, int]


def observe(core: Spotlight, round_ids: tuple[UUID, ...], tracks: dict[str, UUID]) -> Observed:
    model = core.discovery.read.catch_up()
    return Observed(
        playlist=core.discovery.featured_playlist(),
        results=tuple(core.competition.results(r) for r in round_ids),
        tallies=tuple(model.count_of(r).frozen for r in round_ids),
        votes=tuple(dict(model.count_of(r).votes) for r in round_ids),
        uses={t: core.discovery.track(t).uses for t in tracks.values()},
    )


def play_a_season(core: Spotlight, clock: FixedClock) -> tuple[tuple[UUID, ...], dict[str, UUID]]:
    """Register, submit, clear, announce, enter, open, ballots, scores, close, results."""
    tracks: dict[str, UUID] = {}
    for account, (name, seed) in ARTISTS.items():
        artist = Principal(Role.ARTIST, account)
        core.discovery.register_artist(
            artist, name=name, region="JP", affiliations=["Sakura Records"] * (account == "ben")
        )
        track = core.discovery.submit_track(artist, title=f"{name}'s song", media=recording(seed))
        assert not track.flagged, track.resemblances
        core.discovery.clear_track(ROSA, track.id, reason="original work")
        tracks[account] = track.id
        clock.advance(timedelta(minutes=5))
    # A creator dances to Aiko's song: a use, worth ten votes by the default weighting.
    core.anchoring.publish_video(
        MIA,
        caption="dance challenge",
        hashtags=["#dance"],
        category="dance",
        media=corpus.voice_over_mixed(recording(ARTISTS["aiko"][1])),
    )
    season = core.competition.announce_season(
        OPS,
        name="Rising Stars Japan",
        region="JP",
        partners=["Blue Note Tokyo", "Sakura Records"],
        judges=[Judge("kei", "Blue Note Tokyo"), Judge("yu", "Sakura Records")],
        rounds=[
            RoundPlan("Heats", 2, OPENING_NIGHT, OPENING_NIGHT + timedelta(days=7)),
            RoundPlan(
                "Final", 1, OPENING_NIGHT + timedelta(days=8), OPENING_NIGHT + timedelta(days=9)
            ),
        ],
        prizes=[Prize(1, "A studio session")],
    )
    heats, final = season.round_ids
    for account, track_id in tracks.items():
        core.competition.enter(Principal(Role.ARTIST, account), season.id, track_id)
    core.competition.open_round(OPS, heats, reason="ahead of the plan")
    for voter, account in [("v1", "aiko"), ("v2", "ben"), ("v3", "ben"), ("v4", "ben")]:
        core.competition.cast_ballot(Principal(Role.VIEWER, voter), heats, tracks[account])
    core.competition.cast_ballot(Principal(Role.CREATOR, "mia"), heats, tracks["chika"])
    for judge, scores in [(KEI, {"aiko": 8, "ben": 6, "chika": 9}), (YU, {"aiko": 7, "chika": 9})]:
        for account, value in scores.items():
            # Yu represents Sakura Records, to which Ben is signed: Yu does not score Ben.
            core.competition.give_score(judge, heats, tracks[account], value)
    core.competition.close_round(OPS, heats, reason="ahead of the plan")
    core.competition.open_round(OPS, final, reason="ahead of the plan")
    for voter, account in [("v1", "chika"), ("v2", "chika"), ("v3", "aiko")]:
        core.competition.cast_ballot(Principal(Role.VIEWER, voter), final, tracks[account])
    for judge in (KEI, YU):
        core.competition.give_score(judge, final, tracks["aiko"], 6)
        core.competition.give_score(judge, final, tracks["chika"], 9)
    core.competition.close_round(OPS, final, reason="ahead of the plan")
    return season.round_ids, tracks


def test_a_season_is_played_and_rebuilt_from_the_log_by_a_fresh_start(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    round_ids, tracks = play_a_season(core, deployment.clock)
    aiko, ben, chika = tracks["aiko"], tracks["ben"], tracks["chika"]
    seen = observe(core, round_ids, tracks)

    # Heats: Aiko 1 vote + 1 use (11 points, the most), judges 15/20: 0.5 + 0.375.
    # Chika 1 vote (1/11), judges 18/20; Ben 3 votes (3/11), judges 6/10 (Yu abstained).
    heats, final = seen.results
    assert [(e.standing.track_id, e.standing.total) for e in heats.standings] == [
        (aiko, "0.875000"),
        (chika, "0.495455"),
        (ben, "0.436364"),
    ]
    assert heats.advancing == (aiko, chika)
    assert [e.artist.name for e in heats.standings] == ["Aiko", "Chika", "Ben"]
    assert seen.tallies[0] == {
        aiko: Tally(votes=1, uses=1, score_sum=15, scores=2),
        ben: Tally(votes=3, uses=0, score_sum=6, scores=1),
        chika: Tally(votes=1, uses=0, score_sum=18, scores=2),
    }
    # Final: Aiko 11 points (1.0), judges 12/20; Chika 2 points (2/11), judges 18/20.
    assert [(e.standing.track_id, e.standing.total) for e in final.standings] == [
        (aiko, "0.800000"),
        (chika, "0.540909"),
    ]
    assert final.winners == (Winner(1, aiko, "aiko", "A studio session"),)
    assert seen.uses == {aiko: 1, ben: 0, chika: 0}
    assert [(i.track_id, i.uses) for i in seen.playlist.items] == [(aiko, 1), (chika, 0), (ben, 0)]

    rebuilt = deployment.fresh_start()

    assert rebuilt is not core
    assert observe(rebuilt, round_ids, tracks) == seen
    # The scans' cursors and the uses are in the log: nothing is found twice.
    assert rebuilt.usage.run_to_completion().uses_found == 0
    # The audio index is rebuilt from the log too: a copy of Aiko's song is recognised.
    copycat = Principal(Role.ARTIST, "copycat")
    rebuilt.discovery.register_artist(copycat, name="Copycat", region="JP")
    copy = rebuilt.discovery.submit_track(
        copycat, title="Lanterns", media=corpus.audio_only_wav(recording(ARTISTS["aiko"][1]))
    )
    assert [r.source for r in copy.resemblances] == [f"track:{aiko}"]


# One voter's ballots racing on each store -------------------------------------------------------

RACERS = 20
VOTER = Principal(Role.VIEWER, "eager-voter")


def an_open_round(core: Spotlight) -> tuple[UUID, UUID]:
    artist = Principal(Role.ARTIST, "aiko")
    core.discovery.register_artist(artist, name="Aiko", region="JP")
    track = core.discovery.submit_track(artist, title="Paper Lanterns", media=recording(81))
    core.discovery.clear_track(ROSA, track.id, reason="original work")
    season = core.competition.announce_season(
        OPS,
        name="Rising Stars Japan",
        region="JP",
        partners=["Blue Note Tokyo"],
        judges=[Judge("kei", "Blue Note Tokyo")],
        rounds=[RoundPlan("Final", 1, OPENING_NIGHT, OPENING_NIGHT + timedelta(days=7))],
    )
    [final] = season.round_ids
    core.competition.enter(artist, season.id, track.id)
    core.competition.open_round(OPS, final, reason="ahead of the plan")
    return final, track.id


def test_one_voters_racing_ballots_are_recorded_once(deployment: Deployment) -> None:
    first = deployment.start()
    second = deployment.start()  # the same instance on the memory store
    round_id, track_id = an_open_round(first)
    instances = [first, second]
    together = Barrier(RACERS)

    def vote(racer: int) -> BallotReceipt | AlreadyVoted:
        core = instances[racer % 2]
        key = "tap-1" if racer % 4 < 2 else ""  # half retry one request, half tap again
        together.wait()
        try:
            return core.competition.cast_ballot(VOTER, round_id, track_id, idempotency_key=key)
        except AlreadyVoted as refused:
            return refused

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        outcomes = list(pool.map(vote, range(RACERS)))

    receipts = [o for o in outcomes if isinstance(o, BallotReceipt)]
    refusals = [o for o in outcomes if isinstance(o, AlreadyVoted)]
    originals = [r for r in receipts if not r.replayed]
    assert len(receipts) + len(refusals) == RACERS
    assert len(originals) == 1, outcomes
    [original] = originals
    assert original.ballot_id == Ballot.id_for(round_id, VOTER.label)
    assert all(r.ballot_id == original.ballot_id for r in receipts)
    cast = events_of(first._music, Ballot.Cast.TOPIC)
    assert [(e.originator_id, e.voter, e.track_id) for e in cast] == [
        (original.ballot_id, VOTER.label, track_id)
    ]
    replays = len(receipts) - 1
    if cast[0].idempotency_key:
        # The other racers with the winner's key are told the ballot is theirs.
        assert replays == RACERS // 2 - 1, outcomes
    else:
        assert replays == 0, outcomes  # nobody else may claim a ballot cast without a key
    assert len(refusals) == RACERS - 1 - replays
    for core in instances:
        assert core.discovery.read.catch_up().count_of(round_id).votes == {track_id: 1}
