"""The rules of a video's declared sound: one track at a time, checked once per declaration,
and flagged whenever the audio does not carry it by the rule."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.music.sounds import (
    HEARD_MIN_SCORE,
    HEARD_MIN_SECONDS,
    NOTHING_HEARD,
    Hearing,
    NotTheDeclaredSound,
    SoundAlreadyChecked,
    SoundCheck,
    SoundDeclaration,
    SoundUnchanged,
)

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)
VIDEO, LANTERNS, HARBOUR = UUID(int=1), UUID(int=2), UUID(int=3)


def declared(track_id: UUID = LANTERNS) -> SoundDeclaration:
    return SoundDeclaration.declare(video_id=VIDEO, track_id=track_id, by="creator:mia", at=AT)


def replayed(declaration: SoundDeclaration) -> SoundDeclaration:
    rebuilt: SoundDeclaration | None = None
    for recorded in declaration.collect_events():
        rebuilt = recorded.mutate(rebuilt)
    assert rebuilt is not None
    return rebuilt


hearings = st.builds(
    Hearing,
    score=st.floats(0, 1),
    matched_seconds=st.floats(0, 60),
    video_start=st.floats(0, 60),
    track_start=st.floats(0, 60),
)


@given(hearing=hearings)
def test_a_declaration_is_verified_exactly_when_the_audio_carries_the_track_by_the_rule(
    hearing: Hearing,
) -> None:
    declaration = declared()

    check = declaration.check_against_audio(LANTERNS, hearing, engine_version="landmark-3", at=AT)

    heard = hearing.score >= HEARD_MIN_SCORE and hearing.matched_seconds >= HEARD_MIN_SECONDS
    assert check is (SoundCheck.VERIFIED if heard else SoundCheck.FLAGGED)
    rebuilt = replayed(declaration)
    assert (rebuilt.check, rebuilt.hearing) == (check, hearing)


def test_a_declaration_is_checked_once_and_only_for_the_declared_track() -> None:
    declaration = declared()
    with pytest.raises(NotTheDeclaredSound):
        declaration.check_against_audio(HARBOUR, NOTHING_HEARD, engine_version="v", at=AT)
    declaration.check_against_audio(LANTERNS, NOTHING_HEARD, engine_version="v", at=AT)
    assert declaration.check is SoundCheck.FLAGGED
    with pytest.raises(SoundAlreadyChecked):
        declaration.check_against_audio(LANTERNS, Hearing(0.9, 10, 0, 0), engine_version="v", at=AT)


def test_naming_another_track_starts_a_new_unchecked_declaration() -> None:
    declaration = declared()
    declaration.check_against_audio(LANTERNS, NOTHING_HEARD, engine_version="v", at=AT)

    declaration.redeclare(HARBOUR, by="creator:mia", at=AT)

    assert (declaration.track_id, declaration.check) == (HARBOUR, SoundCheck.UNCHECKED)
    assert declaration.hearing is None
    with pytest.raises(SoundUnchanged):
        declaration.redeclare(HARBOUR, by="creator:mia", at=AT)
    rebuilt = replayed(declaration)
    assert (rebuilt.track_id, rebuilt.check) == (HARBOUR, SoundCheck.UNCHECKED)


@pytest.mark.parametrize(
    "fields",
    [
        {"score": 1.5, "matched_seconds": 4, "video_start": 0, "track_start": 0},
        {"score": -0.1, "matched_seconds": 4, "video_start": 0, "track_start": 0},
        {"score": 0.5, "matched_seconds": float("nan"), "video_start": 0, "track_start": 0},
    ],
)
def test_what_the_engine_heard_is_a_score_and_times_it_could_hear(
    fields: dict[str, float],
) -> None:
    with pytest.raises(InvalidValue):
        Hearing(**fields)


def test_a_declaration_needs_a_declarer_and_an_aware_time() -> None:
    with pytest.raises(InvalidValue):
        SoundDeclaration.declare(video_id=VIDEO, track_id=LANTERNS, by=" ", at=AT)
    with pytest.raises(InvalidValue):
        SoundDeclaration.declare(
            video_id=VIDEO, track_id=LANTERNS, by="creator:mia", at=datetime(2025, 3, 1)
        )
