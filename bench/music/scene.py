"""Setting the scene, untimed: artists and cleared tracks, a season, an open first round with
its entries, and (for closing) ballots seeded straight through the domain.

Artists and tracks are built as aggregates and committed through the music log in batches:
no audio is decoded, but every event is the one the application would record (a track is
submitted, checked for originality with nothing resembling it, then cleared). The season is
announced and the round opened through ``Competition``; the entries are admitted by the
round aggregate's own rule (``CompetitionRound.admit``), many per save. A scene can also be
swept: track usage detection run to completion, as the service's background sweeper would
have done long before a round closes (it starts and finishes one backfill per cleared track).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.auth import Principal, Role
from application.logs import MusicLog
from domain.music.artists import Artist
from domain.music.ballots import Ballot
from domain.music.rounds import CompetitionRound, Judge
from domain.music.seasons import RoundPlan
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight

ADMIN = Principal(Role.ADMIN, "bench-admin")
REVIEWER_LABEL = f"{Role.REVIEWER.value}:bench-reviewer"
REGION = "JP"
PARTNER = "Bench Records"
JUDGE = Judge(judge_id="bench-judge", partner=PARTNER)
# Aggregates written per save while setting the scene.
SCENE_BATCH = 250
# Ballots written per save while seeding a round.
BALLOT_BATCH = 1000
# Page size when counting events in the log.
COUNT_PAGE = 1000


@dataclass(frozen=True)
class Scene:
    season_id: UUID
    round_id: UUID
    entries: tuple[UUID, ...]  # the track ids entered in the round, in admission order
    cut_size: int


def set_scene(core: Spotlight, entries: int, *, swept: bool = False) -> Scene:
    """A season whose open first round has ``entries`` entries, each by its own artist;
    ``swept``: with the usage detection of the cleared tracks already done."""
    now = core.clock.now()
    artists: list[Artist] = []
    tracks: list[Track] = []
    for index in range(entries):
        artist = Artist.register(
            account=f"bench-artist-{index}",
            name=f"Bench Artist {index}",
            region=REGION,
            bio="An artist of the music benchmark.",
            at=now,
        )
        track = Track.submit(
            uuid4(),
            artist_account=artist.account,
            title=f"Bench Song {index}",
            digest=hashlib.sha256(f"bench-track-{index}".encode()).hexdigest(),
            duration_seconds=180.0,
            at=now,
        )
        track.record_originality((), engine_version="bench", at=now)
        track.clear(by=REVIEWER_LABEL, reason="original", at=now)
        artists.append(artist)
        tracks.append(track)
    commit_in_batches(core._music, [*artists, *tracks])
    if swept:
        core.usage.run_to_completion()

    first_cut = max(2, entries // 10)
    season = core.competition.announce_season(
        ADMIN,
        name="Bench Season",
        region=REGION,
        partners=(PARTNER,),
        judges=(JUDGE,),
        rounds=(
            RoundPlan("Open call", first_cut, now, now + timedelta(days=7)),
            RoundPlan(
                "Final", max(1, first_cut // 10), now + timedelta(days=8), now + timedelta(days=9)
            ),
        ),
    )
    round_id = season.round_ids[0]
    for first in range(0, entries, SCENE_BATCH):
        competition_round = core._music.load(CompetitionRound, round_id)
        for artist, track in zip(
            artists[first : first + SCENE_BATCH], tracks[first : first + SCENE_BATCH], strict=True
        ):
            competition_round.admit(track, artist, at=now)
        core._music.commit(competition_round)
    core.competition.open_round(ADMIN, round_id, reason="ahead of the plan")
    return Scene(
        season_id=season.id,
        round_id=round_id,
        entries=tuple(track.id for track in tracks),
        cut_size=first_cut,
    )


def commit_in_batches(music: MusicLog, aggregates: Sequence[Aggregate]) -> None:
    for first in range(0, len(aggregates), SCENE_BATCH):
        music.commit(*aggregates[first : first + SCENE_BATCH])


def popularity(entries: int) -> list[float]:
    """Cumulative weights that make a few entries popular and most of them not (1/rank)."""
    return list(accumulate(1.0 / rank for rank in range(1, entries + 1)))


def seed_ballots(core: Spotlight, scene: Scene, ballots: int, *, seed: int = 7) -> None:
    """``ballots`` ballots by distinct voters, cast by the domain against the open round and
    saved in batches: the seeding is not what is measured."""
    competition_round = core._music.load(CompetitionRound, scene.round_id)
    chosen = random.Random(seed).choices(
        scene.entries, cum_weights=popularity(len(scene.entries)), k=ballots
    )
    now = core.clock.now()
    for first in range(0, ballots, BALLOT_BATCH):
        batch = [
            Ballot.cast(
                competition_round,
                voter=f"viewer:seeded-{index}",
                voter_account=f"seeded-{index}",
                track_id=track,
                at=now,
            )
            for index, track in enumerate(chosen[first : first + BALLOT_BATCH], start=first)
        ]
        core._music.save(*batch)


def count_events(music: MusicLog, topic: str) -> int:
    """How many events of one topic the log holds, read page by page."""
    recorder = music.recorder
    found = 0
    last: int | None = None
    while True:
        page = recorder.select_notifications(
            start=last, limit=COUNT_PAGE, topics=(topic,), inclusive_of_start=False
        )
        found += len(page)
        if len(page) < COUNT_PAGE:
            return found
        last = page[-1].id


def ballots_in_log(music: MusicLog) -> int:
    return count_events(music, Ballot.Cast.TOPIC)
