"""An admin announces a season: its region, partners, panel, rounds and prizes. Cleared tracks
of the region's artists enter the first round; each round opens, closes, and ranks its
entries, and those that advance are seeded into the next; the final names the winners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import InvalidValue, RuleViolated
from domain.music.artists import Artist
from domain.music.rounds import (
    CompetitionRound,
    ConflictOfInterest,
    Entrant,
    EntryRefused,
    Judge,
    NotAnEntrant,
    NotOnPanel,
    Prize,
    RoundNotOpen,
    RoundStatus,
    Winner,
)
from domain.music.seasons import MAX_PARTNERS, MAX_ROUNDS, RoundPlan, Season
from domain.music.standings import Tally, Weighting
from domain.music.tracks import Track

SEASON_ID = UUID("00000000-0000-0000-0000-00000005ea50")
OTHER_SEASON_ID = UUID("00000000-0000-0000-0000-00000005ea51")
ANNOUNCED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
NAIVE = datetime(2025, 3, 1, 12, 0)
ADMIN = "admin:ops"
#: Why these rounds open and close ahead of their plan (the reason an early action needs).
AHEAD = "a rehearsal ahead of the published schedule"
PARTNERS = ("Hybe Labels", "JYP Entertainment")
ANA = Judge(judge_id="ana", partner="Hybe Labels")
BEN = Judge(judge_id="ben", partner="JYP Entertainment")


def plan(name: str, cut: int, opens_day: int, closes_day: int) -> RoundPlan:
    return RoundPlan(
        name=name,
        cut_size=cut,
        opens_at=ANNOUNCED + opens_day * DAY,
        closes_at=ANNOUNCED + closes_day * DAY,
    )


THREE_ROUNDS = (plan("Open call", 4, 1, 8), plan("Semi-final", 2, 8, 15), plan("Final", 1, 15, 16))


def announce(
    *,
    region: str = "KR",
    partners: Sequence[str] = PARTNERS,
    judges: Sequence[Judge] = (ANA, BEN),
    rounds: Sequence[RoundPlan] = THREE_ROUNDS,
    prizes: Sequence[Prize] = (Prize(1, "A single with Hybe Labels"),),
    weighting: Weighting | None = None,
    name: str = "Seoul Sounds 2025",
    at: datetime = ANNOUNCED,
    season_id: UUID = SEASON_ID,
) -> tuple[Season, list[CompetitionRound]]:
    return Season.announce(
        season_id,
        name=name,
        region=region,
        partners=partners,
        judges=judges,
        rounds=rounds,
        prizes=prizes,
        weighting=weighting,
        by=ADMIN,
        at=at,
    )


def artist(account: str, *, region: str = "KR", affiliations: Sequence[str] = ()) -> Artist:
    return Artist.register(
        account=account,
        name=account.title(),
        region=region,
        affiliations=affiliations,
        at=ANNOUNCED,
    )


def track_by(account: str, number: int, *, cleared: bool = True) -> Track:
    track = Track.submit(
        UUID(int=number),
        artist_account=account,
        title=f"{account}'s song {number}",
        digest=f"{number:064x}",
        duration_seconds=180.0,
        at=ANNOUNCED,
    )
    track.record_originality((), engine_version="test", at=ANNOUNCED)
    if cleared:
        track.clear(by="reviewer:rosa", reason="original", at=ANNOUNCED)
    return track


def first_round() -> CompetitionRound:
    return announce()[1][0]


def opened(competition_round: CompetitionRound) -> CompetitionRound:
    competition_round.open(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    return competition_round


def round_with(*accounts: str, rounds: Sequence[RoundPlan] = THREE_ROUNDS) -> CompetitionRound:
    """The first round with one cleared track entered by each of these Korean artists."""
    first = announce(rounds=rounds)[1][0]
    for number, account in enumerate(accounts, start=1):
        first.admit(track_by(account, number), artist(account), at=ANNOUNCED)
    return first


def replayed(aggregate: CompetitionRound) -> CompetitionRound:
    copy: CompetitionRound | None = None
    for domain_event in aggregate.collect_events():
        copy = domain_event.mutate(copy)
    assert copy is not None
    return copy


# Announcing a season ------------------------------------------------------------------------


def test_an_admin_announces_a_season_and_all_its_rounds_at_once() -> None:
    season, rounds = announce(region=" kr ", name="  Seoul Sounds 2025 ")

    assert season.id == SEASON_ID
    assert season.name == "Seoul Sounds 2025"
    assert season.region == "KR"
    assert season.partners == PARTNERS
    assert season.judges == (ANA, BEN)
    assert season.rounds == THREE_ROUNDS
    assert season.weighting == Weighting()
    assert season.announced_at == ANNOUNCED
    assert [r.id for r in rounds] == list(season.round_ids)
    assert [(r.number, r.name, r.cut_size, r.final) for r in rounds] == [
        (1, "Open call", 4, False),
        (2, "Semi-final", 2, False),
        (3, "Final", 1, True),
    ]
    assert all(r.status is RoundStatus.SCHEDULED and r.region == "KR" for r in rounds)
    assert all(r.season_id == SEASON_ID and r.judges == (ANA, BEN) for r in rounds)
    assert [(r.opens_at, r.closes_at) for r in rounds] == [
        (p.opens_at, p.closes_at) for p in THREE_ROUNDS
    ]


def test_round_ids_are_derived_from_the_season_and_the_round_number() -> None:
    season, rounds = announce()

    assert season.round_ids == tuple(CompetitionRound.id_for(SEASON_ID, n) for n in (1, 2, 3))
    assert len(set(season.round_ids)) == 3
    assert CompetitionRound.id_for(OTHER_SEASON_ID, 1) not in season.round_ids
    assert announce(season_id=SEASON_ID)[1][0].id == rounds[0].id


def test_only_the_final_round_carries_the_prizes() -> None:
    prizes = (Prize(1, " Gold "), Prize(2, "Silver"))
    season, rounds = announce(
        rounds=(plan("Heats", 5, 1, 2), plan("Final", 2, 2, 3)), prizes=prizes
    )

    assert season.prizes == (Prize(1, "Gold"), Prize(2, "Silver"))
    assert rounds[0].prizes == ()
    assert rounds[1].prizes == season.prizes


def test_prizes_are_kept_in_rank_order() -> None:
    season, _ = announce(
        rounds=(plan("Final", 3, 1, 2),), prizes=(Prize(3, "Bronze"), Prize(1, "Gold"))
    )

    assert [p.rank for p in season.prizes] == [1, 3]


def test_a_season_carries_its_published_weighting_into_every_round() -> None:
    weights = Weighting(popularity_percent=70, points_per_use=3)
    season, rounds = announce(weighting=weights)

    assert season.weighting == weights
    assert all(r.weighting == weights for r in rounds)


@pytest.mark.parametrize(
    "cuts", [(4, 4), (2, 3), (5, 3, 3), (3, 1, 2)], ids=["equal", "growing", "late tie", "regrows"]
)
def test_every_round_must_cut_the_field(cuts: tuple[int, ...]) -> None:
    rounds = [plan(f"R{n}", cut, n, n + 1) for n, cut in enumerate(cuts, start=1)]

    with pytest.raises(InvalidValue, match="every round must cut the field"):
        announce(rounds=rounds, prizes=())


@pytest.mark.parametrize("cut", [0, -1])
def test_a_round_keeps_at_least_one_entry(cut: int) -> None:
    with pytest.raises(InvalidValue, match="at least one entry"):
        announce(rounds=[plan("Only", cut, 1, 2)], prizes=())


def test_a_round_opens_no_earlier_than_the_one_before_closes() -> None:
    with pytest.raises(InvalidValue, match="opens before round 1 closes"):
        announce(rounds=[plan("Heats", 3, 1, 5), plan("Final", 1, 4, 6)])

    _, rounds = announce(rounds=[plan("Heats", 3, 1, 5), plan("Final", 1, 5, 6)])
    assert rounds[1].opens_at == rounds[0].closes_at


@pytest.mark.parametrize("closes_day", [1, 0])
def test_a_round_closes_after_it_opens(closes_day: int) -> None:
    with pytest.raises(InvalidValue, match="close after it opens"):
        announce(rounds=[plan("Only", 1, 1, closes_day)])


def test_a_season_has_one_to_ten_rounds() -> None:
    with pytest.raises(InvalidValue, match="1 to 10 rounds"):
        announce(rounds=[], prizes=())
    too_many = [plan(f"R{n}", 20 - n, n, n + 1) for n in range(1, MAX_ROUNDS + 2)]
    with pytest.raises(InvalidValue, match="1 to 10 rounds"):
        announce(rounds=too_many, prizes=())
    _, rounds = announce(rounds=too_many[:MAX_ROUNDS], prizes=())
    assert len(rounds) == MAX_ROUNDS


def test_a_round_needs_a_name() -> None:
    with pytest.raises(InvalidValue, match="name"):
        announce(rounds=[plan("   ", 1, 1, 2)])


def test_season_times_must_be_timezone_aware() -> None:
    naive_plan = RoundPlan(name="Only", cut_size=1, opens_at=NAIVE, closes_at=NAIVE + DAY)
    with pytest.raises(InvalidValue, match="time zone"):
        announce(rounds=[naive_plan])
    with pytest.raises(InvalidValue, match="time zone"):
        announce(at=NAIVE)


def test_a_season_is_in_one_region() -> None:
    with pytest.raises(InvalidValue, match="two-letter"):
        announce(region="Korea")


def test_a_season_has_one_to_fifty_distinct_partners() -> None:
    with pytest.raises(InvalidValue, match="partners"):
        announce(partners=[], judges=[])
    with pytest.raises(InvalidValue, match="partners"):
        announce(partners=[f"Label {n}" for n in range(MAX_PARTNERS + 1)], judges=[ANA])
    with pytest.raises(InvalidValue, match="named twice"):
        announce(partners=["Hybe Labels", "  HYBE  labels"], judges=[ANA])


def test_a_partner_written_twice_the_same_way_is_listed_once() -> None:
    season, _ = announce(partners=["Hybe Labels", " Hybe Labels "], judges=[ANA])

    assert season.partners == ("Hybe Labels",)


def test_every_judge_represents_one_of_the_seasons_partners() -> None:
    outsider = Judge(judge_id="cleo", partner="SM Entertainment")

    with pytest.raises(InvalidValue, match="is not a partner"):
        announce(judges=[ANA, outsider])


def test_a_judges_partner_is_matched_ignoring_case_and_spacing_and_spelt_as_the_season_does() -> (
    None
):
    season, rounds = announce(judges=[Judge("ana", "  hybe   LABELS ")])

    assert season.judges == (ANA,)
    assert rounds[0].judges == (ANA,)


def test_a_panel_has_judges_each_named_once() -> None:
    with pytest.raises(InvalidValue, match="1 to 100 judges"):
        announce(judges=[])
    with pytest.raises(InvalidValue, match="once"):
        announce(judges=[ANA, Judge("ana", "JYP Entertainment")])
    with pytest.raises(InvalidValue, match="account"):
        announce(judges=[Judge("", "Hybe Labels")])


@pytest.mark.parametrize(
    "prizes",
    [
        (Prize(0, "Nothing"),),
        (Prize(2, "Silver"),),
        (Prize(1, "Gold"), Prize(1, "Also gold")),
        (Prize(-1, "Debt"),),
    ],
    ids=["rank zero", "beyond the winners", "rank twice", "negative"],
)
def test_prizes_go_to_distinct_ranks_within_the_winners(prizes: tuple[Prize, ...]) -> None:
    with pytest.raises(InvalidValue, match="distinct ranks"):
        announce(prizes=prizes)  # the final keeps one winner


def test_a_prize_is_described() -> None:
    with pytest.raises(InvalidValue, match="prize"):
        announce(prizes=(Prize(1, "  "),))


def test_season_events_carry_their_stable_topics() -> None:
    season, rounds = announce()

    (announced,) = season.collect_events()
    (scheduled,) = rounds[0].collect_events()

    assert isinstance(announced, Season.Announced)
    assert isinstance(scheduled, CompetitionRound.Scheduled)
    assert get_topic(type(announced)) == "spotlight.seasons:SeasonAnnounced"
    assert announced.originator_topic == "spotlight.seasons:Season"
    assert get_topic(type(scheduled)) == "spotlight.rounds:RoundScheduled"
    assert scheduled.originator_topic == "spotlight.rounds:CompetitionRound"
    assert resolve_topic("spotlight.seasons:SeasonAnnounced") is Season.Announced


def test_replaying_a_seasons_events_gives_the_same_season() -> None:
    season, _ = announce(weighting=Weighting(popularity_percent=30, points_per_use=0))

    copy: Season | None = None
    for domain_event in season.collect_events():
        copy = domain_event.mutate(copy)

    assert copy is not None
    assert vars(copy) == vars(season)
    assert copy.round_ids == season.round_ids


# Entering the first round -------------------------------------------------------------------


def test_a_cleared_track_of_an_artist_of_the_region_enters_the_first_round() -> None:
    first = first_round()
    song = track_by("mina", 1)

    entrant = first.admit(song, artist("mina"), at=ANNOUNCED)

    assert entrant == Entrant(track_id=song.id, artist_account="mina")
    assert first.entrants == {song.id: entrant}
    assert first.require_entrant(song.id) == entrant


def test_entries_join_a_season_in_its_first_round_only() -> None:
    _, rounds = announce()

    with pytest.raises(EntryRefused, match="first round"):
        rounds[1].admit(track_by("mina", 1), artist("mina"), at=ANNOUNCED)
    assert rounds[1].entrants == {}


def test_only_cleared_tracks_enter() -> None:
    first = first_round()
    waiting = track_by("mina", 1, cleared=False)
    rejected = track_by("joon", 2, cleared=False)
    rejected.reject(by="reviewer:rosa", reason="copy", at=ANNOUNCED)

    with pytest.raises(EntryRefused, match="submitted"):
        first.admit(waiting, artist("mina"), at=ANNOUNCED)
    with pytest.raises(EntryRefused, match="rejected"):
        first.admit(rejected, artist("joon"), at=ANNOUNCED)
    assert first.entrants == {}


def test_an_artist_enters_only_their_own_track() -> None:
    first = first_round()

    with pytest.raises(EntryRefused, match="not by artist joon"):
        first.admit(track_by("mina", 1), artist("joon"), at=ANNOUNCED)
    assert first.entrants == {}


def test_a_season_is_for_artists_of_its_region() -> None:
    first = first_round()

    with pytest.raises(EntryRefused, match="artists of KR"):
        first.admit(track_by("yuki", 1), artist("yuki", region="JP"), at=ANNOUNCED)
    assert first.entrants == {}


def test_an_artist_has_one_entry_in_a_season() -> None:
    first = first_round()
    first.admit(track_by("mina", 1), artist("mina"), at=ANNOUNCED)

    with pytest.raises(EntryRefused, match="already has an entry"):
        first.admit(track_by("mina", 2), artist("mina"), at=ANNOUNCED)
    with pytest.raises(EntryRefused, match="already entered"):
        first.admit(track_by("mina", 1), artist("mina"), at=ANNOUNCED)
    assert len(first.entrants) == 1


def test_entries_are_taken_while_the_first_round_is_open_but_not_after_it_closes() -> None:
    first = round_with("mina")
    opened(first)

    first.admit(track_by("joon", 2), artist("joon"), at=ANNOUNCED + DAY)
    first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + 2 * DAY)

    with pytest.raises(EntryRefused, match="closed"):
        first.admit(track_by("hana", 3), artist("hana"), at=ANNOUNCED + 2 * DAY)
    assert len(first.entrants) == 2


def test_a_track_that_is_not_an_entry_is_not_one() -> None:
    first = round_with("mina")

    with pytest.raises(NotAnEntrant):
        first.require_entrant(UUID(int=99))


# Life cycle ---------------------------------------------------------------------------------


def test_a_round_with_entries_opens_and_closes() -> None:
    first = round_with("mina")

    first.open(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    assert first.is_open
    assert first.status is RoundStatus.OPEN
    first.require_open()

    first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + 2 * DAY)
    assert not first.is_open
    assert first.status is RoundStatus.CLOSED


def test_a_round_without_entries_does_not_open() -> None:
    first = first_round()

    with pytest.raises(RuleViolated, match="no entries"):
        first.open(by=ADMIN, reason=AHEAD, at=ANNOUNCED)
    assert first.status is RoundStatus.SCHEDULED


def test_a_round_opens_once() -> None:
    first = opened(round_with("mina"))

    with pytest.raises(RuleViolated, match="already open"):
        first.open(by=ADMIN, reason=AHEAD, at=ANNOUNCED)
    first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    with pytest.raises(RuleViolated, match="already closed"):
        first.open(by=ADMIN, reason=AHEAD, at=ANNOUNCED)


def test_only_an_open_round_closes() -> None:
    first = round_with("mina")

    with pytest.raises(RoundNotOpen, match="scheduled"):
        first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED)
    with pytest.raises(RoundNotOpen, match="scheduled"):
        first.require_open()
    opened(first).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    with pytest.raises(RoundNotOpen, match="closed"):
        first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    assert first.version == 4  # scheduled, admitted, opened, closed


# Results --------------------------------------------------------------------------------------


def test_a_result_is_recorded_only_once_the_round_is_closed() -> None:
    first = round_with("mina", "joon")

    with pytest.raises(RuleViolated, match="must be closed"):
        first.record_result({}, at=ANNOUNCED)
    opened(first)
    with pytest.raises(RuleViolated, match="must be closed"):
        first.record_result({}, at=ANNOUNCED)
    assert not first.has_result


def test_a_closed_round_ranks_its_entries_and_the_cut_advances() -> None:
    first = round_with("mina", "joon", "hana", "dae", "seo")  # cut: 4
    opened(first).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + 2 * DAY)
    tallies = {
        UUID(int=1): Tally(votes=10, score_sum=8, scores=1),
        UUID(int=2): Tally(votes=2, score_sum=20, scores=2),
        UUID(int=3): Tally(votes=0),
        UUID(int=4): Tally(votes=5, uses=1),
        # seo's track (5) has no tally at all: it counts as nothing.
    }

    standings = first.record_result(tallies, at=ANNOUNCED + 2 * DAY)

    assert first.has_result
    assert first.standings == standings
    assert [s.rank for s in standings] == [1, 2, 3, 4, 5]
    # points 10, 2, 0, 15, 0 (top 15); judges 0.8, 1.0, 0, 0, 0; total = (popularity + judges) / 2
    assert [s.artist_account for s in standings] == ["mina", "joon", "dae", "hana", "seo"]
    assert [s.total for s in standings] == [
        "0.733333",
        "0.566667",
        "0.500000",
        "0.000000",
        "0.000000",
    ]
    assert [s.popularity_points for s in standings] == [10, 2, 15, 0, 0]
    assert first.advancing == tuple(s.track_id for s in standings[:4])
    assert [s.advances for s in standings] == [True, True, True, True, False]
    assert first.advancing_entrants() == tuple(first.entrants[t] for t in first.advancing)
    assert first.winners == ()


def test_a_round_result_is_recorded_once() -> None:
    first = opened(round_with("mina"))
    first.close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    first.record_result({}, at=ANNOUNCED + DAY)

    with pytest.raises(RuleViolated, match="already has its result"):
        first.record_result({UUID(int=1): Tally(votes=3)}, at=ANNOUNCED + DAY)
    assert first.standings is not None
    assert first.standings[0].votes == 0


def test_the_next_round_is_seeded_with_those_who_advance() -> None:
    _, rounds = announce(rounds=(plan("Heats", 2, 1, 2), plan("Final", 1, 2, 3)))
    first, final = rounds
    for number, account in enumerate(("mina", "joon", "hana"), start=1):
        first.admit(track_by(account, number), artist(account), at=ANNOUNCED)
    opened(first).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    first.record_result({UUID(int=3): Tally(votes=9), UUID(int=1): Tally(votes=4)}, at=ANNOUNCED)

    final.seed(first.advancing_entrants(), at=ANNOUNCED + DAY)

    assert final.seeded
    assert list(final.entrants) == [UUID(int=3), UUID(int=1)]
    assert final.entrants[UUID(int=3)].artist_account == "hana"


def test_the_first_round_is_entered_not_seeded() -> None:
    first = first_round()

    with pytest.raises(EntryRefused, match="not seeded"):
        first.seed([Entrant(UUID(int=1), "mina")], at=ANNOUNCED)


def test_a_round_is_seeded_once_with_at_least_one_entry_before_it_opens() -> None:
    _, rounds = announce()
    semi = rounds[1]

    with pytest.raises(InvalidValue, match="at least one entry"):
        semi.seed([], at=ANNOUNCED)
    semi.seed([Entrant(UUID(int=1), "mina")], at=ANNOUNCED)
    with pytest.raises(RuleViolated, match="already seeded"):
        semi.seed([Entrant(UUID(int=2), "joon")], at=ANNOUNCED)
    assert list(semi.entrants) == [UUID(int=1)]

    unseeded = announce()[1][2]
    unseeded.seed([Entrant(UUID(int=1), "mina")], at=ANNOUNCED)
    opened(unseeded)
    assert unseeded.is_open


def test_the_final_names_the_winners_with_their_prizes() -> None:
    prizes = (Prize(1, "Gold"), Prize(3, "Bronze"))
    _, rounds = announce(rounds=(plan("Final", 3, 1, 2),), prizes=prizes)
    (final,) = rounds
    for number, account in enumerate(("mina", "joon", "hana", "dae"), start=1):
        final.admit(track_by(account, number), artist(account), at=ANNOUNCED)
    opened(final).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)

    final.record_result(
        {
            UUID(int=1): Tally(votes=1),
            UUID(int=2): Tally(votes=4),
            UUID(int=3): Tally(votes=3),
            UUID(int=4): Tally(votes=2),
        },
        at=ANNOUNCED + DAY,
    )

    assert final.final
    assert final.winners == (
        Winner(rank=1, track_id=UUID(int=2), artist_account="joon", prize="Gold"),
        Winner(rank=2, track_id=UUID(int=3), artist_account="hana", prize=""),
        Winner(rank=3, track_id=UUID(int=4), artist_account="dae", prize="Bronze"),
    )
    assert final.advancing == (UUID(int=2), UUID(int=3), UUID(int=4))


# Who may score --------------------------------------------------------------------------------


def test_only_judges_on_the_panel_may_score() -> None:
    first = round_with("mina")

    assert first.judge("ana") == ANA
    assert first.judge("cleo") is None
    with pytest.raises(NotOnPanel):
        first.require_judge_may_score("cleo", artist("mina"))
    assert first.require_judge_may_score("ana", artist("mina")) == ANA


def test_a_judge_does_not_score_an_artist_of_their_own_partner() -> None:
    first = round_with("mina")
    signed = artist("mina", affiliations=["  HYBE labels "])

    with pytest.raises(ConflictOfInterest, match="Hybe Labels"):
        first.require_judge_may_score("ana", signed)
    assert first.require_judge_may_score("ben", signed) == BEN


# Events ---------------------------------------------------------------------------------------


def test_round_events_carry_their_stable_topics() -> None:
    _, rounds = announce(rounds=(plan("Final", 1, 1, 2),))
    (first,) = rounds
    first.admit(track_by("mina", 1), artist("mina"), at=ANNOUNCED)
    opened(first).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    first.record_result({}, at=ANNOUNCED + DAY)
    _, later = announce(season_id=OTHER_SEASON_ID)
    later[1].seed([Entrant(UUID(int=1), "mina")], at=ANNOUNCED)

    topics = [get_topic(type(e)) for e in first.collect_events()]
    topics += [get_topic(type(e)) for e in later[1].collect_events()]

    assert topics == [
        "spotlight.rounds:RoundScheduled",
        "spotlight.rounds:EntryAdmitted",
        "spotlight.rounds:RoundOpened",
        "spotlight.rounds:RoundClosed",
        "spotlight.rounds:RoundResultRecorded",
        "spotlight.rounds:RoundScheduled",
        "spotlight.rounds:EntrantsSeeded",
    ]
    assert get_topic(CompetitionRound) == "spotlight.rounds:CompetitionRound"


def test_replaying_a_rounds_events_gives_the_same_round() -> None:
    prizes = (Prize(1, "Gold"),)
    _, rounds = announce(rounds=(plan("Final", 2, 1, 2),), prizes=prizes)
    (final,) = rounds
    for number, account in enumerate(("mina", "joon", "hana"), start=1):
        final.admit(track_by(account, number), artist(account), at=ANNOUNCED)
    opened(final).close(by=ADMIN, reason=AHEAD, at=ANNOUNCED + DAY)
    final.record_result({UUID(int=2): Tally(votes=1, score_sum=7, scores=1)}, at=ANNOUNCED + DAY)

    copy = replayed(final)

    assert vars(copy) == vars(final)
    assert copy.winners == final.winners
    assert copy.advancing_entrants() == final.advancing_entrants()


def test_replaying_a_seeded_round_gives_the_same_round() -> None:
    semi = announce()[1][1]
    semi.seed([Entrant(UUID(int=1), "mina"), Entrant(UUID(int=2), "joon")], at=ANNOUNCED)
    opened(semi)

    copy = replayed(semi)

    assert vars(copy) == vars(semi)
    assert copy.seeded
    assert copy.is_open
