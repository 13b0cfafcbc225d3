"""Originality of submitted tracks, through the real decoder and the real audio engine.

Every submission is compared with every track submitted before it and with the reference
clips of titles. Copies of an earlier track, however they were re-uploaded, are flagged with
evidence naming what they copy and where; unrelated music is left alone; bad uploads are
refused with ``UnreadableMedia`` and leave the music log as it was.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable

import pytest

from adapters.matching.audio import LandmarkAudioEngine
from adapters.media.decoding import PyAVDecoder
from application.auth import Principal, Role
from application.errors import NotPermitted
from application.media import UnreadableMedia
from application.music.music import ORIGINALITY_MIN_SCORE, ORIGINALITY_MIN_SECONDS
from application.music.music_views import TrackView
from domain.anchors.matching import TimeRange
from domain.anchors.titles import TitleKind
from domain.music.tracks import OverrideRequired, Resemblance, TrackStatus
from entrypoints.bootstrap import Spotlight
from tests.media import corpus

AIKO = Principal(Role.ARTIST, "aiko")
BEN = Principal(Role.ARTIST, "ben")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
STUDIO = Principal(Role.STUDIO, "northlight")

SOURCE_SEED = 41
SECONDS = 12.0
SMALL = (320, 180)  # the pictures do not matter to music; small ones decode fast
#: How far the evidence may place a likeness from where the copy really starts, in seconds.
OFFSET_TOLERANCE = 1.0


def source_clip() -> bytes:
    """Aiko's original recording: a 12-second clip with a melody of its own."""
    return corpus.reference_clip(SOURCE_SEED, seconds=SECONDS, size=SMALL)


def logged(core: Spotlight) -> int:
    return core._music.recorder.max_notification_id() or 0


@pytest.fixture
def artists(core: Spotlight) -> Spotlight:
    """The core with two registered artists: Aiko (the original) and Ben."""
    assert isinstance(core.discovery.decoder, PyAVDecoder)
    assert isinstance(core.discovery.audio, LandmarkAudioEngine)
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    core.discovery.register_artist(BEN, name="Ben", region="JP")
    return core


def resemblance_to(view: TrackView, source: str) -> Resemblance:
    found = [r for r in view.resemblances if r.source == source]
    assert found, f"{view.title!r} does not name {source}; evidence: {view.resemblances}"
    return found[0]


# Originals ------------------------------------------------------------------------------


def test_an_original_track_is_not_flagged_and_is_cleared_without_override(
    artists: Spotlight,
) -> None:
    original = artists.discovery.submit_track(AIKO, title="Paper Lanterns", media=source_clip())

    assert original.flagged is False
    assert original.resemblances == ()
    assert original.status is TrackStatus.SUBMITTED
    assert original.artist.account == "aiko"
    assert original.duration_seconds == pytest.approx(SECONDS, abs=0.2)
    queued = artists.discovery.review_queue(ROSA).items
    assert [t.id for t in queued] == [original.id]

    cleared = artists.discovery.clear_track(ROSA, original.id, reason="original work")
    assert (cleared.status, cleared.overridden) == (TrackStatus.CLEARED, False)


# Copies of an earlier track -----------------------------------------------------------------

#: Transformation, and where in the original the copy starts (seconds).
COPIES: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], float]]] = {
    "audio only, WAV": (corpus.audio_only_wav, lambda _clip: 0.0),
    "audio only, MP3": (corpus.audio_only_mp3, lambda _clip: 0.0),
    "noise mixed at -10 dB": (corpus.noise_mixed, lambda _clip: 0.0),
    "voice-over at -10 dB": (corpus.voice_over_mixed, lambda _clip: 0.0),
    "5-second excerpt": (corpus.trimmed_excerpt, corpus.excerpt_start),
    "re-encoded at a low bitrate": (corpus.reencoded_low_bitrate, lambda _clip: 0.0),
    "sped up 3%": (corpus.sped_up, lambda _clip: 0.0),
}


