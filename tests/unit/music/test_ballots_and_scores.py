"""Viewers cast one ballot per round for an entry; judges on the panel score each entry once,
from 0 to 10, unless they represent a partner the artist is signed to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import InvalidValue
from domain.music.artists import Artist
from domain.music.ballots import MAX_KEY, Ballot, OwnEntry, Score
from domain.music.rounds import (
    CompetitionRound,
    ConflictOfInterest,
    Judge,
    NotAnEntrant,
    NotOnPanel,
    RoundNotOpen,
)
from domain.music.standings import MAX_SCORE, MIN_SCORE, Weighting
from domain.music.tracks import Track

SEASON_ID = UUID("00000000-0000-0000-0000-00000005ea50")
MINA_SONG = UUID(int=1)
JOON_SONG = UUID(int=2)
STRANGER_SONG = UUID(int=99)
OPENS = datetime(2025, 3, 2, 20, 0, tzinfo=UTC)
VOTED = OPENS + timedelta(hours=3)
NAIVE = datetime(2025, 3, 2, 23, 0)
ANA = Judge(judge_id="ana", partner="Hybe Labels")
BEN = Judge(judge_id="ben", partner="JYP Entertainment")
#: The namespaces the derived ids are documented to use.
BALLOTS = uuid5(NAMESPACE_URL, "urn:spotlight:ballot")
SCORES = uuid5(NAMESPACE_URL, "urn:spotlight:judge-score")


def artist(account: str, *affiliations: str) -> Artist:
    return Artist.register(
        account=account, name=account.title(), region="KR", affiliations=affiliations, at=OPENS
    )


MINA = artist("mina", "Hybe Labels")
JOON = artist("joon")


def cleared(track_id: UUID, account: str) -> Track:
    track = Track.submit(
        track_id,
        artist_account=account,
        title=f"{account}'s song",
        digest=f"{track_id.int:064x}",
        duration_seconds=200.0,
        at=OPENS,
    )
    track.record_originality((), engine_version="test", at=OPENS)
    track.clear(by="reviewer:rosa", reason="original", at=OPENS)
    return track


def scheduled_round(number: int = 1) -> CompetitionRound:
    first = CompetitionRound.schedule(
        season_id=SEASON_ID,
        region="KR",
        number=number,
        name="Open call",
        cut_size=1,
        final=False,
        judges=(ANA, BEN),
        weighting=Weighting(),
        prizes=(),
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=7),
    )
    first.admit(cleared(MINA_SONG, "mina"), MINA, at=OPENS)
    first.admit(cleared(JOON_SONG, "joon"), JOON, at=OPENS)
    return first


def open_round() -> CompetitionRound:
    first = scheduled_round()
    first.open(by="admin:ops", at=OPENS)
    return first


def closed_round() -> CompetitionRound:
    first = open_round()
    first.close(by="admin:ops", at=OPENS + timedelta(days=7))
    return first


def ballot(
    competition_round: CompetitionRound,
    *,
    voter: str = "viewer:sol",
    track_id: UUID = MINA_SONG,
    key: str = "",
    at: datetime = VOTED,
) -> Ballot:
    return Ballot.cast(
        competition_round,
        voter=voter,
        voter_account=voter.partition(":")[2],
        track_id=track_id,
        idempotency_key=key,
        at=at,
    )


def score(
    competition_round: CompetitionRound,
    *,
    judge: str = "ben",
    track_id: UUID = MINA_SONG,
    value: int = 7,
    by: Artist = MINA,
) -> Score:
    return Score.give(
        competition_round, judge_id=judge, track_id=track_id, value=value, artist=by, at=VOTED
    )


# Ballots --------------------------------------------------------------------------------------


def test_a_viewer_casts_a_ballot_for_an_entry_of_an_open_round() -> None:
    first = open_round()

    cast = ballot(first, voter="viewer:sol", track_id=JOON_SONG, key="req-1")

    assert cast.round_id == first.id
    assert cast.voter == "viewer:sol"
    assert cast.track_id == JOON_SONG
    assert cast.idempotency_key == "req-1"
    assert cast.cast_at == VOTED
    assert cast.version == 1


@pytest.mark.parametrize("voter", ["artist:mina", "viewer:mina", "creator:mina"])
def test_an_artist_may_not_vote_for_their_own_entry_in_any_role(voter: str) -> None:
    with pytest.raises(OwnEntry, match="your own entry"):
        ballot(open_round(), voter=voter, track_id=MINA_SONG)


def test_an_artist_votes_for_another_artists_entry() -> None:
    cast = ballot(open_round(), voter="artist:mina", track_id=JOON_SONG)

    assert (cast.voter, cast.track_id) == ("artist:mina", JOON_SONG)


def test_a_ballot_is_cast_only_while_the_round_is_open() -> None:
    with pytest.raises(RoundNotOpen, match="scheduled"):
        ballot(scheduled_round())
    with pytest.raises(RoundNotOpen, match="closed"):
        ballot(closed_round())


def test_a_ballot_is_cast_only_for_an_entry() -> None:
    with pytest.raises(NotAnEntrant):
        ballot(open_round(), track_id=STRANGER_SONG)


def test_a_ballot_names_its_voter_and_a_short_idempotency_key() -> None:
    first = open_round()

    with pytest.raises(InvalidValue, match="voter"):
        ballot(first, voter="")
    with pytest.raises(InvalidValue, match="idempotency key"):
        ballot(first, key="k" * (MAX_KEY + 1))
    assert ballot(first, key="k" * MAX_KEY).idempotency_key == "k" * MAX_KEY


def test_a_ballot_time_is_timezone_aware() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        ballot(open_round(), at=NAIVE)


def test_one_voter_has_one_ballot_id_per_round_whatever_they_vote_for() -> None:
    first = open_round()

    one = ballot(first, voter="viewer:sol", track_id=MINA_SONG, key="a")
    again = ballot(first, voter="viewer:sol", track_id=JOON_SONG, key="b", at=VOTED + timedelta(1))

    assert one.id == again.id == Ballot.id_for(first.id, "viewer:sol")
    assert one.id == uuid5(BALLOTS, f"{first.id}/viewer:sol")


def test_other_voters_and_other_rounds_have_other_ballot_ids() -> None:
    first = open_round()
    later = CompetitionRound.id_for(SEASON_ID, 2)

    ids = {
        ballot(first, voter="viewer:sol").id,
        ballot(first, voter="viewer:dae").id,
        ballot(first, voter="creator:sol").id,
        Ballot.id_for(later, "viewer:sol"),
    }

    assert len(ids) == 4


# Scores ---------------------------------------------------------------------------------------


def test_a_judge_scores_an_entry_of_an_open_round() -> None:
    first = open_round()

    given = score(first, judge="ben", track_id=MINA_SONG, value=8)

    assert given.round_id == first.id
    assert given.judge_id == "ben"
    assert given.partner == "JYP Entertainment"
    assert given.track_id == MINA_SONG
    assert given.value == 8
    assert given.given_at == VOTED


@pytest.mark.parametrize("value", [MIN_SCORE, 1, 5, 9, MAX_SCORE])
def test_a_score_is_a_whole_number_from_zero_to_ten(value: int) -> None:
    assert score(open_round(), value=value).value == value


@pytest.mark.parametrize("value", [-1, 11, 100, -100])
def test_a_score_outside_zero_to_ten_is_refused(value: int) -> None:
    with pytest.raises(InvalidValue, match="between 0 and 10"):
        score(open_round(), value=value)


@pytest.mark.parametrize("value", [True, False])
def test_a_yes_or_no_is_not_a_score(value: bool) -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        score(open_round(), value=value)


@pytest.mark.parametrize("value", [7.0, 7.5, "7", None])
def test_only_integers_are_scores(value: Any) -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        score(open_round(), value=value)


def test_a_score_is_given_only_while_the_round_is_open() -> None:
    with pytest.raises(RoundNotOpen, match="scheduled"):
        score(scheduled_round())
    with pytest.raises(RoundNotOpen, match="closed"):
        score(closed_round())


def test_a_score_is_given_only_to_an_entry() -> None:
    with pytest.raises(NotAnEntrant):
        score(open_round(), track_id=STRANGER_SONG)


def test_a_score_names_the_artist_of_the_entry() -> None:
    with pytest.raises(InvalidValue, match="not by artist joon"):
        score(open_round(), track_id=MINA_SONG, by=JOON)


def test_a_judge_not_on_the_panel_does_not_score() -> None:
    with pytest.raises(NotOnPanel):
        score(open_round(), judge="cleo")


def test_a_judge_does_not_score_an_artist_signed_to_their_partner() -> None:
    first = open_round()

    with pytest.raises(ConflictOfInterest):
        score(first, judge="ana", track_id=MINA_SONG, by=MINA)
    assert score(first, judge="ana", track_id=JOON_SONG, by=JOON).partner == "Hybe Labels"


def test_conflicts_compare_partner_names_ignoring_case_and_spacing() -> None:
    signed = artist("mina", "  HYBE    labels ")

    with pytest.raises(ConflictOfInterest):
        score(open_round(), judge="ana", track_id=MINA_SONG, by=signed)


def test_each_judge_scores_each_entry_under_one_id_per_round() -> None:
    first = open_round()

    given = score(first, judge="ben", track_id=MINA_SONG, value=3)
    again = score(first, judge="ben", track_id=MINA_SONG, value=9)

    assert given.id == again.id == Score.id_for(first.id, "ben", MINA_SONG)
    assert given.id == uuid5(SCORES, f"{first.id}/ben/{MINA_SONG}")
    others = {
        score(first, judge="ben", track_id=JOON_SONG, by=JOON).id,
        score(first, judge="ana", track_id=JOON_SONG, by=JOON).id,
        Score.id_for(CompetitionRound.id_for(SEASON_ID, 2), "ben", MINA_SONG),
    }
    assert given.id not in others
    assert len(others) == 3


# Events ---------------------------------------------------------------------------------------


def test_ballots_and_scores_carry_their_stable_topics() -> None:
    first = open_round()
    (cast,) = ballot(first).collect_events()
    (given,) = score(first).collect_events()

    assert isinstance(cast, Ballot.Cast)
    assert isinstance(given, Score.Given)
    assert get_topic(type(cast)) == "spotlight.ballots:BallotCast"
    assert cast.originator_topic == "spotlight.ballots:Ballot"
    assert get_topic(type(given)) == "spotlight.ballots:ScoreGiven"
    assert given.originator_topic == "spotlight.ballots:JudgeScore"
    assert resolve_topic("spotlight.ballots:BallotCast") is Ballot.Cast
    assert resolve_topic("spotlight.ballots:ScoreGiven") is Score.Given


def test_replaying_a_ballot_or_a_score_gives_the_same_one() -> None:
    first = open_round()
    cast = ballot(first, key="req-7")
    given = score(first, value=10)

    copy_of_ballot: Ballot | None = None
    for domain_event in cast.collect_events():
        copy_of_ballot = domain_event.mutate(copy_of_ballot)
    copy_of_score: Score | None = None
    for domain_event in given.collect_events():
        copy_of_score = domain_event.mutate(copy_of_score)

    assert copy_of_ballot is not None
    assert copy_of_score is not None
    assert vars(copy_of_ballot) == vars(cast)
    assert vars(copy_of_score) == vars(given)
