"""Requests that race: what each caller is told when another request wins the moment between
reading and saving. ``InterleavingClock`` runs the competitor exactly in that window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.music.competition import BallotTooLate
from application.music.music import ArtistExists
from domain.music.artists import Artist
from domain.music.ballots import Ballot
from domain.music.rounds import Judge, RoundNotOpen
from domain.music.seasons import RoundPlan
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fakes import OPENING_NIGHT, InterleavingClock, SequentialIdentities

OPS = Principal(Role.ADMIN, "ops")
FAN = Principal(Role.VIEWER, "fan-7")


@pytest.fixture
def clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def racing(tmp_path: Path, clock: InterleavingClock) -> Iterator[Spotlight]:
    settings = Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=TEST_SECRET)
    core = bootstrap(settings, clock=clock, identities=SequentialIdentities())
    yield core
    core.close()


_ids = SequentialIdentities(series=77)


def cleared_track_by(core: Spotlight, account: str) -> UUID:
    """An artist of Japan with one cleared track, recorded without decoding any media."""
    artist = Artist.register(account=account, name=account.title(), region="JP", at=OPENING_NIGHT)
    track = Track.submit(
        _ids.new_id(),
        artist_account=account,
        title=f"{account}'s song",
        digest=account,
        duration_seconds=30.0,
        at=OPENING_NIGHT,
    )
    track.record_originality([], engine_version="test", at=OPENING_NIGHT)
    track.clear(by="reviewer:rosa", reason="original", at=OPENING_NIGHT)
    core._music.commit(artist, track)
    return track.id


def open_round_with(core: Spotlight, tracks: dict[str, UUID]) -> UUID:
    season = core.competition.announce_season(
        OPS,
        name="Tokyo Sounds",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge("ren", "Aozora Records")],
        rounds=[RoundPlan("Only round", 1, OPENING_NIGHT, OPENING_NIGHT + timedelta(days=7))],
    )
    for account, track_id in tracks.items():
        core.competition.enter(Principal(Role.ARTIST, account), season.id, track_id)
    core.competition.open_round(OPS, season.round_ids[0], reason="ahead of the plan")
    return season.round_ids[0]


def test_a_ballot_racing_the_close_is_never_counted_and_its_retry_says_so_again(
    racing: Spotlight, clock: InterleavingClock
) -> None:
    """Refused at once (the round was seen closed) or recorded after the close and told it
    is late: either way a 409 of the RoundNotOpen kind, the same on retry, and no vote."""
    tracks = {"aiko": cleared_track_by(racing, "aiko"), "ben": cleared_track_by(racing, "ben")}
    round_id = open_round_with(racing, tracks)

    clock.before_next_reading(
        lambda: racing.competition.close_round(OPS, round_id, reason="ahead of the plan")
    )
    with pytest.raises(RoundNotOpen) as first:
        racing.competition.cast_ballot(FAN, round_id, tracks["aiko"], idempotency_key="k-1")

    with pytest.raises(type(first.value)):
        racing.competition.cast_ballot(FAN, round_id, tracks["aiko"], idempotency_key="k-1")
    result = racing.competition.results(round_id)
    recorded = racing._music.find(Ballot, Ballot.id_for(round_id, FAN.label)) is not None
    assert result.late_ballots == (1 if recorded else 0)
    assert recorded == isinstance(first.value, BallotTooLate)
    assert all(entry.standing.votes == 0 for entry in result.standings)


def test_two_registrations_of_one_account_at_once_tell_the_loser_the_profile_exists(
    racing: Spotlight, clock: InterleavingClock
) -> None:
    aiko = Principal(Role.ARTIST, "aiko")
    clock.before_next_reading(
        lambda: racing.discovery.register_artist(aiko, name="Aiko", region="JP")
    )

    with pytest.raises(ArtistExists):
        racing.discovery.register_artist(aiko, name="Aiko (again)", region="JP")

    assert racing.discovery.artist("aiko").name == "Aiko"