@pytest.mark.parametrize("copy_name", list(COPIES))
def test_a_copy_of_an_earlier_track_is_flagged_with_evidence_naming_it(
    artists: Spotlight, copy_name: str
) -> None:
    transform, copied_from = COPIES[copy_name]
    clip = source_clip()
    original = artists.discovery.submit_track(AIKO, title="Paper Lanterns", media=clip)
    copy_media = transform(clip)
    expected_source_start = copied_from(clip)

    copy = artists.discovery.submit_track(BEN, title=f"Lanterns ({copy_name})", media=copy_media)

    assert copy.flagged, f"{copy_name} was not flagged"
    evidence = resemblance_to(copy, f"track:{original.id}")
    figures = f"{copy_name}: {evidence}"
    overlap = min(copy.duration_seconds, SECONDS - expected_source_start)
    assert evidence.score >= ORIGINALITY_MIN_SCORE, figures
    assert evidence.score <= 1.0, figures
    assert evidence.matched_seconds >= max(ORIGINALITY_MIN_SECONDS, 0.75 * overlap), figures
    assert evidence.matched_seconds <= copy.duration_seconds + OFFSET_TOLERANCE, figures
    assert evidence.submission_start == pytest.approx(0.0, abs=OFFSET_TOLERANCE), figures
    assert evidence.source_start == pytest.approx(expected_source_start, abs=OFFSET_TOLERANCE), (
        figures
    )
    # The evidence is the track's own, as stored, not only the answer of the moment.
    assert artists.discovery.track(copy.id).resemblances == copy.resemblances


def test_a_flagged_track_is_cleared_only_by_an_explicit_override(artists: Spotlight) -> None:
    clip = source_clip()
    artists.discovery.submit_track(AIKO, title="Paper Lanterns", media=clip)
    copy = artists.discovery.submit_track(BEN, title="Lanterns", media=corpus.audio_only_wav(clip))
    before = logged(artists)

    with pytest.raises(OverrideRequired):
        artists.discovery.clear_track(ROSA, copy.id, reason="sounds fine to me")
    assert logged(artists) == before

    cleared = artists.discovery.clear_track(
        ROSA, copy.id, reason="licensed from Aiko", override=True
    )
    assert (cleared.status, cleared.overridden) == (TrackStatus.CLEARED, True)


# Unrelated music ---------------------------------------------------------------------------

UNRELATED_STYLE_SEEDS = (1, 2, 3, 4, 5)
OTHER_REFERENCE_SEEDS = (50, 51, 52, 53, 54, 55)


def test_unrelated_music_is_never_flagged(artists: Spotlight) -> None:
    clip = source_clip()
    artists.discovery.submit_track(AIKO, title="Paper Lanterns", media=clip)
    title = artists.anchoring.register_title(STUDIO, name="Northern Lights", kind=TitleKind.MOVIE)
    artists.anchoring.add_reference(
        STUDIO,
        title.id,
        label="trailer",
        media=corpus.reference_clip(SOURCE_SEED + 1, seconds=SECONDS, size=SMALL),
    )
    submissions = [
        (f"arpeggios {seed}", corpus.unrelated_clip(seed, seconds=8))
        for seed in UNRELATED_STYLE_SEEDS
    ] + [
        (f"melody {seed}", corpus.reference_clip(seed, seconds=8, size=SMALL))
        for seed in OTHER_REFERENCE_SEEDS
    ]

    false_flags = {}
    for name, media in submissions:
        # Each is compared with the original, the trailer and every unrelated track before it.
        view = artists.discovery.submit_track(BEN, title=name, media=media)
        if view.flagged:
            false_flags[name] = view.resemblances

    assert len(submissions) >= 10
    assert false_flags == {}
    assert len(artists.discovery.index.engine) == 2 + len(submissions)


# Reference clips of titles ------------------------------------------------------------------


def test_a_track_copying_a_titles_reference_soundtrack_is_flagged(artists: Spotlight) -> None:
    trailer = corpus.reference_clip(SOURCE_SEED + 2, seconds=SECONDS, size=SMALL)
    title = artists.anchoring.register_title(STUDIO, name="Harbour Nights", kind=TitleKind.MOVIE)
    reference = artists.anchoring.add_reference(STUDIO, title.id, label="trailer", media=trailer)

    copy = artists.discovery.submit_track(
        BEN, title="Harbour Theme", media=corpus.audio_only_mp3(trailer)
    )

    assert copy.flagged
    evidence = resemblance_to(copy, f"reference:{reference.reference_id}")
    assert evidence.score >= ORIGINALITY_MIN_SCORE, evidence
    assert evidence.matched_seconds >= 0.75 * SECONDS, evidence
    assert evidence.source_start == pytest.approx(0.0, abs=OFFSET_TOLERANCE), evidence
    assert all(r.source.startswith(("track:", "reference:")) for r in copy.resemblances)


