"""Artists submit original tracks; each is checked for originality once, then a reviewer clears
or rejects it. A track that resembles earlier material is cleared only by an override."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import InvalidValue, RuleViolated
from domain.music.tracks import (
    MAX_REASON,
    MAX_TRACK_TITLE,
    OriginalityNotChecked,
    OverrideRequired,
    Resemblance,
    Track,
    TrackAlreadyDecided,
    TrackStatus,
)

SONG_ID = UUID("00000000-0000-0000-0000-00000000501a")
EARLIER_ID = UUID("00000000-0000-0000-0000-0000000050e1")
SUBMITTED = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
CHECKED = SUBMITTED + timedelta(seconds=2)
DECIDED = SUBMITTED + timedelta(days=1)
NAIVE = datetime(2025, 2, 3, 9, 0)
REVIEWER = "reviewer:rosa"
ECHO = Resemblance(
    source=f"track:{EARLIER_ID}",
    score=0.93,
    matched_seconds=41.5,
    submission_start=12.0,
    source_start=0.5,
)


def submit_song(
    *,
    title: str = "Neon Han River",
    duration_seconds: float = 187.4,
    artist_account: str = "mina",
    at: datetime = SUBMITTED,
) -> Track:
    return Track.submit(
        SONG_ID,
        artist_account=artist_account,
        title=title,
        digest="ab" * 32,
        duration_seconds=duration_seconds,
        at=at,
    )


def checked_song(*resemblances: Resemblance) -> Track:
    song = submit_song()
    song.record_originality(resemblances, engine_version="landmark-3", at=CHECKED)
    return song


def replayed(track: Track) -> Track:
    """The track rebuilt from nothing but the events it collected."""
    copy: Track | None = None
    for domain_event in track.collect_events():
        copy = domain_event.mutate(copy)
    assert copy is not None
    return copy


# Submission -----------------------------------------------------------------------------------


def test_an_artist_submits_a_track_that_awaits_review() -> None:
    song = submit_song(title="  Neon Han River ")

    assert song.id == SONG_ID
    assert song.artist_account == "mina"
    assert song.title == "Neon Han River"
    assert song.digest == "ab" * 32
    assert song.duration_seconds == 187.4
    assert song.submitted_at == SUBMITTED
    assert song.status is TrackStatus.SUBMITTED
    assert not song.is_cleared
    assert not song.checked
    assert not song.flagged
    assert song.decided_by is None


@pytest.mark.parametrize("title", ["", "    ", "t" * (MAX_TRACK_TITLE + 1)])
def test_a_track_has_a_title_of_one_to_two_hundred_characters(title: str) -> None:
    with pytest.raises(InvalidValue, match="title"):
        submit_song(title=title)
    assert submit_song(title="t" * MAX_TRACK_TITLE).title == "t" * MAX_TRACK_TITLE


@pytest.mark.parametrize("duration", [0.0, -3.0, math.nan, math.inf, -math.inf])
def test_a_track_lasts_a_finite_positive_time(duration: float) -> None:
    with pytest.raises(InvalidValue, match="longer than zero"):
        submit_song(duration_seconds=duration)


def test_a_submission_takes_a_timezone_aware_time() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        submit_song(at=NAIVE)


# Originality ----------------------------------------------------------------------------------


def test_a_track_like_nothing_before_it_is_not_flagged() -> None:
    song = checked_song()

    assert song.checked
    assert song.resemblances == ()
    assert not song.flagged


def test_a_track_that_resembles_earlier_material_is_flagged_with_the_evidence() -> None:
    song = checked_song(ECHO)

    assert song.flagged
    assert song.resemblances == (ECHO,)
    checked = song.collect_events()[-1]
    assert isinstance(checked, Track.OriginalityChecked)
    assert checked.engine_version == "landmark-3"
    assert checked.checked_at == CHECKED


def test_originality_is_recorded_once() -> None:
    song = checked_song()

    with pytest.raises(RuleViolated, match="already checked"):
        song.record_originality([ECHO], engine_version="landmark-3", at=CHECKED)
    assert not song.flagged
    assert song.version == 2


@pytest.mark.parametrize("field", ["score", "matched_seconds", "submission_start", "source_start"])
@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_evidence_of_a_resemblance_is_finite_and_non_negative(field: str, bad: float) -> None:
    values = {"score": 0.5, "matched_seconds": 5.0, "submission_start": 0.0, "source_start": 0.0}

    with pytest.raises(InvalidValue, match=field):
        Resemblance(source="reference:trailer", **{**values, field: bad})


# Clearance ------------------------------------------------------------------------------------


def test_nobody_clears_a_track_before_its_originality_is_checked() -> None:
    song = submit_song()

    with pytest.raises(OriginalityNotChecked):
        song.clear(by=REVIEWER, reason="sounds fine", at=DECIDED)
    with pytest.raises(OriginalityNotChecked):
        song.clear(by=REVIEWER, reason="sounds fine", override=True, at=DECIDED)
    assert song.status is TrackStatus.SUBMITTED


def test_a_reviewer_clears_an_original_track() -> None:
    song = checked_song()

    song.clear(by=REVIEWER, reason="  original work ", at=DECIDED)

    assert song.is_cleared
    assert song.status is TrackStatus.CLEARED
    assert song.decided_by == REVIEWER
    assert song.decision_reason == "original work"
    assert song.decided_at == DECIDED
    assert not song.overridden


def test_an_override_of_an_unflagged_track_overrides_nothing() -> None:
    song = checked_song()

    song.clear(by=REVIEWER, reason="original work", override=True, at=DECIDED)

    assert song.is_cleared
    assert not song.overridden
    cleared = song.collect_events()[-1]
    assert isinstance(cleared, Track.Cleared)
    assert cleared.overridden is False


def test_a_flagged_track_is_not_cleared_without_an_override() -> None:
    song = checked_song(ECHO)

    with pytest.raises(OverrideRequired, match="resembles 1"):
        song.clear(by=REVIEWER, reason="I like it", at=DECIDED)

    assert song.status is TrackStatus.SUBMITTED
    assert song.version == 2


def test_a_flagged_track_is_cleared_by_an_override_which_is_recorded() -> None:
    song = checked_song(ECHO)

    song.clear(by=REVIEWER, reason="the earlier upload is her own demo", override=True, at=DECIDED)

    assert song.is_cleared
    assert song.overridden
    assert song.decision_reason == "the earlier upload is her own demo"
    cleared = song.collect_events()[-1]
    assert isinstance(cleared, Track.Cleared)
    assert cleared.overridden is True
    assert cleared.cleared_by == REVIEWER


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_clearing_and_rejecting_need_a_reason(reason: str) -> None:
    song = checked_song(ECHO)

    with pytest.raises(InvalidValue, match="needs a reason"):
        song.clear(by=REVIEWER, reason=reason, override=True, at=DECIDED)
    with pytest.raises(InvalidValue, match="needs a reason"):
        song.reject(by=REVIEWER, reason=reason, at=DECIDED)
    assert song.status is TrackStatus.SUBMITTED
    assert song.version == 2


def test_a_reason_has_a_limit() -> None:
    song = checked_song()

    with pytest.raises(InvalidValue, match="at most"):
        song.reject(by=REVIEWER, reason="r" * (MAX_REASON + 1), at=DECIDED)
    song.reject(by=REVIEWER, reason="r" * MAX_REASON, at=DECIDED)
    assert len(song.decision_reason) == MAX_REASON


def test_a_reviewer_rejects_a_track() -> None:
    song = checked_song(ECHO)

    song.reject(by=REVIEWER, reason=" copy of a film score ", at=DECIDED)

    assert song.status is TrackStatus.REJECTED
    assert not song.is_cleared
    assert song.decided_by == REVIEWER
    assert song.decision_reason == "copy of a film score"
    assert song.decided_at == DECIDED
    assert not song.overridden


def test_a_track_may_be_rejected_before_its_originality_is_checked() -> None:
    song = submit_song()

    song.reject(by=REVIEWER, reason="the upload is a voice memo", at=DECIDED)

    assert song.status is TrackStatus.REJECTED


def test_a_cleared_track_stays_cleared() -> None:
    song = checked_song()
    song.clear(by=REVIEWER, reason="original", at=DECIDED)

    with pytest.raises(TrackAlreadyDecided, match="cleared"):
        song.reject(by=REVIEWER, reason="changed my mind", at=DECIDED)
    with pytest.raises(TrackAlreadyDecided, match="cleared"):
        song.clear(by=REVIEWER, reason="again", at=DECIDED)

    assert song.is_cleared
    assert song.version == 3


def test_a_rejected_track_stays_rejected_even_with_an_override() -> None:
    song = checked_song(ECHO)
    song.reject(by=REVIEWER, reason="copy", at=DECIDED)

    with pytest.raises(TrackAlreadyDecided, match="rejected"):
        song.clear(by=REVIEWER, reason="appeal", override=True, at=DECIDED)
    with pytest.raises(TrackAlreadyDecided, match="rejected"):
        song.reject(by=REVIEWER, reason="twice", at=DECIDED)

    assert song.status is TrackStatus.REJECTED
    assert song.version == 3


def test_decision_times_must_be_timezone_aware() -> None:
    song = checked_song()

    with pytest.raises(InvalidValue, match="time zone"):
        song.clear(by=REVIEWER, reason="fine", at=NAIVE)
    with pytest.raises(InvalidValue, match="time zone"):
        song.reject(by=REVIEWER, reason="fine", at=NAIVE)
    assert song.status is TrackStatus.SUBMITTED


# Events ---------------------------------------------------------------------------------------


def test_track_events_carry_their_stable_topics() -> None:
    cleared = checked_song(ECHO)
    cleared.clear(by=REVIEWER, reason="own demo", override=True, at=DECIDED)
    rejected = checked_song()
    rejected.reject(by=REVIEWER, reason="copy", at=DECIDED)

    topics = [get_topic(type(e)) for e in cleared.collect_events()]
    topics += [get_topic(type(e)) for e in rejected.collect_events()][-1:]

    assert topics == [
        "spotlight.tracks:TrackSubmitted",
        "spotlight.tracks:TrackOriginalityChecked",
        "spotlight.tracks:TrackCleared",
        "spotlight.tracks:TrackRejected",
    ]
    assert get_topic(Track) == "spotlight.tracks:Track"
    for event_class in (Track.Submitted, Track.OriginalityChecked, Track.Cleared, Track.Rejected):
        assert resolve_topic(event_class.TOPIC) is event_class


@pytest.mark.parametrize("decision", ["cleared", "overridden", "rejected", "undecided"])
def test_replaying_a_tracks_events_gives_the_same_track(decision: str) -> None:
    song = checked_song(ECHO) if decision == "overridden" else checked_song()
    if decision in ("cleared", "overridden"):
        song.clear(by=REVIEWER, reason="fine", override=decision == "overridden", at=DECIDED)
    elif decision == "rejected":
        song.reject(by=REVIEWER, reason="copy", at=DECIDED)

    copy = replayed(song)

    assert vars(copy) == vars(song)
    assert (copy.status, copy.flagged, copy.overridden) == (
        song.status,
        song.flagged,
        song.overridden,
    )
