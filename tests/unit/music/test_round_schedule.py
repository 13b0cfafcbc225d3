"""A season's schedule is kept by the background worker: each round opens when its planned
opening time comes by the clock and closes (ranked, the next round seeded) when its closing
time comes. An admin may still act earlier, but only with a reason, which the log keeps; the
schedule then finds nothing left to do. Live standings show the popularity part while a round
is open and never the judges' scores."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.auth import Principal, Role
from domain.music.artists import Artist
from domain.music.rounds import (
    SCHEDULE,
    CompetitionRound,
    EarlyWithoutReason,
    Judge,
    RoundNotOpen,
    RoundStatus,
)
from domain.music.seasons import RoundPlan
from domain.music.standings import Weighting
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight
from entrypoints.sweeper import BackgroundSweeper
from tests.fakes import OPENING_NIGHT, FixedClock, SequentialIdentities

OPS = Principal(Role.ADMIN, "ops")
REN = Principal(Role.JUDGE, "ren")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: Round 1 from a day after opening night for a week; the final the week after.
HEATS_OPEN = OPENING_NIGHT + DAY
HEATS_CLOSE = HEATS_OPEN + 7 * DAY
FINAL_OPEN = HEATS_CLOSE + DAY
FINAL_CLOSE = FINAL_OPEN + 7 * DAY

_ids = SequentialIdentities(series=91)


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


def announced_season(core: Spotlight, *accounts: str) -> tuple[UUID, UUID, dict[str, UUID]]:
    """A season of two rounds with an entry by each artist: (heats, final, tracks)."""
    tracks = {account: cleared_track_by(core, account) for account in accounts}
    season = core.competition.announce_season(
        OPS,
        name="Tokyo Sounds",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge(REN.subject, "Aozora Records")],
        rounds=[
            RoundPlan("Heats", 2, HEATS_OPEN, HEATS_CLOSE),
            RoundPlan("Final", 1, FINAL_OPEN, FINAL_CLOSE),
        ],
        weighting=Weighting(popularity_percent=60, points_per_use=10),
    )
    for account, track_id in tracks.items():
        core.competition.enter(Principal(Role.ARTIST, account), season.id, track_id)
    heats, final = season.round_ids
    return heats, final, tracks


def status_of(core: Spotlight, round_id: UUID) -> RoundStatus:
    return core._music.read(CompetitionRound, round_id).status


def life_cycle(core: Spotlight, round_id: UUID) -> list[tuple[str, str, str]]:
    """Who opened and closed the round, when, and why (the log's own words)."""
    seen: list[tuple[str, str, str]] = []
    for e in core._music.repository.event_store.get(round_id):
        if isinstance(e, CompetitionRound.Opened):
            seen.append(("Opened", e.opened_by, e.reason))
        elif isinstance(e, CompetitionRound.Closed):
            seen.append(("Closed", e.closed_by, e.reason))
    return seen


def test_the_worker_opens_and_closes_each_round_at_its_planned_time(
    core: Spotlight, clock: FixedClock
) -> None:
    heats, final, _ = announced_season(core, "aiko", "kenji", "mio")
    sweeper = BackgroundSweeper(core, interval=60)

    clock.set(HEATS_OPEN - HOUR)
    sweeper.tick()
    assert status_of(core, heats) is RoundStatus.SCHEDULED
    assert core.round_schedule.due() == []

    clock.set(HEATS_OPEN)
    assert core.round_schedule.due() == [(heats, False)]
    sweeper.tick()
    assert status_of(core, heats) is RoundStatus.OPEN
    assert status_of(core, final) is RoundStatus.SCHEDULED

    clock.set(HEATS_CLOSE - timedelta(microseconds=1))
    sweeper.tick()
    assert status_of(core, heats) is RoundStatus.OPEN

    clock.set(HEATS_CLOSE)
    sweeper.tick()
    assert status_of(core, heats) is RoundStatus.CLOSED
    result = core.competition.results(heats)
    assert len(result.advancing) == 2
    assert {e.track_id for e in core.competition.round(final).entries} == set(result.advancing)

    # A worker that was down for the whole final catches up on both of its times.
    clock.set(FINAL_CLOSE + DAY)
    sweeper.tick()
    assert status_of(core, final) is RoundStatus.OPEN
    sweeper.tick()
    assert status_of(core, final) is RoundStatus.CLOSED
    assert len(core.competition.results(final).winners) == 1
    assert life_cycle(core, heats) == [("Opened", SCHEDULE, ""), ("Closed", SCHEDULE, "")]
    assert core.round_schedule.due() == []


def test_an_admin_acts_early_only_with_a_reason_and_the_schedule_then_does_nothing(
    core: Spotlight, clock: FixedClock
) -> None:
    heats, _final, _ = announced_season(core, "aiko", "kenji", "mio")
    clock.set(HEATS_OPEN - DAY)
    before = core._music.recorder.max_notification_id()

    with pytest.raises(EarlyWithoutReason, match="only with a reason"):
        core.competition.open_round(OPS, heats)
    with pytest.raises(EarlyWithoutReason):
        core.competition.open_round(OPS, heats, reason="   ")
    assert core._music.recorder.max_notification_id() == before, "nothing recorded"

    core.competition.open_round(OPS, heats, reason="The launch event moved a day earlier")
    with pytest.raises(EarlyWithoutReason, match="close"):
        core.competition.close_round(OPS, heats)
    clock.set(HEATS_CLOSE - DAY)
    core.competition.close_round(OPS, heats, reason="A broadcast slot opened")

    clock.set(HEATS_CLOSE + HOUR)
    report = core.round_schedule.run()
    assert report.opened == ()
    assert report.closed == ()
    assert life_cycle(core, heats) == [
        ("Opened", "admin:ops", "The launch event moved a day earlier"),
        ("Closed", "admin:ops", "A broadcast slot opened"),
    ]


def test_an_admin_on_time_needs_no_reason(core: Spotlight, clock: FixedClock) -> None:
    heats, _final, _ = announced_season(core, "aiko", "kenji", "mio")
    clock.set(HEATS_OPEN + HOUR)  # the worker has not ticked yet

    core.competition.open_round(OPS, heats)

    assert life_cycle(core, heats) == [("Opened", "admin:ops", "")]
    assert core.round_schedule.run().opened == ()


def test_a_round_due_without_entries_is_reported_not_opened(
    core: Spotlight, clock: FixedClock
) -> None:
    heats, _final, _ = announced_season(core)
    clock.set(HEATS_OPEN)

    report = core.round_schedule.run()

    assert report.opened == ()
    assert [(round_id, "no entries" in why) for round_id, why in report.refused] == [(heats, True)]
    assert status_of(core, heats) is RoundStatus.SCHEDULED
    assert "not opened" in report.summary()


def test_live_standings_show_popularity_as_the_formula_counts_it_and_no_judges_scores(
    core: Spotlight, clock: FixedClock
) -> None:
    heats, _final, tracks = announced_season(core, "aiko", "kenji", "mio")
    with pytest.raises(RoundNotOpen, match="scheduled"):
        core.competition.live_standings(heats)
    clock.set(HEATS_OPEN)
    core.round_schedule.run()
    for voter, account in (("v1", "kenji"), ("v2", "kenji"), ("v3", "aiko")):
        core.competition.cast_ballot(Principal(Role.VIEWER, voter), heats, tracks[account])
    core.competition.give_score(REN, heats, tracks["mio"], 10)

    live = core.competition.live_standings(heats)

    assert [
        (s.standing.rank, s.standing.artist_account, s.standing.votes, s.standing.popularity)
        for s in live.standings
    ] == [(1, "kenji", 2, "1.000000"), (2, "aiko", 1, "0.500000"), (3, "mio", 0, "0.000000")]
    assert live.judges_percent == 40
    assert [s.title for s in live.standings] == ["kenji's song", "aiko's song", "mio's song"]
    assert not any(hasattr(s.standing, "judges") for s in live.standings)

    clock.set(HEATS_CLOSE)
    core.round_schedule.run()
    with pytest.raises(RoundNotOpen, match="result is published"):
        core.competition.live_standings(heats)
    # The judge's 10 counts at the close: mio's total is 0.4 x 1.0 = 0.4, above aiko's 0.3.
    ranked = [line.standing.artist_account for line in core.competition.results(heats).standings]
    assert ranked == ["kenji", "mio", "aiko"]