def test_music_the_studio_excluded_from_its_reference_is_not_claimed_as_the_titles(
    artists: Spotlight,
) -> None:
    """A studio excludes the licensed song in its trailer; the song's artist is no copier."""
    trailer = corpus.reference_clip(SOURCE_SEED + 3, seconds=SECONDS, size=SMALL)
    title = artists.anchoring.register_title(STUDIO, name="Quiet Harbour", kind=TitleKind.MOVIE)
    reference = artists.anchoring.add_reference(
        STUDIO,
        title.id,
        label="trailer with a licensed song",
        media=trailer,
        excluded=[TimeRange(0.0, SECONDS)],
    )

    song = artists.discovery.submit_track(
        BEN, title="The Licensed Song", media=corpus.audio_only_wav(trailer)
    )

    assert not any(r.source == f"reference:{reference.reference_id}" for r in song.resemblances), (
        song.resemblances
    )


def test_exclusions_set_after_the_reference_was_added_take_effect(artists: Spotlight) -> None:
    trailer = corpus.reference_clip(SOURCE_SEED + 4, seconds=SECONDS, size=SMALL)
    title = artists.anchoring.register_title(STUDIO, name="Late Tide", kind=TitleKind.MOVIE)
    reference = artists.anchoring.add_reference(STUDIO, title.id, label="trailer", media=trailer)
    artists.anchoring.set_exclusions(
        STUDIO, title.id, reference.reference_id, [TimeRange(0.0, SECONDS)]
    )

    song = artists.discovery.submit_track(
        BEN, title="Tide Song", media=corpus.audio_only_wav(trailer)
    )

    assert not song.flagged, song.resemblances


# Bad input ------------------------------------------------------------------------------------


def silent_wav(seconds: float = 8.0, rate: int = 44100) -> bytes:
    """A well-formed WAV whose every sample is zero: readable, but nothing to recognise."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(4 * round(seconds * rate)))
    return buffer.getvalue()


#: Each bad upload, and what the refusal must tell the artist.
BAD_UPLOADS: dict[str, tuple[Callable[[], bytes], str]] = {
    "not media (text)": (corpus.not_media, "not a video or audio"),
    "a PNG image": (corpus.png_image, "still image"),
    "corrupt": (lambda: corpus.corrupt(source_clip()), "damaged|not a video or audio"),
    "truncated": (lambda: corpus.truncated(source_clip()), "incomplete|damaged"),
    "empty bytes": (lambda: b"", "empty"),
    "a video without an audio track": (corpus.silent_video_without_audio, "no audio"),
    "a silent clip": (silent_wav, "silent"),
}


@pytest.mark.parametrize("upload_name", list(BAD_UPLOADS))
def test_bad_input_is_refused_and_records_nothing(artists: Spotlight, upload_name: str) -> None:
    make, reason = BAD_UPLOADS[upload_name]
    media = make()
    before = logged(artists)
    indexed = len(artists.discovery.index.engine)

    with pytest.raises(UnreadableMedia, match=reason):
        artists.discovery.submit_track(AIKO, title="Broken", media=media)

    assert logged(artists) == before
    assert len(artists.discovery.index.engine) == indexed
    assert artists.discovery.review_queue(ROSA).items == ()


# Who may submit -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "on_behalf_of"),
    [
        pytest.param(Principal(Role.CREATOR, "mia"), None, id="a creator"),
        pytest.param(Principal(Role.VIEWER, "vic"), None, id="a viewer"),
        pytest.param(Principal(Role.STUDIO, "northlight"), "aiko", id="a studio for an artist"),
        pytest.param(BEN, "aiko", id="an artist for another artist"),
    ],
)
def test_only_an_artist_submits_and_only_as_itself(
    artists: Spotlight, actor: Principal, on_behalf_of: str | None
) -> None:
    before = logged(artists)

    with pytest.raises(NotPermitted):
        artists.discovery.submit_track(
            actor, title="Not mine", media=source_clip(), artist_account=on_behalf_of
        )

    assert logged(artists) == before
    assert artists.discovery.review_queue(ROSA).items == ()


def test_an_admin_submits_for_a_named_artist(artists: Spotlight) -> None:
    view = artists.discovery.submit_track(
        OPS, title="Paper Lanterns", media=source_clip(), artist_account="aiko"
    )

    assert view.artist.account == "aiko"
    assert view.flagged is False
